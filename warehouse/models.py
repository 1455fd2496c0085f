"""Run the SQL models: one `.sql` file per model, materialised as `<layer>.<model>`.

Layers run in order (staging, core, marts); within a layer, a model runs after the models it
reads (found from the `<layer>.<name>` references in its SQL).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from rrc.errors import RRCError

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "core", "marts")


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def qualified(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def grain(self) -> str:
        """The header comment (it starts with "-- Grain:"), as one line."""
        header = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            header.append(line.removeprefix("--").strip())
        return " ".join(header).removeprefix("Grain:").strip()


class ModelError(RRCError):
    """A SQL model failed."""


def discover() -> list[Model]:
    """All models in run order."""
    models = {
        f"{layer}.{p.stem}": Model(layer, p.stem, p)
        for layer in LAYERS
        for p in sorted((MODELS_DIR / layer).glob("*.sql"))
    }
    graph: dict[str, set[str]] = {}
    for name, model in models.items():
        refs = set(re.findall(r"\b((?:staging|core|marts)\.\w+)", model.sql))
        graph[name] = {r for r in refs if r in models and r != name}
    order = list(TopologicalSorter(graph).static_order())
    return sorted((models[n] for n in order), key=lambda m: LAYERS.index(m.layer))  # stable


def run(con: duckdb.DuckDBPyConnection, models: list[Model] | None = None) -> dict[str, float]:
    """Materialise every model; return seconds per model."""
    timings = {}
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for model in models or discover():
        started = time.perf_counter()
        try:
            con.execute(f"CREATE OR REPLACE TABLE {model.qualified} AS {model.sql}")
        except duckdb.Error as exc:
            hint = "run `rrc etl run --full` after fixing the SQL"
            if isinstance(exc, duckdb.OutOfMemoryException):
                (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
                hint = (
                    f"the build's DuckDB memory limit ({limit}) was reached: raise it with "
                    "RRC_ETL_MEMORY_LIMIT (or memory_limit in config/sources.toml), or rewrite the "
                    "model so that DuckDB can spill it to disk"
                )
            message = f"model {model.qualified} ({model.path}) failed: {exc}"
            raise ModelError(message, hint=hint) from exc
        timings[model.qualified] = time.perf_counter() - started
    return timings
