"""Schema drift in a SQL store, read straight from a copy of the demo's SQLite DCC: a dropped
table, a renamed column stop the source with an error naming source, table (and column), and
leave its raw tables as they were. A value that no longer fits its column's type quarantines its
row, named by key (the contract's `bad_value`), or stops the source naming the row."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from pipelines.config import Source, load_mapping
from pipelines.extract import sql as sql_extract
from pipelines.raw import TableLoad
from rrc.errors import SourceError
from rrc.settings import PROJECT_ROOT


def _extract(store: Path, con: duckdb.DuckDBPyConnection, **contract: str) -> list[TableLoad]:
    mapping = load_mapping(PROJECT_ROOT / "config" / "mappings" / "dcc.toml")
    mapping = dataclasses.replace(
        mapping, contract=dataclasses.replace(mapping.contract, **contract)
    )
    source = Source("dcc", "sql", mapping, url=f"sqlite:///{store}")
    return sql_extract.extract(con, source, load_id="drift", full=True, lag_hours=48)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("DROP TABLE pps", r"source `dcc`, table `pps`: table missing from the store"),
        (
            "ALTER TABLE rcp_seance RENAME COLUMN date_seance TO date_reunion",
            r"source `dcc`, table `rcp_seance`, column `date_seance`: column missing or renamed"
            r"(.|\n)*date_reunion",
        ),
    ],
    ids=["dropped table", "renamed column"],
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


def test_a_value_of_another_type_quarantines_its_row_or_refuses_naming_it(
    small_demo: Path, tmp_path: Path
) -> None:
    store = tmp_path / "dcc.sqlite"
    shutil.copy(small_demo / "dcc.sqlite", store)
    with sqlite3.connect(store) as db:
        (first,) = db.execute("SELECT min(id_seance) FROM rcp_seance").fetchone()
        db.execute("UPDATE rcp_seance SET date_seance = 'hier 14h' WHERE id_seance = ?", [first])
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    with pytest.raises(SourceError) as err:
        _extract(store, con, bad_value="refuse")
    assert (
        f"source `dcc`, table `rcp_seance`: row id_seance={first}: date_seance: cannot read "
        "hier 14h as timestamp"
    ) in str(err.value)
    loads = {x.table: x for x in _extract(store, con)}
    [finding] = loads["rcp_seance"].findings
    assert (finding.kind, finding.count, finding.action) == ("bad_value", 1, "quarantined")
    rejected = con.execute(
        'SELECT id_seance, date_seance, _reject FROM raw."dcc__rcp_seance" '
        "WHERE _reject IS NOT NULL"
    ).fetchall()
    assert rejected == [(first, None, "date_seance: cannot read hier 14h as timestamp")]
    # the other rows keep their types
    assert con.execute(
        'SELECT typeof(date_seance) FROM raw."dcc__rcp_seance" LIMIT 1'
    ).fetchone() == ("TIMESTAMP",)
