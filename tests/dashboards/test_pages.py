"""Page logic as plain functions, checked against SQL on the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest

from dashboards.registry import page_module  # as Dash loaded them: importing registers twice
from tests.dashboards.figures import validated
from warehouse.publish import Warehouse


def _sql(warehouse: Path, sql: str, *params: object) -> int:
    con: duckdb.DuckDBPyConnection = Warehouse(warehouse).connect()
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def test_every_page_of_the_docs_is_registered_with_its_name(app) -> None:  # type: ignore[no-untyped-def]
    """docs/boards.md lists every board (name and path); Dash registered exactly those."""
    import re

    import dash

    from rrc.settings import PROJECT_ROOT

    docs = (PROJECT_ROOT / "docs" / "boards.md").read_text(encoding="utf-8")
    listed = dict(
        (path, name) for name, path in re.findall(r"^\| ([^|]+?) \(`(/[^`]*)`\) \|", docs, re.M)
    )
    registered = {
        p.get("path_template") or p["path"]: p["name"]
        for p in dash.page_registry.values()
        if p["path"] != "/404"
    }
    assert listed == registered


SEARCHES = ["?annee=2013", "?annee=2012&3c=C3-01&organe=sein", "?annee=2030"]


@pytest.mark.parametrize("search", SEARCHES)
def test_every_figure_of_every_page_is_a_valid_plotly_figure_on_the_boards_template(
    app, search: str
) -> None:  # type: ignore[no-untyped-def]
    from warehouse.read import catalogue

    pages = {name: page_module(f"/{name}").figures(search) for name in catalogue.load().charts}
    pages["qualite"] = page_module("/qualite").figures()  # as Dash registered it: once
    for name, figures in pages.items():
        # plain JSON values (no timestamp, decimal or numpy value), sent as they are: plotly's
        # encoder takes any other value one at a time (half of the quality page's callback)
        json.dumps(figures)
        for graph, fig in validated(figures).items():  # raises on an invalid property
            assert fig.layout.template.layout.plot_bgcolor == "white", (name, graph)
            assert fig.layout.title.text and fig.layout.separators == ", ", (name, graph)


def test_activity_figures_add_up_to_the_dossiers_of_the_year(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    figures = page_module("/activite").figures

    figs = validated(figures("?annee=2013&3c=C3-01"))
    monthly = sum(figs["mensuel"].data[0].y)
    expected = _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND c3_id = ?",
        "C3-01",
    )
    assert monthly == expected
    registered, discussed = (sum(t.y) for t in figs["statut"].data)
    assert registered + discussed == expected
    sessions = sum(v for row in figs["calendrier"].data[0].z for v in row if v)
    assert sessions == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_session WHERE year(session_date) = 2013 AND c3_id = ?",
        "C3-01",
    )


def test_quorum_figures_match_the_quorum_facts(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    figures = page_module("/quorum").figures

    figs = validated(figures("?annee=2013"))
    chart = figs["par-3c"]
    rates = chart.data[0].x  # % of dossiers whose session met the quorum, per 3C, sorted
    assert list(rates) == sorted(rates)
    con: duckdb.DuckDBPyConnection = Warehouse(board_warehouse).connect()
    try:
        expected = dict(
            con.execute(
                "SELECT c.name, 100.0 * count(*) FILTER (WHERE q.status = 'met') / count(*) "
                "FROM core.fact_fiche f JOIN core.fact_quorum_fiche q USING (fiche_id) "
                "JOIN core.dim_c3 c USING (c3_id) WHERE f.year = 2013 GROUP BY c.name"
            ).fetchall()
        )
    finally:
        con.close()
    shown = dict(zip(chart.data[0].y, rates, strict=True))
    assert shown.keys() == expected.keys()
    assert all(abs(shown[k] - expected[k]) < 1e-6 for k in expected)
    target = [s for s in chart.layout.shapes if s.line.dash == "dash"]
    assert [s.x0 for s in target] == [95]  # the target line of the catalogue
    assert "sur" in chart.data[0].hovertemplate  # the counts behind the rate


def test_dossier_figures_add_up_and_incidence_uses_population(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    figures = page_module("/dossiers").figures

    figs = validated(figures("?annee=2013&organe=sein"))
    total = _sql(
        board_warehouse, "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND organ = 'sein'"
    )
    for name in ("organe", "age", "sexe", "departement"):
        assert sum(figs[name].data[0].x) == total, name
    expected = figs["incidence"].data[1].y
    population = _sql(board_warehouse, "SELECT sum(population) FROM core.dim_geography")
    assert abs(sum(expected) - population * 570 / 100_000) < 5
    # expected cases have no 3C: with a 3C filter, no comparison of two scopes, and why
    by_c3 = validated(figures("?annee=2013&3c=C3-01"))["incidence"]
    assert [t.name for t in by_c3.data if t.type == "bar"] == ["Nouveaux patients"]
    assert "périmètres différents" in by_c3.layout.title.subtitle.text


def test_trial_rows_are_the_registry(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    trial_rows = page_module("/essais").trial_rows

    rows = trial_rows("?annee=2013")
    assert len(rows) == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.dim_trial WHERE open_date <= DATE '2013-12-31' "
        "AND coalesce(close_date, DATE '9999-12-31') >= DATE '2013-01-01'",
    )
    assert {"trial_id", "synopsis", "contact_email", "inclusions"} <= set(rows[0])


# the filter combinations the boards offer, each checked against the core facts
FICHE_WHERE = (
    "year = $year AND ($c3 IS NULL OR c3_id = $c3) AND ($organ IS NULL OR organ = $organ) "
    "AND ($finess IS NULL OR finess = $finess) "
    "AND ($department IS NULL OR residence_department = $department)"
)


def _combinations(warehouse: Path) -> list[dict[str, object]]:
    """No filter, each filter alone, and several together, on the busiest values of 2013."""
    con = Warehouse(warehouse).connect()
    try:
        c3, organ, finess, department = con.execute(
            "SELECT c3_id, organ, finess, residence_department FROM core.fact_fiche "
            "WHERE year = 2013 AND residence_department IS NOT NULL "
            "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    none = {"year": 2013, "c3": None, "organ": None, "finess": None, "department": None}
    return [
        none,
        {**none, "c3": c3},
        {**none, "organ": organ},
        {**none, "finess": finess},
        {**none, "department": department},
        {**none, "organ": organ, "department": department},
        {**none, "c3": c3, "finess": finess, "department": department},
        {**none, "c3": c3, "organ": organ, "finess": finess, "department": department},
    ]


def _search(p: dict[str, object]) -> str:
    from dashboards.filters import Filters

    return Filters(**p).to_search()  # type: ignore[arg-type]


def _named(warehouse: Path, sql: str, p: dict[str, object]) -> tuple:  # type: ignore[type-arg]
    con = Warehouse(warehouse).connect()
    try:
        return con.execute(sql, {k: v for k, v in p.items() if f"${k}" in sql}).fetchone()
    finally:
        con.close()


def test_overview_distinct_patients_match_the_fiches_for_every_filter(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    kpis = page_module("/").kpis

    for p in _combinations(board_warehouse):
        figures = kpis(_search(p))
        expected = _named(
            board_warehouse,
            "SELECT count(*), count(DISTINCT patient_key), count(DISTINCT patient_key) "
            "FILTER (WHERE new_patient_presentation), count(DISTINCT entity_code) "
            f"FROM core.fact_fiche WHERE {FICHE_WHERE}",
            p,
        )
        shown = tuple(
            figures[k][0] or 0 for k in ("dossiers", "patients", "new_patients", "active_entities")
        )
        assert shown == expected, p
        assert expected[0] > 0, p  # the combinations are busy ones


def test_overview_reads_marts_only() -> None:
    from warehouse.read import catalogue, indicators

    cat = catalogue.load()
    filters = {"year": 2013, "c3": "C3-01", "organ": "sein", "finess": None, "department": "63"}
    for q in indicators.plan(cat, cat.overview, ("year",), filters, years=2):
        assert "core." not in q.sql and "marts." in q.sql, q.sql


SESSIONS_MATCHING = (
    "SELECT count(*) FROM core.fact_session s WHERE year(s.session_date) = $year "
    "AND ($c3 IS NULL OR s.c3_id = $c3) AND (($organ IS NULL AND $finess IS NULL "
    "AND $department IS NULL) OR EXISTS (SELECT 1 FROM core.fact_fiche f "
    "WHERE f.session_id = s.session_id AND ($organ IS NULL OR f.organ = $organ) "
    "AND ($finess IS NULL OR f.finess = $finess) "
    "AND ($department IS NULL OR f.residence_department = $department)))"
)


def test_session_figures_count_sessions_that_discussed_a_matching_dossier(
    app, board_warehouse
) -> None:  # type: ignore[no-untyped-def]
    figures = page_module("/activite").figures
    kpis = page_module("/").kpis

    for p in _combinations(board_warehouse):
        search = _search(p)
        figs = validated(figures(search))
        expected = _named(board_warehouse, SESSIONS_MATCHING, p)[0]
        assert sum(figs["seances"].data[0].y) == expected, p
        assert sum(v for row in figs["calendrier"].data[0].z for v in row if v) == expected, p
        assert (kpis(search)["sessions"][0] or 0) == expected, p
        note = figs["seances"].layout.title.subtitle.text
        dossier_filter = p["organ"] or p["finess"] or p["department"]
        assert (note or "").startswith("Séances ayant examiné") == bool(dossier_filter), p


def test_missing_specialties_and_pps_honour_every_filter(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    kpis = page_module("/").kpis
    figures = page_module("/quorum").figures

    for p in _combinations(board_warehouse):
        figs = validated(figures(_search(p)))
        missing = _named(
            board_warehouse,
            "SELECT count(*) FROM (SELECT unnest(q.missing_specialties) FROM core.fact_session s "
            "JOIN core.fact_quorum_session q USING (session_id) WHERE q.status = 'not_met' AND "
            + SESSIONS_MATCHING.split(" WHERE ", 1)[1]
            + ")",
            p,
        )[0]
        assert sum(figs["specialites"].data[0].x) == missing, p
        pps, with_gp = _named(
            board_warehouse,
            "SELECT count(*), count(*) FILTER (WHERE has_gp) FROM core.fact_pps "
            "WHERE year(delivered_date) = $year AND ($c3 IS NULL OR c3_id = $c3) "
            "AND ($organ IS NULL OR organ = $organ) AND ($finess IS NULL OR finess = $finess) "
            "AND ($department IS NULL OR residence_department = $department)",
            p,
        )
        shown = kpis(_search(p))["pct_pps_with_gp"][0]
        assert shown == pytest.approx(100.0 * with_gp / pps) if pps else shown is None, p
        informed = _named(
            board_warehouse,
            "SELECT 100.0 * count(*) FILTER (WHERE patient_informed) / count(*) "
            f"FROM core.fact_fiche WHERE {FICHE_WHERE} AND month = make_date($year, 1, 1)",
            p,
        )[0]
        january = figs["tracabilite"].data[0].y[0] if figs["tracabilite"].data[0].y else None
        assert january == pytest.approx(informed), p


def _map(search: str, layers: list[str]) -> tuple[go.Figure, str]:
    figure = page_module("/offre-de-soins").figure

    fig, notice = figure(search, layers, "departement")
    return go.Figure(fig), notice  # validated


def test_care_offer_map_draws_on_tiles_when_reachable_else_offline(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dashboards import tiles
    from tests.dashboards.tiles import tile_server

    layers = ["chirurgie", "radiotherapie", "rcp", "flux"]
    tiles._probes.clear()
    monkeypatch.delenv("RRC_TILES_URL", raising=False)
    offline, notice = _map("?annee=2013", layers)
    assert {t.type for t in offline.data} == {"scatter"} and "injoignable" not in notice
    with tile_server() as served:
        monkeypatch.setenv("RRC_TILES_URL", served.url)
        tiled, notice = _map("?annee=2013", layers)
        closed = served.url
    assert "injoignable" not in notice
    assert {t.type for t in tiled.data} == {"scattermap"}
    # the same layers; the place names are the tiles' own (a text layer needs a CDN's glyphs)
    names = [t for t in offline.data if t.mode == "text"]
    assert len(names) == 1 and "Cantal" in names[0].text
    assert len(tiled.data) == len(offline.data) - 1
    style = tiled.layout.map.style
    assert style["sources"]["tuiles"]["tiles"] == [served.url]
    assert style["layers"][0]["type"] == "raster" and "glyphs" not in style
    assert 44 < tiled.layout.map.center.lat < 47.5 and 5 < tiled.layout.map.zoom < 10
    tiles._probes.clear()
    monkeypatch.setenv("RRC_TILES_URL", closed)  # the server is gone: back to offline
    fallback, notice = _map("?annee=2013", layers)
    assert "injoignable" in notice
    assert fallback.to_plotly_json() == offline.to_plotly_json()
    tiles._probes.clear()


def test_the_quality_page_reconciles_files_and_rows_of_the_last_load(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    contract_tables = page_module("/qualite").contract_tables

    tables = contract_tables()
    files = tables["fichiers"]
    assert files.columns[:4] == ["source", "table", "fichier", "reçu"]
    assert set(files["reçu"]) == {"oui"} and files.height == _sql(
        board_warehouse, "SELECT count(*) FROM meta.reconciliation_files"
    )
    rows = tables["lignes"]
    assert (rows["proposées"] == rows["chargées"] + rows["en_quarantaine"] + rows["ignorées"]).all()
    assert rows["en_quarantaine"].sum() == _sql(
        board_warehouse, "SELECT count(*) FROM quality.quarantine WHERE check_name = 'mapping'"
    )
    assert tables["ecarts"].columns == [
        "source",
        "table",
        "écart",
        "suite",
        "lignes",
        "fichier",
        "détail",
    ]


def test_the_quarantine_names_every_check_in_french(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    """No check of the quarantine table keeps its code name (`mapping` was shown as is)."""
    from access.policy import Principal, acting_as, load_policy

    codes = {
        r[0]
        for r in duckdb.connect(str(Warehouse(board_warehouse).current()), read_only=True)
        .execute("SELECT DISTINCT check_name FROM quality.quarantine")
        .fetchall()
    }
    assert "mapping" in codes
    with acting_as(Principal("admin1", load_policy().roles["admin"])):
        shown = set(page_module("/qualite").quarantine_rows()["check_name"])
    assert shown and not shown & codes, shown & codes


def test_a_click_on_a_bar_of_a_chart_by_a_filter_sets_that_filter(app) -> None:  # type: ignore[no-untyped-def]
    """Each bar of a chart by 3C, organ, establishment or department carries its code; a click
    on it gives the URL with that filter set, the others kept; a chart by month sets nothing."""
    from dashboards import indicators
    from warehouse.read import catalogue

    figs = validated(page_module("/activite").figures("?annee=2013&organe=sein"))
    by_3c = figs["par-3c"].data[0]
    codes = [row[-1] for row in by_3c.customdata]
    assert codes == [c for c in codes if c.startswith("C3-")] and len(codes) > 3
    chart = catalogue.load().chart("activite", "par-3c")
    click = {"points": [{"x": by_3c.x[1], "customdata": list(by_3c.customdata[1])}]}
    search = indicators.clicked_filter(chart, click, "?annee=2013&organe=sein")
    assert search == f"?annee=2013&3c={codes[1]}&organe=sein"
    rates = validated(page_module("/quorum").figures("?annee=2013"))["par-3c"].data[0]
    assert len(rates.customdata[0]) == 3  # numerator and denominator for the hover, then the code
    monthly = catalogue.load().chart("activite", "mensuel")
    assert indicators.clicked_filter(monthly, click, "?annee=2013") is None


def test_filters_keep_a_pages_own_parameters_and_the_map_reads_its_own(app) -> None:  # type: ignore[no-untyped-def]
    """Setting a filter keeps what a page keeps in the URL (the map's layers and level); the map
    reads them back, and what it does not know falls back to its defaults."""
    from dashboards.filters import Filters

    offer = page_module("/offre-de-soins")
    search = "?annee=2012&couche=rcp&couche=flux&niveau=territoire"
    assert Filters(2013, "C3-01").to_search(search) == (
        "?annee=2013&3c=C3-01&couche=rcp&couche=flux&niveau=territoire"
    )
    assert Filters().to_search("?niveau=territoire") == "?niveau=territoire"
    assert Filters().to_search() == ""
    assert offer.chosen(["rcp", "flux"], "territoire") == (["rcp", "flux"], "territoire")
    assert offer.chosen("inconnue", "canton") == (offer.DEFAULT_LAYERS, "departement")
    assert offer.chosen("aucune", None) == ([], "departement")
    assert offer.with_map_state("?annee=2013&couche=rcp", [], "departement") == (
        "?annee=2013&couche=aucune&niveau=departement"
    )


def test_a_month_range_narrows_monthly_charts_and_says_so_on_yearly_ones(
    app, board_warehouse
) -> None:  # type: ignore[no-untyped-def]
    """?mois=3-6: the charts over monthly marts count March to June only; a chart over a yearly
    mart gives the whole year and says so; the overview compares with the same months."""
    search = "?annee=2013&mois=3-6&3c=C3-01"
    figs = validated(page_module("/activite").figures(search))
    expected = _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND month(month) BETWEEN 3 AND 6 "
        "AND c3_id = ?",
        "C3-01",
    )
    assert sum(figs["mensuel"].data[0].y) == expected
    assert len(figs["mensuel"].data[0].x) == 4
    by_age = validated(page_module("/dossiers").figures(search))["age"]  # a yearly mart
    assert "Chiffre de l'année entière" in by_age.layout.title.subtitle.text
    bars = by_age.data[0]
    assert sum(v or 0 for v in (bars.x if bars.orientation == "h" else bars.y)) == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND c3_id = ?",
        "C3-01",
    )
    tiles = page_module("/").kpis(search)
    assert tiles["dossiers"][0] == expected
    assert (tiles["dossiers"][1] or 0) == _sql(  # the small region has 2013 only
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2012 AND month(month) BETWEEN 3 AND 6 "
        "AND c3_id = ?",
        "C3-01",
    )


def test_the_quality_trend_says_why_a_3c_user_sees_none(app) -> None:  # type: ignore[no-untyped-def]
    """The trend of the checks over the runs is the network's (scope network): a 3C user gets no
    line, and the chart says it is withheld rather than showing bare axes, which would read as
    no defect at all. The network sees its lines."""
    from access.policy import Principal, acting_as

    network = page_module("/qualite").figures()["tendance"]
    assert network["data"] and not network["layout"].get("annotations")
    with acting_as(Principal.of("c3un", "c3", "C3-01")):
        own = page_module("/qualite").figures()["tendance"]
    assert own["data"] == []
    notes = [a["text"] for a in own["layout"]["annotations"]]
    assert notes == ["suivie pour tout le réseau : non montrée à un 3C"]
    assert own["layout"]["xaxis"]["visible"] is False
