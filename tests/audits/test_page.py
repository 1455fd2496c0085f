"""The Audits page as plain functions and its download route, without a browser; then the whole
app answers the route only to roles with the audits right."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from access import audit
from access.policy import Principal, acting_as
from audits import draw, sheet
from audits.service import grid_of
from dashboards.registry import page_module
from tests.audits.conftest import nominative_c3
from tests.dashboards.components import ids


@pytest.fixture(scope="module")
def page(boards: Any) -> Any:
    """The page module as the boards' app registered it (importing it again would register the
    page twice)."""
    return page_module("/audits-pratiques")


def test_registered_in_french_with_prefixed_ids(page: Any) -> None:
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/audits-pratiques")
    assert entry["name"] == "Audits de pratiques"
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        layout = page.layout()
    found = ids(layout)
    assert len(found) > 12 and all(i.startswith("audit-") for i in found)
    assert "Audits de pratiques" in str(layout)


def test_draw_sheet_import_and_results_for_a_3c(page: Any, warehouse: Path) -> None:
    server = Flask("test")
    page.register_routes(server)
    client = server.test_client()
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        message, draw_id = page.make_draw("has_rcp", "2013", "rcp", 2, 8, None)
        assert draw_id and message.startswith(f"Tirage {draw_id} : "), message
        assert [o["value"] for o in page.draw_options()] == [draw_id]
        rows, text = page.draw_summary(draw_id)
        assert "graine 8" in text and "Aucune réponse importée" in text and rows
        assert page.result_rows(draw_id)[:2] == ([], [])
        r = client.get(page.SHEET.format(draw_id))
        assert r.status_code == 200 and r.data[:2] == b"PK"
        assert "nominatif" not in r.headers["Content-Disposition"]
        d = draw.read(Path(audit_dir()) / draw_id)
        sample = draw.load_sample(d)
        filled = {int(x["line"]): {"fiche_id": x["fiche_id"], "quorum": "oui",
                                   "patient_informed": "oui", "proposal_recorded": "oui",
                                   "pps_gp": "non", "trial_considered": "oui",
                                   "guideline": "conforme"} for x in sample.to_dicts()}  # fmt: skip
        filled[2]["guideline"] = "à revoir"
        data = sheet.build(grid_of("has_rcp"), draw_id, sample, None, filled)
        upload = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
        message, quarantined = page.import_file(draw_id, upload, "grille.xlsx")
        assert f"{sample.height - 1} acceptées, 1 en quarantaine" in message, message
        assert quarantined[0][0] == "4" and "'à revoir' is not one of" in quarantined[0][2]
        questions, strata, note = page.result_rows(draw_id)
        assert [q[0] for q in questions][:2] == ["Quorum tracé et atteint",
                                                 "Patient informé de la présentation de son "
                                                 "dossier en RCP"]  # fmt: skip
        assert "Secret statistique" in note and "< 11" in str(questions)
        assert len(strata) == 7 * len(rows) and {s[1] for s in strata} >= {r[0] for r in rows}
        assert page.import_file(draw_id, "data:;base64,!!", "x.xlsx")[0].startswith("Refusé")
        assert page.make_draw("has_rcp", "2013", "rcp", 2, 8, "C3-02")[0].startswith("Refusé")
    with acting_as(nominative_c3("C3-01")):
        r = client.get(page.SHEET.format(draw_id))
        assert "nominatif" in r.headers["Content-Disposition"]
    with acting_as(Principal.of("c2", "c3", "C3-02")):
        assert client.get(page.SHEET.format(draw_id)).status_code == 403
        assert page.draw_options() == []
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        assert client.get(page.SHEET.format("audit-000000000000")).status_code == 404
    sheets = [
        (e.actor, e.detail["nominative"]) for e in reversed(audit.entries(action="audit_sheet"))
    ]
    assert sheets == [("c1", False), ("n1", True)]


def audit_dir() -> str:
    import os

    return os.environ["RRC_AUDITS_DIR"]


def test_the_app_route_needs_the_audits_right(page: Any, warehouse: Path) -> None:
    import dash

    app = dash.get_app()
    rules = {r.endpoint: r.rule for r in app.server.url_map.iter_rules()}
    assert rules["audit_sheet_download"] == "/audits-pratiques/grille/<ident>.xlsx"
    from dashboards.auth import ROUTES

    assert ROUTES["audit_sheet_download"] == "audits"
