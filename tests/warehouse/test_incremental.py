"""The columns a model recomputed by key reads of its inputs, as DuckDB's plan prunes them.

A model's input of touched rows is selected with these columns only; a column the model needs
and the selection left out would fail the model (a binder error), so the selection must keep
every column a projection, a filter or a star reads. The property test
(tests/reliability/test_incremental.py) holds the models built this way to a full rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from warehouse.incremental import columns_read


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.fact_fiche (fiche_id INT, c3_id VARCHAR, organ VARCHAR, "
        "rcp_date DATE, icd10 VARCHAR, who_ps INT)"
    )
    con.execute('CREATE TABLE core."identity" (identity_id VARCHAR, patient_key VARCHAR)')
    con.execute("CREATE TABLE core.fact_session (session_id INT, c3_id VARCHAR, held BOOLEAN)")
    con.execute("INSERT INTO core.fact_fiche VALUES (1, 'C3-01', 'sein', '2024-03-01', 'C50', 1)")
    yield con
    con.close()


def test_a_model_reads_the_columns_it_selects_groups_and_filters_on(
    con: duckdb.DuckDBPyConnection,
) -> None:
    sql = """
        with f as (select * from core.fact_fiche where organ = 'sein')
        select c3_id, year(rcp_date) as year, count(*) as n from f group by all
    """
    assert columns_read(con, sql, ["core.fact_fiche"]) == {
        "core.fact_fiche": ["c3_id", "organ", "rcp_date"]
    }


def test_a_star_reaching_the_output_reads_every_column(con: duckdb.DuckDBPyConnection) -> None:
    read = columns_read(con, "select * from core.fact_fiche", ["core.fact_fiche"])
    assert read == {
        "core.fact_fiche": ["fiche_id", "c3_id", "organ", "rcp_date", "icd10", "who_ps"]
    }


def test_joined_inputs_quoted_names_and_tables_not_read(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select s.session_id, i.patient_key
        from core.fact_session s join core."identity" i on i.identity_id = s.c3_id
    """
    tables = ["core.fact_session", "core.identity", "core.fact_fiche"]
    assert columns_read(con, sql, tables) == {
        "core.fact_session": ["session_id", "c3_id"],
        "core.identity": ["identity_id", "patient_key"],
    }


def test_the_columns_read_give_the_model_its_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The model over its input cut to the columns read gives what it gives over the table."""
    sql = "select c3_id, count(*) filter (where who_ps >= 1) as n from core.fact_fiche group by 1"
    cols = columns_read(con, sql, ["core.fact_fiche"])["core.fact_fiche"]
    assert cols == ["c3_id", "who_ps"]
    con.execute(f"CREATE TEMP TABLE cut AS SELECT {', '.join(cols)} FROM core.fact_fiche")
    whole = con.execute(sql).fetchall()
    assert con.execute(sql.replace("core.fact_fiche", "cut")).fetchall() == whole == [("C3-01", 1)]
