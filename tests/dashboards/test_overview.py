"""Vue d'ensemble in a real Chromium: the figures shown are the warehouse's, filters sit in the
URL, and the browser logs no error."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboards.filters import Filters
from tests.dashboards.conftest import screenshot
from warehouse.publish import Warehouse


def _dossiers(warehouse: Path, year: int, c3: str | None = None) -> int:
    con: duckdb.DuckDBPyConnection = Warehouse(warehouse).connect()
    try:
        return con.execute(
            "SELECT count(*) FROM core.fact_fiche WHERE year = ? AND (? IS NULL OR c3_id = ?)",
            [year, c3, c3],
        ).fetchone()[0]
    finally:
        con.close()


def _shown(page, tile: str) -> int:  # type: ignore[no-untyped-def]
    text = page.locator(f"#ensemble-{tile}").inner_text()
    return int(text.replace("\u202f", "").replace(" ", ""))


def test_overview_shows_the_year_dossiers_of_the_warehouse(server, page, board_warehouse) -> None:
    page.goto(f"{server}/?annee=2013")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    assert _shown(page, "dossiers") == _dossiers(board_warehouse, 2013)
    assert "Vue d'ensemble" in page.content()
    screenshot(page, "vue-d-ensemble")
    assert page.console_errors == []


def test_a_3c_filter_in_the_url_filters_the_figures(server, page, board_warehouse) -> None:
    page.goto(f"{server}/{Filters(2013, 'C3-07').to_search()}")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    assert _shown(page, "dossiers") == _dossiers(board_warehouse, 2013, "C3-07")
    assert page.console_errors == []


def test_changing_a_filter_updates_the_url(server, page) -> None:
    page.goto(f"{server}/?annee=2013")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    page.locator("#filtre-3c").click()
    page.get_by_text("3C de Montluçon", exact=True).click()
    page.wait_for_url("**3c=C3-07**")
    assert "annee=2013" in page.url
    assert page.console_errors == []


def test_clicking_a_bar_filters_the_board_on_its_3c(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/activite?annee=2013")
    page.wait_for_selector("#activite-par-3c .main-svg .bars .point")
    page.locator("#activite-par-3c .bars .point path").first.click(force=True)
    page.wait_for_url("**3c=C3-**")
    chosen = page.url.split("3c=")[1].split("&")[0]
    assert "annee=2013" in page.url
    page.wait_for_function(  # the shell's 3C list follows the URL
        "code => document.querySelector('#filtre-3c').innerText.trim().length > 0"
        " && !document.querySelector('#filtre-3c').innerText.includes('Tous')",
        arg=chosen,
    )
    assert page.console_errors == []


def test_a_month_range_goes_to_the_url_and_back(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/activite?annee=2013")
    page.wait_for_selector("#activite-mensuel .main-svg")
    page.locator("#filtre-mois-debut").click()
    page.get_by_role("option", name="mars", exact=True).click()
    page.locator("#filtre-mois-fin").click()
    page.get_by_role("option", name="juin", exact=True).click()
    page.wait_for_url("**mois=3-6**")
    page.goto(f"{server}/activite?annee=2013&mois=5-9")
    page.wait_for_selector("#activite-mensuel .main-svg")
    page.wait_for_function(
        "() => document.querySelector('#filtre-mois-debut').innerText.includes('mai')"
        " && document.querySelector('#filtre-mois-fin').innerText.includes('sept.')"
    )
    assert page.console_errors == []


def test_filters_stay_set_across_pages_and_activity_draws_its_charts(server, page) -> None:
    page.goto(f"{server}/{Filters(2013, 'C3-07').to_search()}")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    page.locator(".nav-link", has_text="Activité RCP").click()
    page.wait_for_url("**/activite?**")
    assert "3c=C3-07" in page.url and "annee=2013" in page.url
    page.wait_for_selector("#activite-calendrier .main-svg")
    assert page.locator(".js-plotly-plot").count() == 9
    screenshot(page, "activite-rcp")
    assert page.console_errors == []


PAGES = {
    "/dossiers": "dossiers-incidence",
    "/quorum": "quorum-tracabilite",
    "/essais": "essais-proposes",
    "/qualite": "qualite-tendance",
}


def test_every_page_renders_in_chromium_without_console_errors(server, page) -> None:
    for path, graph in PAGES.items():
        page.goto(f"{server}{path}?annee=2013")
        page.wait_for_selector(f"#{graph} .main-svg")
        screenshot(page, path.strip("/"))
    assert page.console_errors == []


def test_trial_list_is_searchable(server, page) -> None:  # type: ignore[no-untyped-def]
    """The server filters the year's trials (every one, not the page shown) on what the table
    shows: the organ's French label."""
    page.goto(f"{server}/essais?annee=2013")
    page.wait_for_selector("#essais-liste td")
    before = page.locator("#essais-liste tbody tr").count()
    page.locator("#essais-liste th.dash-filter[data-dash-column='organ'] input[type=text]").fill(
        "sein"
    )
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#essais-liste-note').innerText.includes('au filtre')"
    )
    cells = page.locator("#essais-liste td[data-dash-column='organ']").all_inner_texts()
    assert cells and all(c == "Sein" for c in cells)  # the organ's French label
    assert page.locator("#essais-liste tbody tr").count() <= before
    note = page.locator("#essais-liste-note").inner_text()
    assert note.startswith(f"{len(cells)} essai(s) sur ") or len(cells) == 12, note
    assert page.console_errors == []


