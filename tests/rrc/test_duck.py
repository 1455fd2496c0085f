"""The catalog probe the incremental build asks hundreds of times a run, and the reads of the
stores."""

from __future__ import annotations

import time

import duckdb
import pytest
import sqlalchemy as sa

from rrc.duck import attach, column_types, differing_rows, has_table, one_query


def test_a_table_is_found_in_its_schema_and_attached_database_and_nothing_else_is() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.fact_fiche (fiche_id VARCHAR)")
    con.execute("ATTACH ':memory:' AS changes")
    con.execute('CREATE TABLE changes."stg_fiche" AS SELECT 1 AS a')
    assert has_table(con, "core.fact_fiche")
    assert has_table(con, 'changes."stg_fiche"')
    assert not has_table(con, "core.fact_session")
    assert not has_table(con, 'changes."fact_fiche"')  # same name, another database
    assert not has_table(con, "marts.fact_fiche")  # no such schema


def test_a_missing_table_inside_a_transaction_leaves_it_usable() -> None:
    con = duckdb.connect()
    con.execute("BEGIN")
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    assert not has_table(con, "u")
    con.execute("INSERT INTO t VALUES (2)")
    con.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_column_types_are_those_of_the_catalog_in_order_and_none_for_a_missing_table() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(
        'CREATE TABLE raw."dcc__fiche" (id_fiche INTEGER, "date RCP" DATE, score DECIMAL(5, 2), '
        "updated_at TIMESTAMP, tags VARCHAR[])"
    )
    con.execute("CREATE TEMP TABLE _incoming AS SELECT 1::BIGINT AS n")
    expected = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'dcc__fiche' ORDER BY ordinal_position"
    ).fetchall()
    assert (
        column_types(con, 'raw."dcc__fiche"')
        == expected
        == [
            ("id_fiche", "INTEGER"),
            ("date RCP", "DATE"),
            ("score", "DECIMAL(5,2)"),
            ("updated_at", "TIMESTAMP"),
            ("tags", "VARCHAR[]"),
        ]
    )
    assert column_types(con, "temp._incoming") == [("n", "BIGINT")]
    con.execute("BEGIN")
    assert column_types(con, 'raw."absent"') == []
    assert con.execute("SELECT count(*) FROM raw.dcc__fiche").fetchone() == (0,)  # still usable
    con.execute("COMMIT")


def test_differing_rows_are_those_two_except_alls_give_with_their_multiplicity() -> None:
    """A row twice in one and once in the other differs once; NULLs compare equal; a row in
    both as often is not a difference."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE old AS SELECT * FROM (VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, NULL), "
        "(3, 'c'), (NULL, NULL)) t(i, s)"
    )
    con.execute(
        "CREATE TABLE new AS SELECT * FROM (VALUES (1, 'a'), (2, NULL), (4, 'd'), (4, 'd'), "
        "(NULL, NULL)) t(i, s)"
    )
    got = con.execute(f"{differing_rows('i, s', 'old', 'new')} ORDER BY ALL").fetchall()
    assert got == [(1, "a"), (1, "a"), (3, "c"), (4, "d"), (4, "d")]
    same = con.execute(f"SELECT count(*) FROM ({differing_rows('i, s', 'old', 'old')})")
    assert same.fetchone() == (0,)


def test_differing_rows_of_large_tables_are_found_in_the_buckets_that_changed() -> None:
    """Over more rows than buckets, the rows that differ (changed, added, removed, held twice,
    NULL-ed) are exactly those of the two EXCEPT ALLs, and two equal tables have none."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE old AS SELECT i, 'v' || (i % 97) AS s, i % 5 = 0 AS b FROM range(200000) t(i)"
    )
    con.execute("CREATE TABLE new AS FROM old")
    con.execute("UPDATE new SET s = 'changed' WHERE i IN (7, 150001)")
    con.execute("UPDATE new SET s = NULL WHERE i = 99")
    con.execute("DELETE FROM new WHERE i IN (3, 123456)")
    con.execute("INSERT INTO new VALUES (200001, 'added', true), (42, 'v42', false)")
    con.execute("INSERT INTO new SELECT * FROM old WHERE i = 5")  # held twice
    expected = con.execute(
        "(SELECT * FROM old EXCEPT ALL SELECT * FROM new) "
        "UNION ALL (SELECT * FROM new EXCEPT ALL SELECT * FROM old) ORDER BY ALL"
    ).fetchall()
    got = con.execute(f"{differing_rows('i, s, b', 'old', 'new')} ORDER BY ALL").fetchall()
    assert len(expected) == 11
    assert got == expected
    same = con.execute(f"SELECT count(*) FROM ({differing_rows('i, s, b', 'new', 'new')})")
    assert same.fetchone() == (0,)


