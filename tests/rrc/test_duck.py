"""The catalog probe the incremental build asks hundreds of times a run."""

from __future__ import annotations

import duckdb

from rrc.duck import has_table


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
