"""The grain and links of the core tables and marts, declared beside the models
(`warehouse/models/<layer>/schema.yml`) and checked after every build by the quality checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from rrc.errors import ConfigError
from warehouse.dag import MODELS_DIR

LAYERS = ("core", "marts")
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
REFERENCE = re.compile(r"^(staging|core|marts)\.([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$")


@dataclass(frozen=True)
class Declared:
    """One declared test: `grain_unique` (columns), `not_null` (one column) or `relationship`
    (one column and the `layer.table.column` it refers to)."""

    check: str
    table: str  # layer.table
    columns: tuple[str, ...]
    reference: str | None = None
    severity: str = "block"

    @property
    def field(self) -> str:
        return ", ".join(self.columns)


def schema_path(layer: str) -> Path:
    return MODELS_DIR / layer / "schema.yml"


def declared(layers: tuple[str, ...] = LAYERS) -> list[Declared]:
    """The declared tests of `layers`, read again only when a schema file changed (the quality
    page asks three times per request: parsing the YAML was two thirds of its callback)."""
    stamps = tuple(schema_path(layer).stat().st_mtime_ns for layer in layers)
    return list(_declared(layers, stamps))


@lru_cache(maxsize=8)
def _declared(layers: tuple[str, ...], _stamps: tuple[int, ...]) -> tuple[Declared, ...]:
    out: list[Declared] = []
    for layer in layers:
        path = schema_path(layer)
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for table, tests in spec.items():
            where = f"{path}: {table}"
            unknown = set(tests) - {"unique", "not_null", "relationships", "warn"}
            if unknown:
                raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
            columns = [*tests.get("unique", []), *tests.get("not_null", [])]
            columns += list(tests.get("relationships") or {})
            bad = [c for c in [table, *columns] if not IDENT.match(str(c))]
            if bad:
                raise ConfigError(f"{where}: {bad[0]!r} is not a table or column name")
            name = f"{layer}.{table}"
            if not tests.get("unique"):
                raise ConfigError(f"{where}: no `unique` (the table's grain)")
            out.append(Declared("grain_unique", name, tuple(tests["unique"])))
            out += [Declared("not_null", name, (c,)) for c in tests.get("not_null", [])]
            warn = set(tests.get("warn", []))
            for column, ref in (tests.get("relationships") or {}).items():
                if not REFERENCE.match(str(ref)):
                    raise ConfigError(
                        f"{where}: {column} refers to {ref!r}, not layer.table.column"
                    )
                severity = "warn" if column in warn else "block"
                out.append(Declared("relationship", name, (column,), str(ref), severity))
    return tuple(out)
