"""The Audits page served by `rrc serve`, in Chromium, for a 3C user: the demo's completed audit
with its rates and intervals (small counts masked), then a new draw from the form."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from access.policy import Principal, acting_as
from tests.dashboards.conftest import login, new_page, serving
from tests.dashboards.http import PASSWORD


@pytest.fixture(scope="module")
def served(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from access import users
    from audits import service

    root = tmp_path_factory.mktemp("audits-served")
    env = {
        "RRC_ACCESS_DB": str(root / "access.sqlite"),
        "RRC_AUDITS_DIR": str(root / "audits"),
        "RRC_SESSION_KEY": "5e" * 32,
    }
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        users.add("c3un", "c3", "C3-01", PASSWORD)
        with acting_as(Principal.of("a1", "admin")):
            service.demo_audit(warehouse)
        with serving(warehouse, root / "geo") as url:
            yield url
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def stores(served: str) -> Path:  # the served boards' folders, not a folder per test
    return Path(os.environ["RRC_AUDITS_DIR"])


def test_a_3c_user_reads_the_demo_audit_and_draws_another(browser, served: str) -> None:
    page = new_page(browser)
    try:
        login(page, served, "c3un")
        page.goto(served + "/audits-pratiques")
        page.wait_for_selector("#audit-resultats table")
        results = page.inner_text("#audit-resultats")
        assert "Quorum tracé et atteint" in results and "Proposition conforme" in results
        assert "IC 95 %" in results and " – " in results  # an interval is shown
        assert "< 11" in results  # small counts masked for a role without nominative rights
        assert "Secret statistique" in page.inner_text("#audit-note")
        assert "fiches tirées" in page.inner_text("#audit-manifeste")
        assert page.get_attribute("#audit-telecharger", "href").startswith(
            "/audits-pratiques/grille/audit-"
        )
        page.fill("#audit-graine", "77")
        page.click("#audit-tirer")
        page.wait_for_function(
            "() => document.querySelector('#audit-tirage-message').innerText.includes('Tirage')"
        )
        assert "fiches sur" in page.inner_text("#audit-tirage-message")
        assert page.console_errors == []
    finally:
        page.context.close()
