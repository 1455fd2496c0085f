"""The Enquêtes board in Chromium against `rrc serve`, as the ARS and an administrator use it:
a Likert section split by health territory draws diverging bars (the lower half of the scale left
of 0), the small territories gathered into « Autres territoires » for the ARS and shown one by
one to the administrator; the free-text answers are listed to the administrator only, and the
export link carries the view on screen. (test_every_page.py walks the board for every role.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboards.conftest import ARTIFACTS, logged_in_page, new_page
from tests.dashboards.walk import drawn

# the traces of a question's chart, as plotly drew them
TRACES = """id => {
  const el = document.querySelector('#enquetes-q-' + id + ' .js-plotly-plot');
  return el ? el.data.map(t => ({name: t.name, x: t.x, y: t.y, type: t.type})) : null;
}"""
# the chart of the burn-out signs drawn with more than two groups
SPLIT = """() => {
  const el = document.querySelector('#enquetes-q-epuisement .js-plotly-plot');
  return el !== null && el.data !== undefined && el.data[0].y.length > 2;
}"""


def choose(page: Any, control: str, text: str) -> None:
    page.locator(f"#{control}").click()
    page.get_by_text(text, exact=True).click()


def open_quality_of_work_life_by_territory(page: Any, server: str) -> None:
    page.goto(server + "/enquetes")
    drawn(page)
    page.wait_for_selector("#enquetes-q-territoire .js-plotly-plot")
    choose(page, "enquetes-section", "3/ Qualité de vie au travail")
    page.locator("#enquetes-par").get_by_text("Par territoire de santé").click()
    page.wait_for_function(SPLIT)
    drawn(page)


@pytest.mark.parametrize("user", ["ars1", "admin1"])
def test_a_likert_section_by_territory_draws_diverging_bars(
    browser: Any, server: str, user: str
) -> None:
    page = new_page(browser)
    try:
        logged_in_page(page, server, user)
        open_quality_of_work_life_by_territory(page, server)
        traces = page.evaluate(TRACES, "qv_professionnelle")
        names = [t["name"] for t in traces]
        assert set(names) == {"très mauvaise", "plutôt mauvaise", "plutôt bonne", "très bonne"}
        left = [t for t in traces if t["name"] in ("très mauvaise", "plutôt mauvaise")]
        right = [t for t in traces if t["name"] in ("plutôt bonne", "très bonne")]
        assert all(x is None or x <= 0 for t in left for x in t["x"])  # unfavourable: left
        assert all(x is None or x >= 0 for t in right for x in t["x"])
        groups = traces[0]["y"]
        assert groups[0].startswith("Ensemble des répondants (n = ")
        gathered = any(g.startswith("Autres territoires") for g in groups)
        assert gathered == (user == "ars1")  # small territories gathered for the ARS only
        assert any(g.startswith("Mauriac") for g in groups) == (user == "admin1")
        # a three-point scale: the neutral middle astride 0, half each side
        evolution = page.evaluate(TRACES, "evolution")
        middle = [t for t in evolution if t["name"] == "reste identique"]
        assert len(middle) == 2 and middle[0]["x"][0] == pytest.approx(-middle[1]["x"][0])
        summary = page.inner_text("#enquetes-resume")
        if user == "ars1":
            assert "regroupés" in summary and "perturbés" in summary
        href = page.get_attribute("#enquetes-repartition-csv", "href")
        assert href is not None and "section=3" in href and "par=territory" in href
        answer = page.request.get(server + href)  # the section's table, as on screen
        assert answer.status == 200
        lines = answer.body().decode("utf-8-sig").splitlines()
        assert lines[0].startswith("Section;Question;Groupe;Répondants du groupe;Réponse")
        groups = {line.split(";")[2] for line in lines[1:]}
        assert ("Autres territoires" in groups) == (user == "ars1")
        page.screenshot(path=str(ARTIFACTS / f"enquetes-{user}.png"), full_page=True)
        assert page.console_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize(("user", "listed"), [("admin1", True), ("ars1", False), ("rrc1", False)])
def test_free_text_answers_are_listed_only_to_roles_that_may_read_them(
    browser: Any, server: str, user: str, listed: bool
) -> None:
    page = new_page(browser)
    try:
        logged_in_page(page, server, user)
        page.goto(server + "/enquetes")
        drawn(page)
        choose(page, "enquetes-section", "1/ Caractéristiques personnelles")
        page.wait_for_selector("#enquetes-q-sexe .js-plotly-plot")
        drawn(page)
        text = page.inner_text("main")
        assert ("Réponses en texte libre" in text) == listed
        assert ("salarié d'une HAD" in text or "centre de santé" in text) == listed
    finally:
        page.context.close()
