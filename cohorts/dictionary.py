"""The data dictionary of an extract, generated from the model docs: the warehouse's column
glossary and core-layer dictionary (warehouse/dictionary/), and the extract's own columns
(cohorts/columns.yml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from warehouse import dictionary as warehouse_dictionary

OWN = Path(__file__).parent / "columns.yml"


@cache
def _own() -> dict[str, dict[str, str]]:
    return yaml.safe_load(OWN.read_text(encoding="utf-8"))


@cache
def _fiche_columns() -> frozenset[str]:
    return frozenset(warehouse_dictionary.load("core")["fact_fiche"]["columns"])


def describe(column: str) -> tuple[str, str]:
    """(description, where it comes from) of an extract column."""
    own = _own()["columns"]
    if column in own:
        return own[column], "extract"
    text = warehouse_dictionary.glossary().get(column)
    if not text:
        raise KeyError(
            f"extract column {column!r} is described neither in {OWN} nor in "
            "warehouse/dictionary/columns.yml"
        )
    return text, "core.fact_fiche" if column in _fiche_columns() else "warehouse glossary"


def build(tables: list[tuple[str, pl.DataFrame]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, frame in tables:
        columns = {}
        for column, dtype in frame.schema.items():
            text, origin = describe(column)
            columns[column] = {"type": str(dtype), "description": text, "from": origin}
        out[name] = {
            "grain": _own()["tables"][name],
            "files": [f"{name}.parquet", f"{name}.csv"],
            "columns": columns,
        }
    return out


def render(tables: list[tuple[str, pl.DataFrame]]) -> str:
    header = "# Data dictionary of this cohort extract (generated from the warehouse model docs)\n"
    return header + yaml.safe_dump(build(tables), allow_unicode=True, sort_keys=False, width=100)
