"""The raw layer's whole reads compared with what raw holds: only the keys whose rows differ are
written again and named as changed, so that the mapping re-reads those keys alone."""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipelines import raw

FIRST, SECOND = datetime(2026, 1, 1), datetime(2026, 1, 2)


def _store(con: duckdb.DuckDBPyConnection, rows: str) -> str:
    con.execute(f"CREATE OR REPLACE TABLE store AS SELECT * FROM (VALUES {rows}) v(id_fiche, code)")
    return "SELECT * FROM store"


def _raw(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        'SELECT id_fiche, code, _load_id, _extracted_at FROM raw."dcc__fiche_proposition" '
        "ORDER BY ALL"
    ).fetchall()


def _changed(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT key FROM {raw.CHANGED} ORDER BY 1").fetchall()]


def test_a_whole_read_rewrites_only_the_keys_whose_rows_differ() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    key = ["id_fiche", "code"]
    first = _store(con, "(1, 'CHIR'), (2, 'RT'), (3, 'CT'), (4, 'HT')")
    assert raw.replace_changed(con, "dcc", "fiche_proposition", first, key, "L1", FIRST) == (
        4,
        False,  # no raw table yet: replaced
    )
    # 2 changed its treatment (a new key, one gone), 3 gone, 5 new, 4 now held twice
    second = _store(con, "(1, 'CHIR'), (2, 'CT'), (4, 'HT'), (4, 'HT'), (5, 'RT')")
    assert raw.replace_changed(con, "dcc", "fiche_proposition", second, key, "L2", SECOND) == (
        5,
        True,
    )
    assert _raw(con) == [
        (1, "CHIR", "L1", SECOND),  # unchanged: its load kept, read again
        (2, "CT", "L2", SECOND),
        (4, "HT", "L2", SECOND),
        (4, "HT", "L2", SECOND),
        (5, "RT", "L2", SECOND),
    ]
    assert _changed(con) == [
        "id_fiche=2, code=CT",
        "id_fiche=2, code=RT",
        "id_fiche=3, code=CT",
        "id_fiche=4, code=HT",
        "id_fiche=5, code=RT",
    ]


def test_a_read_whose_columns_differ_from_raw_replaces_it_whole() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    key = ["id_fiche"]
    raw.replace_changed(
        con, "dcc", "fiche_proposition", _store(con, "(1, 'CHIR')"), key, "L1", FIRST
    )
    con.execute("CREATE OR REPLACE TABLE store AS SELECT 1 AS id_fiche, 2 AS code")  # a new type
    assert raw.replace_changed(
        con, "dcc", "fiche_proposition", "SELECT * FROM store", key, "L2", SECOND
    ) == (1, False)
    assert _raw(con) == [(1, 2, "L2", SECOND)]
