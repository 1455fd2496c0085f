"""Pilotage du réseau: the objectives grid, the events and the charts as the page builds them, its
exports, who may read it, and the trend chart following the line clicked in a real browser."""

from __future__ import annotations

import io
from typing import Any

import polars as pl

from access.policy import Principal, acting_as, load_policy
from dashboards.registry import page_module
from tests.dashboards.figures import validated
from tests.dashboards.http import logged_in
from warehouse.read import catalogue, objectives

SEARCH = "?annee=2013"


def test_the_grid_and_the_events_as_the_page_shows_them(app: Any) -> None:
    page = page_module("/pilotage")
    rows = page.grid_rows(SEARCH)
    assert [r["id"] for r in rows] == [i.id for *_, i in objectives.load().entries()]
    by_id = {r["id"]: r for r in rows}
    three_c = by_id["reunions-groupe-3c"]
    assert (three_c["value"], three_c["target"], three_c["status"]) == ("4", "4", "Atteint")
    assert three_c["achieved"].endswith("les 21 mars, 30 mai, 26 septembre et 5 décembre 2013.")
    assert by_id["omedit"]["status"] == "Non atteint"  # 5 of the 6 technical committees
    events = page.event_rows(SEARCH)
    assert {e["kind"] for e in events} == {"Réunion", "Visite de 3C", "Formation"}
    assert next(e["date"] for e in events if e["about"] == "Groupe 3C") == "21 mars 2013"
    figs = validated(page.figures(SEARCH))
    validated({"tendance": page.trend_figure(rows, "quorum")})
    # incidents read from the least to the most severe, as the dimension declares them
    assert list(figs["incidents"].data[0].x) == ["Mineure", "Majeure", "Critique"]


def test_the_network_roles_read_it_and_nobody_else(app: Any) -> None:
    policy = load_policy()
    readers = sorted(n for n, r in policy.roles.items() if r.may_open("/pilotage"))
    assert readers == ["admin", "rrc"]
    page = page_module("/pilotage")
    cat = catalogue.load()
    network = {
        i.id for *_, i in objectives.load().entries()
        if i.indicator and cat.indicator(i.indicator).scope == "network"
    }  # fmt: skip
    with acting_as(Principal.of("test-3c", "c3", "C3-01")):  # held to its 3C by the reader too
        assert page.event_rows(SEARCH) == []
        rows = page.grid_rows(SEARCH)
    assert network and {r["value"] for r in rows if r["id"] in network} == {"—"}


def test_the_grid_and_the_events_export_as_on_screen(server: str) -> None:
    http = logged_in(server, "rrc1")
    raw = http.get(f"/export/pilotage/objectifs.csv{SEARCH}")
    grid = pl.read_csv(io.StringIO(raw.decode("utf-8-sig")), separator=";", infer_schema=False)
    assert grid.columns[:3] == ["Orientation", "Objectif opérationnel", "Indicateur"]
    assert grid.height == len(objectives.load().entries())
    content = http.get(f"/export/pilotage/evenements.xlsx{SEARCH}")
    events = pl.read_excel(io.BytesIO(content))
    assert events.columns == ["Type", "Groupe, 3C ou formation", "Date", "Objet", "Participants"]
    assert events.filter(pl.col("Type") == "Visite de 3C").height == 2


def test_the_trend_follows_the_line_clicked(page: Any, server: str) -> None:
    page.goto(f"{server}/pilotage{SEARCH}")
    title = "#pilotage-tendance .gtitle"  # an SVG text of plotly
    page.wait_for_selector(title)
    assert "Nombre de connexions" in (page.text_content(title) or "")  # the first computed line
    cell = page.locator("#pilotage-objectifs td[data-dash-column='label']", has_text="groupe 3C")
    cell.first.click()
    page.wait_for_function(  # a function: a string expression would be eval'd, which CSP refuses
        "() => document.querySelector('#pilotage-tendance .gtitle').textContent"
        ".includes('groupe 3C')"
    )
    assert page.console_errors == []
