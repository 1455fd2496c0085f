"""The incremental filter reaches the store: the cut-off is computed first and bound as a value,
so that the scanner hands `updated_at >= <cut-off>` to PostgreSQL or MariaDB, which send only
the rows after it. With the cut-off as a subquery in the filter (or an `OR updated_at IS NULL`
beside it) DuckDB read the whole table and filtered it on its side: the plans say which."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import raw
from pipelines.config import Source, load_mapping
from pipelines.extract import sql as sql_extract
from rrc.duck import attach
from tests.reliability import corpus


def _source(tmp_path: Path, url: str) -> Source:
    path = tmp_path / "seance.toml"
    path.write_text(corpus.SQL_MAPPING, encoding="utf-8")
    m = load_mapping(path)
    return Source("store", "sql", m, url=url)


def _scan_filters(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> str:
    """The part of the plan under the store's scan: the filters it sends."""
    plan = con.execute(f"EXPLAIN SELECT t.* FROM src.seance t WHERE {where}", params).fetchall()
    text = "\n".join(str(r[1]) for r in plan)
    scan = max(text.find("POSTGRES_SCAN"), text.find("MYSQL_SCAN"))
    assert scan >= 0, text
    return text[scan:]


@pytest.mark.parametrize(
    "store",
    [
        pytest.param("postgres_url", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", marks=pytest.mark.mariadb),
    ],
)
def test_the_watermark_cut_off_is_sent_to_the_store(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(store)
    corpus.sql_store(url)  # row i stamped i days after 2013-01-01: the last is 2013-02-10
    source = _source(tmp_path, url)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    sql_extract.extract(con, source, load_id="full", full=True, lag_hours=48)
    where, params = sql_extract.cutoff_filter(
        con, source.mapping.tables["seance"], raw.raw_name("store", "seance"), "TIMESTAMP", 48
    )
    assert [str(p) for p in params] == ["2013-02-08 00:00:00"]
    attach(con, url, "src")
    assert "Filters:" in _scan_filters(con, where, params)
    # what the filter used to be: read whole, filtered here
    old = (
        "(t.updated_at >= (SELECT max(updated_at) - to_seconds(172800) FROM raw.store__seance) "
        "OR t.updated_at IS NULL)"
    )
    assert "Filters:" not in _scan_filters(con, old, [])
    con.execute("DETACH src")
    [load] = sql_extract.extract(con, source, load_id="inc", full=False, lag_hours=48)
    assert (load.mode, load.extracted) == ("incremental", 3)  # 02-08 to 02-10: the lag window


@pytest.mark.postgres
def test_rows_without_a_watermark_are_read_while_raw_holds_some(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus.sql_store(postgres_url)
    source = _source(tmp_path, postgres_url)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    sql_extract.extract(con, source, load_id="full", full=True, lag_hours=48)
    spec, target = source.mapping.tables["seance"], raw.raw_name("store", "seance")
    where, _ = sql_extract.cutoff_filter(con, spec, target, "TIMESTAMP", 48)
    assert "IS NULL" not in where  # none in raw: the filter goes to the store whole
    con.execute(f"UPDATE {target} SET updated_at = NULL WHERE id = 1")
    where, _ = sql_extract.cutoff_filter(con, spec, target, "TIMESTAMP", 48)
    assert "IS NULL" in where  # read again every run, as the null_watermark finding says
