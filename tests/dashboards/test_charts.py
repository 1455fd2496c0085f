"""Masked, empty and not applicable values are written on the charts, never left as bare axes
or missing bars; the map draws around masked flows and rates instead of failing."""

from __future__ import annotations

import polars as pl

from access.policy import Principal, acting_as
from dashboards import charts, maps
from dashboards.registry import page_module
from tests.dashboards.figures import validated


def _texts(fig: charts.Figure) -> list[str]:
    return [a["text"] for a in fig["layout"].get("annotations", [])]


def test_a_chart_without_rows_says_so_and_hides_its_axes(app) -> None:  # type: ignore[no-untyped-def]
    figs = validated(page_module("/activite").figures("?annee=2030"))
    for name, fig in figs.items():
        if name == "calendrier":
            continue
        assert charts.EMPTY in [a.text for a in fig.layout.annotations], name
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_masked_values_are_written_where_their_bars_would_be() -> None:
    fig = charts.series_figure(
        "Dossiers par 3C",
        ["3C A", "3C B", "3C C"],
        [("Dossiers", [120, None, None], "dossiers", ",.0f")],
        style="horizontal",
        category_title="3C",
        value_title="dossiers",
    )
    charts.gaps(fig, ["3C A", "3C B", "3C C"], [None, charts.MASKED, "< 11"])
    marks = fig["layout"]["annotations"]
    assert [(m["y"], m["text"]) for m in marks] == [("3C B", charts.MASKED), ("3C C", "< 11")]
    validated({"f": fig})


def test_a_chart_whose_every_value_is_masked_keeps_a_scale_under_its_notes() -> None:
    fig = charts.series_figure(
        "t", ["janv.", "févr."], [("n", [None, None], "u", ",.0f")], style="bars",
        category_title="Mois", value_title="u",
    )  # fmt: skip
    charts.gaps(fig, ["janv.", "févr."], [charts.MASKED, charts.MASKED])
    assert fig["layout"]["yaxis"]["range"] == [0, 1]
    assert _texts(fig) == [charts.MASKED, charts.MASKED]


def test_the_ars_sees_masked_cells_named_on_the_charts(app) -> None:  # type: ignore[no-untyped-def]
    """Per 3C, some quorum rates rest on counts under the threshold for the ARS: each is
    written on the chart where its bar would be; an administrator sees them all."""
    with acting_as(Principal.of("t-ars", "ars")):
        fig = page_module("/quorum").figures("?annee=2013")["par-3c"]
    with acting_as(Principal.of("t-admin", "admin")):
        full = page_module("/quorum").figures("?annee=2013")["par-3c"]
    assert all(v is not None for v in full["data"][0]["x"])
    masked = [t for t in _texts(fig) if "secret" in t or t.startswith("<")]
    values = fig["data"][0]["x"]
    assert len(masked) == sum(v is None for v in values) > 0


def test_masked_flows_are_left_out_and_counted() -> None:
    frame = pl.DataFrame(
        {
            "residence_territory": ["T1", "T2", "T3"],
            "territory_name": ["Clermont", "Vichy", "Aurillac"],
            "finess": ["1", "2", "3"],
            "name": ["CHU", "CH Vichy", "CH Aurillac"],
            "patients": [120, None, 14],
            "from_lat": [45.7, 46.1, 44.9],
            "from_lon": [3.1, 3.4, 2.4],
            "to_lat": [45.8, 46.1, 44.9],
            "to_lon": [3.1, 3.4, 2.4],
        }
    )
    fig = maps.base("carte")
    assert maps.flows(fig, frame) == 1
    assert [t["text"] for t in fig["data"]] == [
        "Clermont → CHU : 120 patients",
        "Aurillac → CH Aurillac : 14 patients",
    ]


def test_a_masked_rate_is_grey_and_the_fills_follow_the_colour_bar() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    features = [{"properties": {"code": c}, "geometry": square} for c in ("03", "15", "63")]
    fig = maps.base("carte")
    maps.choropleth(
        fig, features, {"03": 100.0, "15": None, "63": 300.0}, lambda f: f["properties"]["code"],
        "pour 100 000", names={"15": "Cantal"},
    )  # fmt: skip
    fills = {t["meta"]: t for t in fig["data"] if t.get("fill") == "toself"}
    assert fills["15"]["fillcolor"] == maps.MASKED_FILL and "Cantal" in fills["15"]["text"]
    bar = fig["data"][-1]["marker"]
    assert (bar["cmin"], bar["cmax"]) == (100.0, 300.0)
    from plotly.colors import sample_colorscale

    ends = sample_colorscale(maps.COLORSCALE, [0.0, 1.0])
    assert [fills["03"]["fillcolor"], fills["63"]["fillcolor"]] == ends


def test_a_masked_value_says_what_it_is_and_why() -> None:
    import polars as pl

    from dashboards import indicators
    from warehouse.read.reader import Indicators

    frame = pl.DataFrame(
        {
            "organ": ["sein", "orl", "sarcome"],
            "pct_quorum_met": [97.0, None, None],
            "pct_quorum_met__masked": [False, True, True],
            "pct_quorum_met__reason": [None, "rate", "rate"],
            "dossiers": [400, None, 30],
            "dossiers__masked": [False, True, False],
            "dossiers__reason": [None, "small", None],
        }
    )
    data = Indicators(frame, ())
    assert indicators.gap_notes(data, ["dossiers"]) == [None, "< 11 · " + charts.MASKED, None]
    notes = indicators.gap_notes(data, ["pct_quorum_met"])
    assert notes[1:] == ["– · " + charts.MASKED] * 2
    hovers = indicators.gap_reasons(data, ["pct_quorum_met"])
    assert hovers[0] is None and "taux non publié" in (hovers[1] or "")
    fig = charts.gaps(
        {"data": [{"x": ["sein"], "y": [97.0]}], "layout": {}},
        ["sein", "orl", "sarcome"],
        notes,
        hovers,
    )
    assert all("taux non publié" in m["hovertext"] for m in fig["layout"]["annotations"])
