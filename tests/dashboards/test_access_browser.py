"""Who sees what, in a real Chromium: login and logout, a 3C user held to its 3C whatever the URL
says, small cells masked for the ARS, and the audit page for administrators."""

from __future__ import annotations

from pathlib import Path

import duckdb

from access.policy import Principal, acting_as
from dashboards.registry import page_module
from tests.dashboards.conftest import login, screenshot
from tests.dashboards.test_overview import _dossiers, _shown
from warehouse.publish import Warehouse
from warehouse.read import formats


def _small_cell(warehouse: Path) -> tuple[str, str, int]:
    """A 3C and an organ with 1 to 10 dossiers in 2013."""
    con: duckdb.DuckDBPyConnection = Warehouse(warehouse).connect()
    try:
        return con.execute(
            "SELECT c3_id, organ, count(*) AS n FROM core.fact_fiche WHERE year = 2013 "
            "AND c3_id IS NOT NULL AND organ IS NOT NULL "
            "GROUP BY ALL HAVING n BETWEEN 1 AND 10 ORDER BY c3_id, organ LIMIT 1"
        ).fetchone()
    finally:
        con.close()


def test_login_and_logout(server, anonymous_page) -> None:  # type: ignore[no-untyped-def]
    page = anonymous_page
    page.goto(f"{server}/activite?annee=2013")
    page.wait_for_selector("#connexion")
    assert "/login" in page.url
    screenshot(page, "connexion")
    page.fill("#identifiant", "rrc1")
    page.fill("#mot-de-passe", "pas le bon")
    page.click("#connexion")
    assert "incorrect" in page.locator("#erreur").inner_text()
    login(page, server, "rrc1")
    page.goto(f"{server}/activite?annee=2013")
    page.wait_for_selector("#activite-mensuel .main-svg")
    assert "rrc1" in page.locator("#utilisateur").inner_text()
    assert page.console_errors == []
    page.click("#deconnexion")  # callbacks still in flight are refused (401): expected
    page.wait_for_selector("#connexion")
    page.goto(f"{server}/activite")
    page.wait_for_selector("#connexion")  # the session is gone


def test_a_3c_user_sees_its_3c_whatever_the_url_says(
    server, app, anonymous_page, board_warehouse
) -> None:  # type: ignore[no-untyped-def]
    page = anonymous_page
    login(page, server, "c3un")
    page.goto(f"{server}/?annee=2013&3c=C3-07")  # another 3C, edited into the URL
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    shown = page.locator("#ensemble-dossiers").inner_text()
    kpis = page_module("/").kpis
    # what a user of C3-01 is shown for its own 3C (its count carries the secrecy noise), and
    # what C3-07's own user would be shown
    with acting_as(Principal.of("t", "c3", "C3-01")):
        own = kpis("?annee=2013&3c=C3-01")["dossiers"][0]
    with acting_as(Principal.of("t", "c3", "C3-07")):
        other = kpis("?annee=2013&3c=C3-07")["dossiers"][0]
    true_own = _dossiers(board_warehouse, 2013, "C3-01")
    assert isinstance(own, int) and abs(own - true_own) <= 3 and own != other
    assert shown == formats.number(own, "count")
    nav = page.locator(".nav").inner_text()
    assert "Journal d'audit" not in nav and "Cohortes" not in nav
    screenshot(page, "vue-3c")
    assert page.console_errors == []


def test_the_ars_sees_small_cells_masked(server, anonymous_page, page, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    c3, organ, n = _small_cell(board_warehouse)
    url = f"{server}/?annee=2013&3c={c3}&organe={organ}"
    page.goto(url)  # an administrator sees the small figure
    page.wait_for_selector("#ensemble-dossiers:not(:empty)")
    assert _shown(page, "dossiers") == n
    ars = anonymous_page
    login(ars, server, "ars1")
    ars.goto(url)
    ars.wait_for_selector("#ensemble-dossiers:not(:empty)")
    assert ars.locator("#ensemble-dossiers").inner_text() == "< 11"
    assert "Secret statistique" in ars.locator("#secret-statistique").inner_text()
    screenshot(ars, "vue-ars-secret")
    assert ars.console_errors == []


def test_the_audit_page_lists_logins(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/audit")
    page.wait_for_selector("#audit-journal td")
    text = page.locator("#audit-journal").inner_text()
    assert "admin1" in text and "Connexion" in text
    assert "intactes" in page.locator("#audit-integrite").inner_text()
    screenshot(page, "journal-audit")
    assert page.console_errors == []


def test_a_first_login_enrols_the_second_factor_by_qr_code(server, anonymous_page) -> None:  # type: ignore[no-untyped-def]
    """An administrator's first login in Chromium: the password, then the QR code drawn by the
    server (under the CSP, nothing from elsewhere), the code typed back, the boards."""
    import pyotp

    from access import users
    from tests.dashboards.http import PASSWORD

    users.add("admin-chromium", "admin", None, PASSWORD)
    page = anonymous_page
    page.goto(f"{server}/login")
    page.fill("#identifiant", "admin-chromium")
    page.fill("#mot-de-passe", PASSWORD)
    page.click("#connexion")
    page.wait_for_selector("#qr-totp svg")
    assert page.locator("#qr-totp svg").bounding_box()["width"] >= 150
    seed = page.locator("#cle-totp").inner_text()
    screenshot(page, "second-facteur")
    page.fill("#code-totp", pyotp.TOTP(seed).now())
    page.click("#valider-code")
    page.wait_for_selector("#utilisateur")
    assert "admin-chromium" in page.locator("#utilisateur").inner_text()
    assert page.console_errors == []
