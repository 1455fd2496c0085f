"""The catalogue's indicators read on literal marts (in-memory DuckDB): one filter rule with one
meaning of "all", the rows of unrecorded values kept, rates that say what they count, statistics
masked with the count they rest on, and a catalogue that refuses what would mislead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from rrc.errors import ConfigError
from rrc.settings import PROJECT_ROOT, load_toml
from tests.warehouse.test_cases import _load
from warehouse.read import catalogue, indicators, secrecy
from warehouse.read.reader import Indicators

CAT = catalogue.load()
NONE = {"year": 2013, "c3": None, "organ": None, "finess": None, "department": None}


def _con(tables: dict[str, list[dict[str, Any]]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table, rows in tables.items():
        _load(con, table, rows)
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute("CREATE TABLE core.dim_organ (organ VARCHAR, label VARCHAR)")
    con.execute("INSERT INTO core.dim_organ VALUES ('sein', 'Sein'), ('poumon', 'Poumon')")
    return con


def _read(con: duckdb.DuckDBPyConnection, ids: list[str], by: list[str], **f: Any) -> Any:
    parts = []
    for q in indicators.plan(CAT, tuple(ids), tuple(by), {**NONE, **f}):
        parts.append((con.execute(q.sql, q.params).pl(), q.notes))
    return Indicators.join(parts, tuple(by)).frame


ACTIVITY = [
    {"month": "2013-01-01", "c3_id": "C3-01", "organ": "sein", "dossiers": 10, "video": 2},
    {"month": "2013-02-01", "c3_id": "C3-02", "organ": "sein", "dossiers": 5, "video": 0},
    {"month": "2013-02-01", "c3_id": "C3-02", "organ": None, "dossiers": 1, "video": 1},
]
PATIENTS = [  # one row per combination, '*' for any value
    {
        "year": 2013,
        "c3_id": c,
        "organ": o,
        "finess": "*",
        "residence_department": "*",
        "patients": n,
        "dossiers": n,
    }
    for c, o, n in (
        ("*", "*", 14),
        ("C3-01", "*", 9),
        ("C3-02", "*", 5),
        ("*", "sein", 13),
        ("C3-01", "sein", 9),
        ("C3-02", "sein", 4),
        ("*", None, 1),
        ("C3-02", None, 1),
    )
]


def test_an_empty_filter_means_every_value_on_both_kinds_of_mart() -> None:
    con = _con(
        {"marts.mart_rcp_activity_monthly": ACTIVITY, "marts.mart_patients_yearly": PATIENTS}
    )
    assert _read(con, ["dossiers"], [])["dossiers"].to_list() == [16]  # every row adds up
    assert _read(con, ["patients"], [])["patients"].to_list() == [14]  # the '*' row
    assert _read(con, ["dossiers"], [], c3="C3-02")["dossiers"].to_list() == [6]
    assert _read(con, ["patients"], [], c3="C3-02")["patients"].to_list() == [5]
    by_organ = _read(con, ["patients"], ["organ"], c3="C3-02").sort("organ", nulls_last=True)
    assert by_organ["organ_label"].to_list() == ["Sein", "Organe non renseigné"]
    assert by_organ["patients"].to_list() == [4, 1]  # never the '*' row of an organ


def test_the_organ_not_recorded_keeps_its_row_among_trials_proposed() -> None:
    rows = [
        {"year": 2013, "c3_id": "*", "organ": o, "proposed": p, "included": i, "new_patients": n}
        for o, p, i, n in (("*", 30, 12, 400), ("sein", 25, 10, 300), (None, 5, 2, 100))
    ]
    con = _con({"marts.mart_trial_patients_yearly": rows})
    frame = _read(con, ["trial_proposed", "trial_included", "trial_new_patients"], ["organ"])
    shown = dict(zip(frame["organ_label"], frame["trial_proposed"], strict=True))
    assert shown == {"Sein": 25, "Organe non renseigné": 5}  # dropped before (organ <> '*')


def test_quorum_met_counts_the_unknown_in_its_denominator_and_says_so() -> None:
    rows = [
        {
            "month": "2013-03-01",
            "c3_id": "C3-01",
            "organ": "sein",
            "dossiers": 10,
            "quorum_met": 8,
            "quorum_not_met": 1,
            "quorum_unknown": 1,
        }
    ]
    con = _con({"marts.mart_quorum_monthly": rows})
    frame = _read(con, ["pct_quorum_met", "pct_quorum_unknown"], [])
    assert frame["pct_quorum_met"].to_list() == [80.0]
    assert frame["pct_quorum_unknown"].to_list() == [10.0]
    met = CAT.indicator("pct_quorum_met")
    assert "non évaluable" in met.definition and met.beside == "pct_quorum_unknown"
    assert "pct_quorum_met" in CAT.overview


def test_parts_come_with_their_total_and_cells_are_named_by_what_they_count() -> None:
    (q,) = indicators.plan(CAT, ("registered", "discussed"), ("month",), NONE)
    assert "dossiers" in q.values
    assert q.rules.coordinates == ("month",)
    assert q.rules.measure("dossiers") == "dossiers"
    (rate,) = indicators.plan(CAT, ("pct_quorum_met",), ("organ",), NONE)
    # a rate's denominator is the same count as the dossiers: it reads the same
    assert rate.rules.measure("pct_quorum_met__den") == "dossiers"
    assert rate.coordinates({"year": 2013, "c3": None, "organ": "sein"}) == {
        "year": 2013,
        "organ": "sein",
    }


def test_a_median_is_masked_with_the_small_count_it_rests_on() -> None:
    (q,) = indicators.plan(CAT, ("median_days_rcp_to_pps",), ("organ",), NONE)
    import polars as pl

    frame = pl.DataFrame(
        {
            "organ": ["sein", "poumon"],
            "median_days_rcp_to_pps": [12.0, 30.5],
            "median_days_rcp_to_pps__n": [250, 4],
        }
    )
    done = secrecy.protect(frame, q.rules, secrecy.SecrecyConfig(11, 3))
    assert done.frame["median_days_rcp_to_pps"].to_list() == [12.0, None]
    assert done.masked[(1, "median_days_rcp_to_pps")] == secrecy.STATISTIC


def test_the_median_delay_and_first_presentations_are_on_the_overview_and_the_reports() -> None:
    for id_ in ("median_days_rcp_to_pps", "pct_first_presentations"):
        assert id_ in CAT.overview and id_ in CAT.report
    median = CAT.indicator("median_days_rcp_to_pps")
    assert median.kind == "statistic" and median.secrecy == "statistic"
    assert set(median.honours(CAT.marts[median.marts[0]])) == {"c3", "organ"}


def _parse(edit: str, old: str) -> None:
    path = PROJECT_ROOT / "config" / "indicators.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    catalogue.parse(_toml(text.replace(old, edit, 1)), Path("indicators.toml"))


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        # an indicator about people that would not follow the 3C filter: 3C users would see all
        (
            'scope = "public"\nunfiltered = "Les essais',
            'scope = "c3"\nunfiltered = "Les essais',
            "3C filter",
        ),
        # a median over a mart whose rows add up: a sum of medians means nothing
        ('mart = "mart_pps_delay_yearly"', 'mart = "mart_pps_monthly"', "statistic"),
        ('mart = "mart_pps_delay_yearly"', 'mart = "mart_nowhere"', "mart_nowhere"),
        ('unfiltered = "Le délai médian', 'ignored = "Le délai médian', "unfiltered"),
        ('series = ["dossiers"]\nby = "c3"', 'series = ["nothing"]\nby = "c3"', "nothing"),
        # two indicators under one label: their export columns could not be told apart
        (
            'label = "Nouveaux patients (comparés aux essais)"',
            'label = "Nouveaux patients"',
            "same label",
        ),
    ],
)
def test_the_catalogue_refuses_what_would_mislead(old: str, new: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        _parse(new, old)


def test_the_shipped_catalogue_loads_and_its_docs_page_is_current() -> None:
    from warehouse import dictionary

    raw = load_toml("indicators.toml")
    assert catalogue.parse(raw, Path("indicators.toml")).overview == CAT.overview
    docs = (PROJECT_ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert docs == dictionary.indicators_markdown(), "run python scripts/write_dictionary.py"
