"""Reading CDA documents through the source and the mapping, into an in-memory DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines import mapped
from pipelines.config import Source, load_mapping
from pipelines.extract import cda
from pipelines.raw import TableLoad
from rrc.settings import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT.parent / "shared" / "cda" / "examples"
FRCP = EXAMPLES / "CANCER-FRCP_2022.01_Appareil.xml"
PPS = EXAMPLES / "CANCER-PPS_2022.01_Autopresentable.xml"
MAPPING = PROJECT_ROOT / "config" / "mappings" / "frcp_cda.toml"


def source(path: Path, name: str = "frcp", mapping: Path = MAPPING) -> Source:
    return Source(name=name, kind="cda", mapping=load_mapping(mapping), path=path)


Loaded = tuple[duckdb.DuckDBPyConnection, list[TableLoad], list[mapped.Reconciliation]]


def load(path: Path) -> Loaded:
    """Extract the documents of `path` (a folder or a zip) and map them: (connection, the
    extraction's loads, the mapping's reconciliation)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    src = source(path)
    loads = cda.extract(con, src, load_id="L1")
    return con, loads, mapped.apply(con, [src])


def changed(*pairs: tuple[str, str], text: str | None = None) -> str:
    """The agency's example Fiche RCP (or `text`) with each `old` replaced by its `new`."""
    text = FRCP.read_text(encoding="utf-8") if text is None else text
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def folder(path: Path, **documents: str) -> Path:
    """`path` holding one `<name>.xml` per document."""
    for name, text in documents.items():
        (path / f"{name}.xml").write_text(text, encoding="utf-8")
    return path


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