def test_data_docs_are_linked_and_served(server, page) -> None:
    page.goto(f"{server}/qualite")
    page.wait_for_selector("#qualite-data-docs")
    href = page.locator("#qualite-data-docs").get_attribute("href")
    response = page.request.get(f"{server}{href}")
    assert response.status == 200 and "stg_fiche" in response.text()


def test_care_offer_map_renders_offline_with_and_without_outlines(
    server, page, geo_dir, geo_server, monkeypatch
) -> None:
    from dashboards import geo

    fills = (
        "() => { const gd = document.querySelector('#offre-carte .js-plotly-plot');"
        " const n = gd && gd.data ? gd.data.filter(t => t.fill === 'toself').length : 0;"
        " return n >= 4 ? n : null; }"
    )
    page.goto(f"{server}/offre-de-soins?annee=2013")
    page.wait_for_selector("#offre-carte .main-svg")
    # nothing fetched: the outlines shipped with the boards, the choropleth drawn offline
    assert page.wait_for_function(fills).json_value() == 4
    assert "IGN ADMIN EXPRESS" in page.locator("#offre-carte").inner_text()  # attribution
    assert "rrc geo fetch" not in page.locator("#offre-avis").inner_text()
    points = page.locator("#offre-carte .scatterlayer .trace").count()
    assert points > 0  # establishments and flows over them
    monkeypatch.setenv("RRC_GEO_DIR", str(geo_dir))
    geo.fetch(geo_server)
    page.reload()
    page.wait_for_selector("#offre-carte .main-svg")
    # predicates as functions: a string expression would be eval'd, which the CSP refuses
    page.wait_for_function("() => document.querySelector('#offre-avis').innerText === ''")
    filled = page.wait_for_function(fills).json_value()
    assert filled == 4  # the four departments, each filled by its rate
    screenshot(page, "offre-de-soins")
    assert page.console_errors == []


def test_map_layers_and_level_go_to_the_url_and_back(server, page) -> None:  # type: ignore[no-untyped-def]
    """A map is shared as it is seen: the layers and the level sit in the URL beside the filters,
    a filter changed keeps them, and the other pages' links carry only the filters."""
    page.goto(f"{server}/offre-de-soins?annee=2013")
    page.wait_for_selector("#offre-carte .main-svg")
    page.get_by_label("Territoires de santé").check()
    page.wait_for_url("**niveau=territoire**")
    page.locator("#offre-couches").get_by_label("Flux de patients").uncheck()
    page.wait_for_function("() => !location.search.includes('couche=flux')")
    assert "annee=2013" in page.url and "couche=rcp" in page.url
    shared = page.url
    page.goto(f"{server}/?annee=2013")
    page.goto(shared)
    page.wait_for_selector("#offre-carte .main-svg")
    assert page.get_by_label("Territoires de santé").is_checked()
    assert not page.locator("#offre-couches").get_by_label("Flux de patients").is_checked()
    assert page.locator("#offre-couches").get_by_label("Lieux de RCP").is_checked()
    page.locator("#filtre-3c").click()
    page.get_by_text("3C de Montluçon", exact=True).click()
    page.wait_for_url("**3c=C3-07**")
    assert "niveau=territoire" in page.url and "couche=rcp" in page.url
    link = page.locator(".nav-link", has_text="Activité RCP")
    link.and_(page.locator("[href*='3c=C3-07']")).wait_for()  # the links follow the URL
    nav = link.get_attribute("href") or ""
    assert "couche" not in nav and "niveau" not in nav
    assert page.console_errors == []


def test_each_tile_shows_freshness_and_quality_of_its_sources(server, page) -> None:
    page.goto(f"{server}/?annee=2013")
    page.wait_for_selector("#ensemble-dossiers-statut")
    assert "sources à jour" in page.locator("#ensemble-dossiers-statut").inner_text()
    # PPS without GP are injected above the 0 % threshold: the PPS tile says so
    pps = page.locator("#ensemble-pct_pps_with_gp-statut")
    assert "pps_has_gp" in pps.inner_text()
    assert "alert" in (pps.get_attribute("class") or "")
    assert page.locator("#ensemble-active_entities").inner_text() != "—"
    assert page.console_errors == []


@pytest.mark.xdist_group("demo-region")  # one process generates the region (tests/conftest.py)
def test_the_calibrated_2013_shows_the_seed_figures_on_the_overview(region_server, page) -> None:
    page.goto(f"{region_server}/?annee=2013")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    dossiers = _shown(page, "dossiers")
    assert abs(dossiers - 20_680) <= 0.03 * 20_680, dossiers
    assert _shown(page, "active_entities") == 52
    assert "20" in page.locator("#ensemble-dossiers").inner_text()
    screenshot(page, "vue-d-ensemble-region-2013")
    assert page.console_errors == []


def test_establishment_and_department_filters_apply_from_the_url(
    server, page, board_warehouse
) -> None:
    con = Warehouse(board_warehouse).connect()
    try:
        finess, expected = con.execute(
            "SELECT finess, count(*) FROM core.fact_fiche WHERE year = 2013 "
            "AND residence_department = '63' GROUP BY finess ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    page.goto(f"{server}/{Filters(2013, finess=finess, department='63').to_search()}")
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    page.wait_for_function(
        f"() => document.querySelector('#ensemble-dossiers').innerText.replace(/\\s/g, '') === "
        f"'{expected}'"
    )
    assert _shown(page, "dossiers") == expected
    assert page.console_errors == []
