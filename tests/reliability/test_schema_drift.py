"""Schema drift in a SQL store, read straight from a copy of the demo's SQLite DCC: a dropped
table, a renamed column, a value that no longer fits its column's type. Each stops the source
with an error naming source, table (and column), and leaves its raw tables as they were."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Source, load_mapping
from pipelines.extract import sql as sql_extract
from rrc.errors import SourceError
from rrc.settings import PROJECT_ROOT


def _extract(store: Path, con: duckdb.DuckDBPyConnection) -> None:
    mapping = load_mapping(PROJECT_ROOT / "config" / "mappings" / "dcc.toml")
    source = Source("dcc", "sql", mapping, url=f"sqlite:///{store}")
    sql_extract.extract(con, source, load_id="drift", full=True, lag_hours=48)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("DROP TABLE pps", r"source `dcc`, table `pps`: table missing from the store"),
        (
            "ALTER TABLE rcp_seance RENAME COLUMN date_seance TO date_reunion",
            r"source `dcc`, table `rcp_seance`, column `date_seance`: column missing or renamed"
            r"(.|\n)*date_reunion",
        ),
        (
            "UPDATE rcp_seance SET date_seance = 'hier 14h' "
            "WHERE id_seance = (SELECT min(id_seance) FROM rcp_seance)",
            r"source `dcc`, table `rcp_seance`: a value does not fit the type its column "
            r"declares(.|\n)*hier 14h",
        ),
    ],
    ids=["dropped table", "renamed column", "value of another type"],
)
def test_drift_stops_the_source_naming_where_and_keeps_its_raw_tables(
    small_demo: Path, tmp_path: Path, change: str, expected: str
) -> None:
    store = tmp_path / "dcc.sqlite"
    shutil.copy(small_demo / "dcc.sqlite", store)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    _extract(store, con)
    before = con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'raw' "
        "ORDER BY 1"
    ).fetchall()
    with sqlite3.connect(store) as db:
        db.execute(change)
    with pytest.raises(SourceError, match=expected):
        _extract(store, con)
    after = con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'raw' "
        "ORDER BY 1"
    ).fetchall()
    assert after == before
