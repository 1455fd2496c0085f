"""The quality page's tables in a real Chromium, paged, filtered and sorted by the server: the
pages reach every listed row, the filter row's text filters them as they read on screen, and
the counts said are the warehouse's."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.publish import Warehouse

QUARANTINE = "#qualite-quarantaine"
CHECKS = "#qualite-controles"


def _one(warehouse: Path, sql: str) -> int:
    con: duckdb.DuckDBPyConnection = Warehouse(warehouse).connect()
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _cells(page, table: str, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"{table} td[data-dash-column='{column}']").all_inner_texts()


def _filter(page, table: str, column: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(f"{table} th.dash-filter[data-dash-column='{column}'] input[type=text]")
    box.fill(text)
    box.press("Enter")


def test_the_quarantine_is_paged_and_filtered_by_the_server(server, page, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    total = _one(board_warehouse, "SELECT count(*) FROM quality.quarantine")
    mapping = _one(
        board_warehouse,
        "SELECT count(*) FROM (SELECT check_name FROM quality.quarantine ORDER BY load_id DESC, "
        "source, source_table, location, check_name, reason, left(original_row::varchar, 300) "
        "LIMIT 500) WHERE check_name = 'mapping'",  # the rows listed (queries/quarantine.sql)
    )
    assert total > 10 and 0 < mapping < min(total, 500)  # the demo's defects: several kinds
    page.goto(f"{server}/qualite")
    page.wait_for_selector(f"{QUARANTINE} td[data-dash-column='row']")
    note = page.locator("#qualite-quarantaine-note").inner_text()
    assert f"{total:,}".replace(",", "\u202f") in note, note
    first = _cells(page, QUARANTINE, "row")
    assert len(first) == 10  # one page sent, not every row
    page.locator(f"{QUARANTINE} button.next-page").click()
    page.wait_for_function(
        "(first) => { const c = document.querySelector("
        "\"#qualite-quarantaine td[data-dash-column='row']\");"
        " return c && c.innerText !== first; }",
        arg=first[0],
    )
    assert _cells(page, QUARANTINE, "row") != first

    _filter(page, QUARANTINE, "check_name", "non chargeable")  # the French name of `mapping`
    page.wait_for_function(
        "() => document.querySelector('#qualite-quarantaine-note').innerText"
        ".includes('répondent au filtre')"
    )
    note = page.locator("#qualite-quarantaine-note").inner_text()
    assert note.startswith(f"{mapping:,}".replace(",", "\u202f") + " ligne(s)"), note
    shown = _cells(page, QUARANTINE, "check_name")
    assert shown and len(shown) == min(mapping, 10)
    assert all(c == "Valeur non chargeable (correspondance)" for c in shown), shown
    assert page.console_errors == []


def test_the_check_results_are_sorted_and_filtered_by_the_server(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/qualite")
    page.wait_for_selector(f"{CHECKS} td[data-dash-column='violated']")
    assert len(_cells(page, CHECKS, "violated")) == 20  # a page of the check results
    page.locator(f"{CHECKS} th[data-dash-column='violated'] .column-header--sort").click()
    page.locator(f"{CHECKS} th[data-dash-column='violated'] .column-header--sort").click()

    def numbers() -> list[int]:
        return [int(v.replace("\u202f", "") or 0) for v in _cells(page, CHECKS, "violated")]

    page.wait_for_function(
        "() => { const c = [...document.querySelectorAll("
        "\"#qualite-controles td[data-dash-column='violated']\")].map(e => e.innerText);"
        " const n = c.map(v => parseInt(v.replace(/\\D/g, '') || '0'));"
        " return n.length > 1 && n[0] > 0 && n.every((v, i) => i === 0 || n[i - 1] >= v); }"
    )
    descending = numbers()
    assert descending == sorted(descending, reverse=True) and descending[0] > 0, descending
    _filter(page, CHECKS, "violated", "= 0")
    page.wait_for_function(
        "() => document.querySelector('#qualite-controles-note').innerText"
        ".includes('répondent au filtre')"
    )
    assert set(numbers()) == {0}
    assert page.console_errors == []
