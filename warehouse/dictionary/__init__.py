"""The data dictionary researchers receive: one YAML file per layer, generated from the models'
grain headers and the column glossary (`columns.yml`), checked against the built warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from warehouse.dag import LAYERS, discover

HERE = Path(__file__).parent


def glossary() -> dict[str, str]:
    return yaml.safe_load((HERE / "columns.yml").read_text(encoding="utf-8"))


def build(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """{layer: {model: {grain, columns: {name: {type, description}}}}} from a built warehouse."""
    words = glossary()
    out: dict[str, dict[str, Any]] = {layer: {} for layer in LAYERS}
    tables = [(m.layer, m.name, m.grain) for m in discover()]
    for layer, name, grain in tables:
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = ? ORDER BY ordinal_position",
            [layer, name],
        ).fetchall()
        out[layer][name] = {
            "grain": grain,
            "columns": {c: {"type": t, "description": words.get(c, "")} for c, t in cols},
        }
    return out


def write(con: duckdb.DuckDBPyConnection, folder: Path = HERE) -> list[Path]:
    paths = []
    for layer, models in build(con).items():
        path = folder / f"{layer}.yml"
        header = (
            f"# Data dictionary of the {layer} layer (generated: scripts/write_dictionary.py)\n"
        )
        path.write_text(
            header + yaml.safe_dump(models, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def load(layer: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{layer}.yml").read_text(encoding="utf-8"))
