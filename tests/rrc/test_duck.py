"""The catalog probe the incremental build asks hundreds of times a run."""

from __future__ import annotations

import duckdb

from rrc.duck import differing_rows, has_table


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
