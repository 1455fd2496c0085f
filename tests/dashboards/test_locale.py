"""The boards' date pickers speak French in a browser that does not (Chromium here says en-US)."""

from __future__ import annotations

import re

from tests.dashboards.conftest import screenshot

ENGLISH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Mo|Tu|We|Th|Fr|Sa|Su)\b"
)
FRENCH_MONTH = re.compile(
    r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b"
)


def test_the_cohort_date_picker_names_months_and_days_in_french(page, server) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("navigator.language").startswith("en")  # the test means something
    page.goto(f"{server}/cohortes")
    page.click("#cohorte-debut")
    calendar = page.locator(".dash-datepicker-calendar-wrapper, [class*=calendar]").first
    calendar.wait_for()
    text = calendar.inner_text()
    assert calendar.locator("input[type=number]").input_value() == "2013"  # latest data year
    screenshot(page, "cohortes-calendrier")
    assert FRENCH_MONTH.search(text), text
    assert not ENGLISH.search(text), text
    assert page.console_errors == []
