"""The filter a table sends when the server filters it: what the filter row writes is read and
applied as the table would, and what it cannot read is refused in French, never ignored."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.table_filter import FilterError, Term, apply, page, parse

CHECKS = pl.DataFrame(
    {
        "check": ["Fiche sans séance", "Date future", "Doublon d'identité", None],
        "violated": [12, 0, 3, 7],
        "pct": [0.5, 0.0, 0.125, 1.25],
    }
)


def test_the_filter_row_expressions_are_read_with_their_case_and_quotes() -> None:
    assert parse(None) == [] and parse("  ") == []
    assert parse('{check} icontains "même fiche" && {violated} > 10') == [
        Term("check", "contains", "même fiche"),
        Term("violated", "gt", "10"),
    ]
    assert parse("{check} scontains Date") == [Term("check", "contains", "Date", True)]
    assert parse("{violated} ge 3 and {check} is blank") == [
        Term("violated", "ge", "3"),
        Term("check", "blank"),
    ]
    assert parse(r"{check} icontains 'l\'identité'") == [Term("check", "contains", "l'identité")]
    assert parse("{check} datestartswith `2013-0`") == [Term("check", "datestartswith", "2013-0")]


def test_text_matches_ignore_case_and_numbers_compare_as_numbers() -> None:
    def checks(query: str) -> list[str | None]:
        return apply(CHECKS, parse(query))["check"].to_list()

    assert checks("{check} icontains DOUBLON") == ["Doublon d'identité"]
    assert checks("{check} scontains DOUBLON") == []
    assert checks("{violated} > 5") == ["Fiche sans séance", None]  # 12 > 5, not "12" < "5"
    assert checks("{pct} <= 0,125") == ["Date future", "Doublon d'identité"]
    assert checks("{violated} = 3") == ["Doublon d'identité"]
    assert checks("{check} is blank") == [None]
    assert checks("{check} icontains i && {violated} > 5") == ["Fiche sans séance"]


def test_what_the_server_does_not_read_is_refused_in_french() -> None:
    for query, said in (
        ("{check} icontains a || {violated} > 1", "seuls les filtres par colonne"),
        ("check contains a", "filtre non compris"),
        ("{check} resembles a", "opérateur de filtre non compris"),
        ("{check} icontains", "valeur de filtre absente"),
    ):
        with pytest.raises(FilterError, match=said):
            parse(query)
    with pytest.raises(FilterError, match="colonne de filtre inconnue : organe"):
        apply(CHECKS, parse("{organe} icontains sein"))
    with pytest.raises(FilterError, match="attend un nombre"):
        apply(CHECKS, parse("{violated} > beaucoup"))


def test_a_page_is_filtered_then_sorted_then_cut() -> None:
    found = page(CHECKS, "{violated} >= 0", [{"column_id": "violated", "direction": "desc"}], 0, 3)
    assert found.rows["violated"].to_list() == [12, 7, 3]
    assert (found.matched, found.page_count) == (4, 2)
    last = page(CHECKS, "", [{"column_id": "check", "direction": "asc"}], 1, 3)
    assert last.rows["check"].to_list() == [None]  # nulls last, whatever the direction
    assert page(CHECKS, "{violated} > 100", None, 0, 3).page_count == 1  # no row: one page
    beyond = page(CHECKS, "{violated} > 5", None, 4, 3)  # the filter left one page
    assert (beyond.current, beyond.rows["violated"].to_list()) == (0, [12, 7])
