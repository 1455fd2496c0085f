"""Named queries of the read side on literal rows (in-memory DuckDB)."""

from __future__ import annotations

import duckdb

from tests.warehouse.test_cases import MODELS, _load
from warehouse.read.reader import query_text

TRIALS = [  # a registry read at the end of 2014: its status is that day's
    {
        "trial_id": "NCT-A",
        "title": "A",
        "status": "ouvert",
        "open_date": "2012-01-10",
        "close_date": "2015-06-30",
        "organ": "sein",
    },
    {
        "trial_id": "NCT-B",
        "title": "B",
        "status": "clos",
        "open_date": "2011-05-01",
        "close_date": "2013-06-01",
        "organ": "sein",
    },
    {
        "trial_id": "NCT-C",
        "title": "C",
        "status": "clos",
        "open_date": "2010-01-01",
        "close_date": "2012-12-31",
        "organ": "poumon",
    },
    {
        "trial_id": "NCT-D",
        "title": "D",
        "status": "suspendu",
        "open_date": "2013-11-02",
        "close_date": None,
        "organ": None,
    },
]


def test_the_trial_list_gives_the_registry_status_and_agrees_with_the_open_trials_tile() -> None:
    con = duckdb.connect()
    _load(con, "core.dim_trial", TRIALS)
    _load(con, "marts.mart_trial_activity", [])
    _load(con, "core.fact_fiche", [{"fiche_id": "f", "year": 2013}])
    con.execute("CREATE TABLE core.dim_organ (organ VARCHAR, label VARCHAR)")
    con.execute("INSERT INTO core.dim_organ VALUES ('sein', 'Sein')")
    sql, _ = query_text("trials_list")
    rows = con.execute(sql, {"year": 2013, "organ": None, "c3": None}).fetchall()
    status = {r[0]: r[2] for r in rows}
    # the registry's own status, not "clos" for any trial whose closing date is past today
    assert status == {"NCT-A": "ouvert", "NCT-B": "clos", "NCT-D": "suspendu"}
    con.execute(f"CREATE TABLE marts.mart_trial_years AS {MODELS['marts.mart_trial_years'].sql}")
    (open_2013,) = con.execute(
        "SELECT trials_open FROM marts.mart_trial_years WHERE year = 2013"
    ).fetchone()
    assert open_2013 == len(rows) == 3  # the "Essais ouverts" tile counts the list's trials
