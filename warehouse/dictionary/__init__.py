"""The data dictionary researchers receive: one YAML file per layer, generated from the models'
grain headers and the column glossary (`columns.yml`), checked against the built warehouse; and
the indicators of the catalogue (`indicators()`, and `docs/indicators.md` for readers),
generated from config/indicators.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from warehouse.dag import LAYERS, discover
from warehouse.read import catalogue
from warehouse.read.catalogue import Catalogue

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


def indicators(cat: Catalogue | None = None) -> dict[str, dict[str, Any]]:
    """The indicators of the catalogue as the data dictionary gives them: label, definition,
    unit, how it is computed, the filters it follows, its secrecy rule, what stands behind it."""
    cat = cat or catalogue.load()
    out: dict[str, dict[str, Any]] = {}
    for ind in cat.indicators.values():
        marts = [cat.marts[m] for m in ind.marts]
        computed = {
            "count": f"sum of {ind.column}" if ind.aggregate == "sum" else "rows",
            "rate": f"{ind.numerator} / {ind.denominator} x {ind.scale:g}",
            "statistic": f"{ind.column}, resting on {ind.count}",
        }[ind.kind]
        out[ind.id] = {
            "label": ind.label,
            "definition": ind.definition,
            "unit": ind.unit,
            "format": ind.format,
            "kind": ind.kind,
            "computed": computed,
            "marts": [f"marts.{m.name}" for m in marts],
            "filters": list(ind.honours(marts[0])),
            "not_followed": ind.unfiltered,
            "secrecy": ind.secrecy,
            "entities": sorted({e for m in marts for e in m.entities}),
            "checked_tables": sorted({t for m in marts for t in m.tables}),
        }
    return out


def indicators_markdown(cat: Catalogue | None = None) -> str:
    """docs/indicators.md: the catalogue for a reader (generated: scripts/write_dictionary.py)."""
    cat = cat or catalogue.load()
    rows = indicators(cat)
    lines = [
        "# Indicators",
        "",
        "Generated from `config/indicators.toml` by `python scripts/write_dictionary.py`; a test "
        "fails when this page and the catalogue differ. Each figure of the boards, exports and "
        "reports is one of these, with the same label, definition, unit and secrecy rule "
        "everywhere.",
        "",
        "| id | label (French) | unit | computed | marts | filters followed | secrecy |",
        "|---|---|---|---|---|---|---|",
    ]
    for id_, r in rows.items():
        lines.append(
            f"| `{id_}` | {r['label']} | {r['unit']} | {r['computed']} | "
            f"{', '.join(f'`{m}`' for m in r['marts'])} | {', '.join(r['filters']) or '—'} | "
            f"{r['secrecy']} |"
        )
    lines += ["", "## Definitions", ""]
    for id_, r in rows.items():
        lines.append(f"- **{r['label']}** (`{id_}`): {r['definition']}")
        if r["not_followed"]:
            lines.append(f"  {r['not_followed']}")
    return "\n".join(lines) + "\n"


def write_indicators(cat: Catalogue | None = None) -> list[Path]:
    """Write docs/indicators.md from the catalogue."""
    docs = HERE.parents[1] / "docs" / "indicators.md"
    docs.write_text(indicators_markdown(cat), encoding="utf-8")
    return [docs]
