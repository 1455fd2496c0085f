"""The Cohortes page, as plain functions and its download route, without a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from access import audit
from access.policy import AccessDenied, Principal, acting_as
from dashboards.registry import page_module
from tests.dashboards.components import ids

FORM = {"organ": ["sein"], "sex": ["F"], "start": "2013-01-01", "end": "2013-06-30",
        "age_min": 50, "age_max": 74, "trial_inclusion": "non", "quorum": ["met"]}  # fmt: skip


@pytest.fixture(scope="module")
def page(boards: Any) -> Any:
    """The page module as the boards' app registered it (importing it again would register the
    page twice)."""
    return page_module("/cohortes")


def test_registered_in_french_with_prefixed_ids(page) -> None:
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/cohortes")
    assert (entry["name"], entry["order"]) == ("Cohortes", 7)
    with acting_as(Principal.of("r1", "researcher")):
        found = ids(page.layout())
    assert len(found) > 20 and all(i.startswith("cohorte-") for i in found)


def test_form_to_definition_to_attrition(page) -> None:
    with acting_as(Principal.of("r1", "researcher")):
        text, error = page.definition_text("Sein", FORM)
        assert not error and text.startswith('name = "Sein"')
        rows, message = page.attrition(text)
    assert [r["Critère"] for r in rows][1:3] == ["Organe", "Période (date de RCP)"]
    assert "« < 11 »" in message
    with acting_as(Principal.of("a1", "admin")):
        full, _ = page.attrition(text)
    assert all(r["Patients"].replace("\u202f", "").isdigit() for r in full)
    assert len(full) == len(rows)
    _, error = page.definition_text("x", {"age_min": 80, "age_max": 50})
    assert error.startswith("Refusé") and "'age'" in error


def test_callbacks_act_for_the_logged_in_user_only(page) -> None:
    with pytest.raises(AccessDenied):
        page.count(1, 'name = "x"\n[criteria]\nsex = "F"\n')
    with acting_as(Principal.of("r1", "researcher")):
        shown, _ = page.count(1, 'name = "x"\n[criteria]\nsex = "F"\n')
    assert len(shown.children[1].children) == 2  # the population, then the one criterion
    with acting_as(Principal.of("n1", "rrc")):
        shown, message = page.count(1, 'name = "x"\n[criteria]\nsex = "F"\n')
    assert shown is None and "may not" in message


def test_extract_then_download_by_its_owner_only(page, warehouse: Path) -> None:
    server = Flask("test")
    page.register_routes(server)
    client = server.test_client()
    with acting_as(Principal.of("r1", "researcher")):
        text, _ = page.definition_text("Sein", FORM)
        message, href = page.extract(text, "r1", "")
        assert "obligatoire" in message and not href
        message, href = page.extract(text, "r1", "CPP 13-042")
        assert href.startswith("/cohortes/telecharger/cohorte-"), message
        extract_id = href.rsplit("/", 1)[1].removesuffix(".zip")
        assert (warehouse.parent / "cohorts" / extract_id / "manifest.json").exists()
        r = client.get(href)
        assert r.status_code == 200 and r.data[:2] == b"PK"
        assert client.get(href).data == r.data  # the same ZIP, byte for byte
        assert client.get("/cohortes/telecharger/cohorte-000000000000.zip").status_code == 404
        assert client.get("/cohortes/telecharger/..%2Fwh.zip").status_code == 404
    with acting_as(Principal.of("r2", "researcher")):
        assert client.get(href).status_code == 403
    with acting_as(Principal.of("a1", "admin")):
        assert client.get(href).status_code == 200
    exports = audit.entries(action="export")
    assert [e.actor for e in exports] == ["a1", "r1", "r1"]
