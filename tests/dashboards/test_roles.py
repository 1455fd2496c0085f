"""Where each role lands and what a refusal looks like, through the real app (no browser): the
first board it may open after login, a French page in the boards' frame for a board it may not
open, and no link to what it may not follow."""

from __future__ import annotations

import re

from access.policy import load_policy
from dashboards.registry import landing
from tests.dashboards.test_auth import client


def test_each_role_lands_on_the_first_board_it_may_open(app) -> None:  # type: ignore[no-untyped-def]
    roles = load_policy().roles
    assert landing(roles["researcher"]) == "/cohortes"
    assert landing(roles["ars"]) == landing(roles["admin"]) == "/"
    researcher = client(app, "cherch1")
    r = researcher.get("/?annee=2013")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cohortes?annee=2013")
    assert researcher.get("/cohortes").status_code == 200
    assert client(app, "ars1").get("/").status_code == 200


def test_a_refused_board_is_a_french_page_with_the_roles_own_navigation(app) -> None:  # type: ignore[no-untyped-def]
    r = client(app, "ars1").get("/qualite")
    assert r.status_code == 403 and r.mimetype == "text/html"
    page = r.data.decode()
    assert "Accès refusé" in page and "« Qualité des données »" in page
    assert "Agence régionale de santé" in page and 'lang="fr"' in page
    nav = re.findall(r'class="nav-link" href="([^"]+)"', page)
    assert nav == list(load_policy().roles["ars"].pages)  # its own boards, in order
    assert 'id="deconnexion"' in page  # and the frame's logout
    assert "may not" not in page  # the English reason goes to the audit trail only


def test_the_overview_export_follows_the_overview_board(app) -> None:  # type: ignore[no-untyped-def]
    """`/export/ensemble/…` belongs to `/`: a role that opens the overview exports its tiles."""
    ars = client(app, "ars1")
    r = ars.get("/export/ensemble/indicateurs.csv?annee=2013")
    assert r.status_code == 200 and r.data.decode("utf-8-sig").startswith("Année;")
    assert client(app, "cherch1").get("/export/ensemble/indicateurs.csv").status_code == 403