DAY = 1040  # rows of the test's table updated on the last day


@pytest.mark.postgres
def test_a_filtered_read_made_as_one_query_reaches_the_stores_index(postgres_url: str) -> None:
    """Split by page ranges, a read cannot use the store's index on the watermark: the store
    scans the whole table for a day's rows. `one_query` sends it whole, PostgreSQL counts an index
    scan, and the split is back for the reads after it, even when the read fails."""
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE fiche (id int PRIMARY KEY, updated_at timestamp)"))
        conn.execute(sa.text("CREATE INDEX fiche_updated_at ON fiche (updated_at)"))
        conn.execute(
            sa.text(
                # the day's rows spread over the whole table, as edits of old fiches are
                "INSERT INTO fiche SELECT i, timestamp '2020-01-01' "
                "+ (i * 7919 % 50000) * interval '1 minute' FROM generate_series(1, 50000) i"
            )
        )
        conn.execute(sa.text("ANALYZE fiche"))

    def read_by_index() -> int:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
            return int(
                conn.execute(
                    sa.text(
                        "SELECT idx_tup_read FROM pg_stat_user_indexes "
                        "WHERE indexrelname = 'fiche_updated_at'"
                    )
                ).scalar_one()
            )

    try:
        _read_a_day_as_one_query(postgres_url)
        for _ in range(50):  # the counters arrive when the session ends
            if read_by_index() >= DAY:
                break
            time.sleep(0.1)
        assert read_by_index() >= DAY  # every row of the day, not only those of the last range
    finally:
        engine.dispose()


def _read_a_day_as_one_query(postgres_url: str) -> None:
    con = duckdb.connect()
    attach(con, postgres_url, "src")
    con.execute("SET pg_pages_per_task = 10")  # as a large table is read: in many page ranges
    split = con.execute("SELECT current_setting('pg_use_ctid_scan')").fetchone()
    day = "SELECT count(*) FROM src.public.fiche WHERE updated_at >= TIMESTAMP '2020-02-04'"
    with one_query(con):
        assert con.execute(day).fetchone() == (DAY,)
        assert con.execute("SELECT current_setting('pg_use_ctid_scan')").fetchone() == (False,)
    assert con.execute("SELECT current_setting('pg_use_ctid_scan')").fetchone() == split
    with pytest.raises(duckdb.Error), one_query(con):
        con.execute("SELECT no_such_column FROM src.public.fiche")
    assert con.execute("SELECT current_setting('pg_use_ctid_scan')").fetchone() == split
    # a value that does not fit aborts the transaction: its error is the one raised (the
    # extraction reads such a table again value by value on it)
    con.execute("BEGIN")
    with pytest.raises(duckdb.ConversionException), one_query(con):
        con.execute("SELECT CAST('x' || id AS INTEGER) FROM src.public.fiche").fetchall()
    con.execute("ROLLBACK")
    con.execute("DETACH src")  # the store's session ends and reports its counters


def test_one_query_is_a_no_op_without_the_postgres_scanner() -> None:
    con = duckdb.connect()
    with one_query(con):
        assert con.execute("SELECT 42").fetchone() == (42,)
