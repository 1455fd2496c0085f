"""Every board for every role, in Chromium against the served boards (`rrc serve`), as each
audience would open them: what a role may open answers no HTTP error and logs no console error,
fits a 1,440 px screen and a 390 px phone, shows no English UI word nor raw code
(cases/english_words.txt) and links only to what the role may open; what it may not open is a
French refusal inside the boards' frame; after login each role lands on its first board.

A full-page screenshot of every board for every role is left in artifacts/screenshots/<role>/
(kept by CI as an artifact)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from access.policy import Role, load_policy
from tests.dashboards.conftest import ACCOUNTS, ARTIFACTS, logged_in_page, new_page
from tests.dashboards.walk import visit

SHOTS = ARTIFACTS / "screenshots"
# the boards, in the order of the navigation (config/access.toml names them by path)
BOARDS = {
    "/": "ensemble",
    "/activite": "activite",
    "/quorum": "quorum",
    "/dossiers": "dossiers",
    "/essais": "essais",
    "/offre-de-soins": "offre-de-soins",
    "/qualite": "qualite",
    "/cohortes": "cohortes",
    "/audit": "audit",
    "/audits-pratiques": "audits-pratiques",
    "/pilotage": "pilotage",
    "/enquetes": "enquetes",
}
USER = {role: name for name, (role, _c3) in ACCOUNTS.items()}  # one test account per role


def role_of(name: str) -> Role:
    return load_policy().roles[name]


def opens(role: str) -> list[str]:
    return [path for path in BOARDS if role_of(role).may_open(path)]


CASES = [(role, path) for role in USER for path in opens(role)]


@pytest.fixture(scope="module")
def sessions(browser: Any, server: str) -> Iterator[dict[str, Any]]:
    """One logged-in browser page per role, opened on first use."""
    pages: dict[str, Any] = {}

    class Sessions(dict):  # type: ignore[type-arg]
        def __missing__(self, role: str) -> Any:
            page = new_page(browser)
            logged_in_page(page, server, USER[role])
            pages[role] = page
            return page

    yield Sessions()
    for page in pages.values():
        page.context.close()


def allowed_link(role: Role, href: str, c3: str | None) -> bool:
    """Whether a link on screen leads somewhere the role may go."""
    path = urlsplit(href).path or "/"
    if urlsplit(href).netloc or href.startswith("mailto:"):
        return False  # nothing on the boards leads elsewhere
    if path in BOARDS:
        return role.may_open(path)
    if path.startswith("/export/"):
        board = "/" if path.split("/")[2] == "ensemble" else "/" + path.split("/")[2]
        return role.exports and role.may_open(board)
    if path.startswith("/data-docs/"):
        return role.may_open("/qualite") and c3 is None
    if path.startswith("/cohortes/telecharger/"):
        return role.cohorts
    return False


@pytest.mark.parametrize(("role", "path"), CASES, ids=[f"{r}{p}" for r, p in CASES])
def test_a_board_a_role_may_open_works_fits_and_speaks_french(
    sessions: dict[str, Any], server: str, role: str, path: str
) -> None:
    page = sessions[role]
    shot = SHOTS / role / f"{BOARDS[path]}.png"
    seen = visit(page, server, path, shot)
    assert seen.problems() == []
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one
    c3 = ACCOUNTS[USER[role]][1]
    strays = [h for h in seen.links if not allowed_link(role_of(role), h, c3)]
    assert strays == [], f"links {role} may not follow on {path}"
    nav = page.eval_on_selector_all(".nav a", "els => els.map(e => e.getAttribute('href'))")
    assert [urlsplit(h).path for h in nav] == opens(role)  # exactly the boards it may open


@pytest.mark.parametrize("role", list(USER))
def test_a_role_lands_on_its_first_board_and_is_refused_the_others_in_french(
    browser: Any, server: str, role: str
) -> None:
    page = new_page(browser)
    try:
        logged_in_page(page, server, USER[role])  # logs in, then opens /
        first = opens(role)[0]
        assert urlsplit(page.url).path == first
        for path in [p for p in BOARDS if p not in opens(role) and p != "/"]:
            answer = page.goto(server + path)
            assert answer is not None and answer.status == 403, path
            refusal = page.locator("#acces-refuse").inner_text()
            assert "Accès refusé" in refusal and "ne donne pas accès" in refusal
            links = page.eval_on_selector_all(
                ".nav a", "els => els.map(e => e.getAttribute('href'))"
            )
            assert links == opens(role)  # the frame's navigation, to its own boards only
            page.click("#refus-retour")  # and a way back
            page.wait_for_url(f"**{first}")
    finally:
        page.context.close()
