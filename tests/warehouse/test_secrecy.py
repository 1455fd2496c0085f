"""Statistical secrecy on literal tables: what is masked, and that nothing masked can be
recomputed from what stays visible."""

from __future__ import annotations

import polars as pl
import pytest

from rrc.errors import ConfigError
from warehouse.read import secrecy
from warehouse.read.secrecy import QueryRules, Relation, suppress


def test_small_counts_are_masked_and_zero_stays() -> None:
    frame = pl.DataFrame({"c3": ["A", "B", "C", "D"], "dossiers": [120, 4, 0, 60]})
    masked = suppress(frame, ["dossiers"], 11)
    # 4 is small; alone it would be total - 180: the smallest other non-zero cell (60) goes too
    assert masked == {(1, "dossiers"), (3, "dossiers")}


def test_two_small_cells_protect_each_other() -> None:
    frame = pl.DataFrame({"c3": ["A", "B", "C"], "dossiers": [120, 4, 7]})
    assert suppress(frame, ["dossiers"], 11) == {(1, "dossiers"), (2, "dossiers")}


def test_groups_have_their_own_totals() -> None:
    frame = pl.DataFrame({"year": [2012, 2013], "dossiers": [5, 300]})
    # one cell per year: each year's total is the cell itself, nothing else to mask
    assert suppress(frame, ["dossiers"], 11, groups=["year"]) == {(0, "dossiers")}


def test_row_relation_and_columns_reach_a_fixed_point() -> None:
    frame = pl.DataFrame(
        {
            "month": [1, 2, 3],
            "dossiers": [100, 50, 80],
            "registered": [3, 20, 30],
            "discussed": [97, 30, 50],
        }
    )
    rel = [Relation.parse("dossiers = registered + discussed", "q")]
    masked = suppress(frame, ["dossiers", "registered", "discussed"], 11, relations=rel)
    assert (0, "registered") in masked
    assert_no_cell_recomputable(frame, masked, ["dossiers", "registered", "discussed"], rel)


def test_rates_follow_their_counts() -> None:
    frame = pl.DataFrame(
        {
            "c3": ["A", "B", "C", "D"],
            "met": [95, 5, 6, 200],
            "dossiers": [100, 50, 60, 220],
            "pct": [95.0, 10.0, 10.0, 90.9],
        }
    )
    rules = QueryRules(
        "q",
        counts=("met", "dossiers"),
        rates=(secrecy.Rate.parse("pct", "met / dossiers", "q"),),
    )
    out = secrecy.apply(frame, rules, 11)
    # A: 5 not met is a small count; B and C: 5 and 6 met; D: nothing small
    assert out["pct"].to_list() == [None, None, None, 90.9]
    assert out["met"].to_list() == [95, None, None, 200]


def test_unknown_query_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"secrecy\.toml"):
        secrecy.SecrecyConfig(11).rules("nowhere")


def assert_no_cell_recomputable(
    frame: pl.DataFrame, masked: set[tuple[int, str]], counts: list[str], relations: list[Relation]
) -> None:
    """Auditor: every linked set holds zero or at least two masked cells."""
    for cells in secrecy.linked_sets(frame, counts, (), relations):
        assert sum(cell in masked for cell in cells) != 1, cells
