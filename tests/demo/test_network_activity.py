"""The demo's network activity: its calibration year holds the seed's figures (the 2013 activity
report of Oncauvergne), the other years are drawn around them, and the rows spoilt on purpose are
outside the calibration year and listed in the manifest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from demo import network
from demo.reference import load_region
from demo.stores import network as store

SEED_MEETINGS = {
    "Groupe 3C": ["2013-03-21", "2013-05-30", "2013-09-26", "2013-12-05"],
    "Groupe pharmaciens": ["2013-01-22", "2013-02-22", "2013-04-12", "2013-09-05", "2013-11-22"],
    "Groupe psys": ["2013-05-14", "2013-10-15"],
}
PEOPLE = ["nurses", "technicians", "physicians", "others"]


@pytest.fixture(scope="module")
def activity() -> network.Activity:
    return network.build(2011, 2014, 2013, 2013, load_region())


def of(frame: pl.DataFrame, column: str, year: int) -> pl.DataFrame:
    return frame.filter(pl.col(column).dt.year() == year)


def test_the_calibration_year_holds_the_seeds_meetings_visits_and_trainings(
    activity: network.Activity,
) -> None:
    meetings = of(activity.meetings, "date", 2013)
    for group, days in SEED_MEETINGS.items():
        got = meetings.filter(pl.col("group") == group)["date"].to_list()
        assert got == [date.fromisoformat(d) for d in days], group
    visits = of(activity.visits, "date", 2013)
    assert visits["c3_id"].to_list() == ["C3-10", "C3-07"]  # Le Puy-en-Velay, Montluçon
    assert visits["date"][1] == date(2013, 10, 21)
    trainings = of(activity.trainings, "start", 2013).with_columns(people=pl.sum_horizontal(PEOPLE))
    summary = {
        r["training"]: (r["days"], r["people"])
        for r in trainings.group_by("training")
        .agg(pl.col("days").sum(), pl.col("people").sum())
        .to_dicts()
    }
    assert summary == {
        "Dispositif d'annonce": (8.0, 30),
        "Temps d'accompagnement soignant": (3.0, 26),
    }
    # the accompaniment course has no physicians, as in the seed's table
    accompaniment = trainings.filter(pl.col("training") == "Temps d'accompagnement soignant")
    assert accompaniment["physicians"].sum() == 0
    assert accompaniment["people"].to_list() == [10, 6, 10]


def test_the_calibration_year_holds_the_seeds_documents(activity: network.Activity) -> None:
    written = of(activity.documents, "written", 2013)
    sheets = written.filter(pl.col("type") == network.PATIENT_SHEET)
    assert sheets.height == 9
    shipped = of(activity.distribution, "date", 2013).join(
        activity.documents.select(document="key", type="type", written="written"), on="document"
    )
    copies = dict(shipped.group_by("type").agg(pl.col("copies").sum()).iter_rows())
    assert copies == {network.PATIENT_SHEET: 14665, network.LEAFLET: 100}
    assert (shipped["date"] > shipped["written"]).all()  # never sent before it was written
    assert of(activity.conventions, "signed", 2013).height == 0


def test_other_years_are_drawn_around_the_seed_and_the_service_log_covers_them(
    activity: network.Activity,
) -> None:
    for year in (2011, 2012, 2014):
        meetings = of(activity.meetings, "date", year)
        three_c = meetings.filter(pl.col("group") == "Groupe 3C").height
        assert 3 <= three_c <= 5, year
        assert of(activity.trainings, "start", year).height >= 4
        assert of(activity.website, "month", year).height == 12
        assert of(activity.incidents, "start", year).height > 0
        assert of(activity.maintenance, "planned_start", year).height == 6
    assert (activity.incidents["end"] > activity.incidents["start"]).all()
    later = activity.website.group_by(pl.col("month").dt.year()).agg(pl.col("visits").sum())
    assert later.sort("month")["visits"].is_sorted()  # the website's audience grows


def test_the_benchmarks_decade_is_drawn_too() -> None:
    """The benchmark profiles generate 2016-2025: every year is drawn, satisfaction included
    (its improvement once drove a probability below zero from 2018 on)."""
    later = network.build(2016, 2025, 2013, 2013, load_region())
    years = later.satisfaction.group_by(pl.col("answered").dt.year()).agg(pl.len())
    assert sorted(years["answered"]) == list(range(2016, 2026))
    assert later.satisfaction["score"].is_between(1, 4).all()


@pytest.mark.parametrize("clean", [False, True])
def test_rows_are_spoilt_outside_the_calibration_year_only_and_listed(
    activity: network.Activity, tmp_path: Path, clean: bool
) -> None:
    written, spoilt = store.write(activity, tmp_path, range(2011, 2015), 2013, clean)
    assert {p.name for p in written} >= {
        "activite_reseau_2011.xlsx",
        "activite_reseau_2014.xlsx",
        "incidents.csv",
        "satisfaction.csv",
    }
    if clean:
        assert spoilt == []
        return
    assert [(s["table"], s["value"]) for s in spoilt] == [
        ("Réunions", "30/02/2011"),
        ("Formations", "douze"),
        ("incidents.csv", "Bloquante"),
    ]
    assert all("2013" not in s["key"] and "2013" not in s["file"] for s in spoilt)
    log = pl.read_csv(tmp_path / "dcc_service" / "incidents.csv", infer_schema_length=0)
    assert log.filter(pl.col("numero") == spoilt[2]["key"])["gravite"].to_list() == ["Bloquante"]
