"""Find and run the models: one file per table, materialised as `<layer>.<model>`.

A model is a `.sql` file (a SELECT) or, where SQL cannot say it, a `.py` file that declares the
tables it `READS` and a `build(con)` returning the table's rows (a polars frame). Every model of
every layer is one node of one dependency graph, found from the `<layer>.<name>` references in a
SQL model's text and the `READS` of a Python one; layers run in order (staging, core, marts), and
within a layer a model runs after the models it reads. `rrc etl run` times each model.
"""

from __future__ import annotations

import importlib
import re
import time
from dataclasses import dataclass
from functools import cached_property
from graphlib import TopologicalSorter
from pathlib import Path
from types import ModuleType

import duckdb

from rrc.errors import RRCError

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "core", "marts")
REFERENCE = re.compile(r"\b((?:staging|core|marts)\.\w+)")


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path

    @property
    def kind(self) -> str:
        return "python" if self.path.suffix == ".py" else "sql"

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def qualified(self) -> str:
        return f"{self.layer}.{self.name}"

    @cached_property
    def module(self) -> ModuleType:
        """A Python model's module (`warehouse.models.<layer>.<name>`)."""
        return importlib.import_module(f"warehouse.models.{self.layer}.{self.name}")

    @property
    def reads(self) -> set[str]:
        """The tables this model reads, as `<layer>.<name>`."""
        if self.kind == "python":
            return set(self.module.READS)
        return set(REFERENCE.findall(self.sql))

    @property
    def grain(self) -> str:
        """The header comment of a SQL model, or a Python model's docstring, as one line
        (it starts with "Grain:")."""
        if self.kind == "python":
            header = [line.strip() for line in (self.module.__doc__ or "").splitlines()]
        else:
            header = []
            for line in self.sql.splitlines():
                if not line.startswith("--"):
                    break
                header.append(line.removeprefix("--").strip())
        return " ".join(h for h in header if h).removeprefix("Grain:").strip()


class ModelError(RRCError):
    """A model failed."""


def discover() -> list[Model]:
    """All models in run order."""
    models = {
        f"{layer}.{p.stem}": Model(layer, p.stem, p)
        for layer in LAYERS
        for pattern in ("*.sql", "*.py")
        for p in sorted((MODELS_DIR / layer).glob(pattern))
        if p.stem != "__init__"
    }
    graph = {name: {r for r in m.reads if r in models and r != name} for name, m in models.items()}
    order = list(TopologicalSorter(graph).static_order())
    return sorted((models[n] for n in order), key=lambda m: LAYERS.index(m.layer))  # stable


def materialise(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """The model's table, built whole from its inputs."""
    if model.kind == "sql":
        con.execute(f"CREATE OR REPLACE TABLE {model.qualified} AS {model.sql}")
        return
    frame = model.module.build(con)
    con.register("_model_rows", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {model.qualified} AS SELECT * FROM _model_rows")
    finally:
        con.unregister("_model_rows")


def run(con: duckdb.DuckDBPyConnection, models: list[Model] | None = None) -> dict[str, float]:
    """Materialise every model; return seconds per model."""
    timings = {}
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for model in models or discover():
        started = time.perf_counter()
        try:
            materialise(con, model)
        except duckdb.Error as exc:
            raise model_error(con, model, exc) from exc
        timings[model.qualified] = time.perf_counter() - started
    return timings


def model_error(con: duckdb.DuckDBPyConnection, model: Model, exc: duckdb.Error) -> ModelError:
    """What to say when a model failed: which, why, and what to do."""
    hint = "run `rrc etl run --full` after fixing the model"
    if isinstance(exc, duckdb.OutOfMemoryException):
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
        hint = (
            f"the build's DuckDB memory limit ({limit}) was reached: raise it with "
            "RRC_ETL_MEMORY_LIMIT (or memory_limit in config/sources.toml), or rewrite the "
            "model so that DuckDB can spill it to disk"
        )
    return ModelError(f"model {model.qualified} ({model.path}) failed: {exc}", hint=hint)
