"""The public pages in Chromium without a session, as a patient or a physician would open them
(and as the network's site frames them): no HTTP error, no console error, nothing wider than a
1,440 px screen or a 390 px phone, no English word, no WCAG 2.1 A/AA violation that axe-core finds
at either width, no cookie left, links only to public pages, feeds, phones and e-mails; a search
made with the keyboard alone; a print without the navigation and the search. Screenshots in
artifacts/screenshots/public/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from access.policy import load_policy
from tests.dashboards.conftest import ARTIFACTS, new_page
from tests.dashboards.walk import WIDTHS, accessibility, tab_through, visit

SHOTS = ARTIFACTS / "screenshots" / "public"
# every public page (an RCP's by its code, a search in the address, a map of one layer); axe
# takes 5 to 9 s a page on this machine (docs/decisions.md, 15): no more variants than these
PATHS = [
    "/public",
    "/public/rcp",
    "/public/rcp?organe=sein&departement=03",
    "/public/rcp/RCP05",
    "/public/essais",
    "/public/offre-de-soins",
    "/public/offre-de-soins?couche=rcp",
]
FEEDS = {"/public/rcp.csv", "/public/rcp.json", "/public/rcp.fhir.json"}


@pytest.fixture(scope="module")
def visitor(browser: Any) -> Iterator[Any]:
    """A browser with no session: the anonymous visitor."""
    page = new_page(browser)
    yield page
    page.context.close()


def public_link(href: str) -> bool:
    """Whether a link on a public page leads where an anonymous visitor may go."""
    parts = urlsplit(href)
    if parts.scheme in ("tel", "mailto") or href.startswith("#"):
        return True
    if parts.netloc:
        return False  # nothing leads elsewhere
    pages = [re.sub(r"<[^>/]+>", "[^/]+", p) for p in load_policy().public.pages]
    return parts.path in FEEDS or any(re.fullmatch(p, parts.path) for p in pages)


@pytest.mark.parametrize("path", PATHS)
def test_a_public_page_works_fits_speaks_french_and_passes_axe_without_a_session(
    visitor: Any, server: str, path: str
) -> None:
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-").replace("=", "-")
    seen = visit(visitor, server, path, SHOTS / f"{name}.png")
    assert seen.problems() == []
    assert [h for h in seen.links if not public_link(h)] == []
    assert visitor.context.cookies() == []  # an anonymous visit leaves no cookie
    for width in WIDTHS:
        visitor.set_viewport_size({"width": width, "height": 900})
        visitor.wait_for_timeout(300)
        assert accessibility(visitor) == [], f"{path} at {width} px"
    heading = visitor.locator("h1")
    assert heading.count() == 1 and heading.inner_text()  # one title per page


def test_the_directory_is_searched_with_the_keyboard_alone(visitor: Any, server: str) -> None:
    visit(visitor, server, "/public/rcp")
    visitor.set_viewport_size({"width": 1440, "height": 900})
    reached = tab_through(visitor, 12)
    # first the link to skip to the content, then the navigation, then the search
    assert reached[0][1] == "#contenu"
    order = [r[1] for r in reached]
    assert (
        order.index("/public/rcp") < order.index("annuaire-mots") < order.index("annuaire-organe")
    )
    assert all(visible for _, _, visible in reached), [r for r in reached if not r[2]]
    visitor.focus("#annuaire-organe")
    while visitor.eval_on_selector("#annuaire-organe", "s => s.value") != "sein":
        visitor.keyboard.press("ArrowDown")  # a native select moves with the arrows
    visitor.focus("#annuaire-mots")
    visitor.keyboard.type("perrin")
    visitor.keyboard.press("Enter")  # the form's search goes into the address
    visitor.wait_for_url("**/public/rcp?*organe=sein*")
    visitor.wait_for_function(
        "() => document.getElementById('annuaire-compte') !== null"
        " && document.getElementById('annuaire-compte').innerText === '1 RCP'"
    )
    assert "RCP sénologie Jean Perrin" in visitor.locator("#annuaire-liste").inner_text()
    visitor.click("#annuaire-lien-RCP11")  # its stable page, by its code
    visitor.wait_for_url("**/public/rcp/RCP11")
    visitor.wait_for_selector("text=Inscrire un dossier")


def test_a_public_page_prints_without_its_navigation_and_search(visitor: Any, server: str) -> None:
    visit(visitor, server, "/public/rcp")
    visitor.emulate_media(media="print")
    try:
        hidden = visitor.evaluate(
            "() => ['.public-nav', '.search', '.skip-link'].map("
            "s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        assert visitor.locator(".rcp-card").count() == 52  # every RCP on paper
    finally:
        visitor.emulate_media(media="screen")
