"""Statistical secrecy of a survey's answers (warehouse/read/surveys.py) on literal groups: small
groups gathered or masked, no view leaving a small group by difference from the whole, the
same set of respondents reading the same in every view, and the differencing attack between the
territory view, a territory alone and the whole, which exact figures lose and the noise wins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from warehouse.read.secrecy import SecrecyConfig, gather_small
from warehouse.read.surveys import OTHERS, SELECTION, Result, View, build

CFG = SecrecyConfig(threshold=11, max_noise=3)
TERRITORIES = {"T1": "Aurillac", "T2": "Mauriac", "T3": "Saint-Flour", "T4": "Brioude"}
PROFESSIONS = {"med": "Médecin", "inf": "Infirmier(e)", "kin": "Kiné"}


def codebook(binary: int = 1) -> pl.DataFrame:
    """A codebook: territory, profession, and `binary` yes/no questions."""
    rows = []

    def question(qid: str, splits: str | None, options: dict[str, str]) -> None:
        for i, (code, label) in enumerate(options.items(), start=1):
            rows.append({"question_id": qid, "position": len(rows) + 1, "section": "S",
                         "label": qid, "qtype": "single", "max_choices": None, "ranked": False,
                         "reverse": False, "unit": None, "of_question": None, "splits": splits,
                         "option_code": code, "option_position": i, "option_label": label,
                         "side": None})  # fmt: skip

    question("territoire", "territory", TERRITORIES)
    question("profession", "profession", PROFESSIONS)
    for n in range(binary):
        question(f"q{n}", None, {"oui": "oui", "non": "non"})
    return pl.DataFrame(rows)


def respondents(cells: dict[tuple[str, str], int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"territory_code": t, "profession": p, "respondents": n} for (t, p), n in cells.items()],
        schema={"territory_code": pl.String, "profession": pl.String, "respondents": pl.Int64},
    )


def answers(
    cells: dict[tuple[str, str], int], yes: dict[tuple[str, str], list[int]] | None = None
) -> pl.DataFrame:
    """The mart's rows: the split questions answered by all, q<n> 'oui' by yes[cell][n]."""
    rows = []
    for (t, p), n in cells.items():
        for code in TERRITORIES:
            rows.append(("territoire", code, t, p, n if code == t else 0, n))
        for code in PROFESSIONS:
            rows.append(("profession", code, t, p, n if code == p else 0, n))
        for q, y in enumerate((yes or {}).get((t, p), [])):
            rows += [(f"q{q}", "oui", t, p, y, n), (f"q{q}", "non", t, p, n - y, n)]
    return pl.DataFrame(
        rows,
        schema=["question_id", "option_code", "territory_code", "profession", "respondents",
                "answered"],
        orient="row",
    )  # fmt: skip


CELLS = {
    ("T1", "med"): 20,
    ("T1", "inf"): 14,
    ("T1", "kin"): 3,
    ("T2", "med"): 4,
    ("T2", "inf"): 3,
    ("T3", "inf"): 16,
    ("T3", "kin"): 6,
    ("T4", "med"): 9,
}


def view(by: str | None = None, **selection: str) -> Result:
    return build(View("s", by, **selection), codebook(), respondents(CELLS), answers(CELLS), CFG)


def true_size(r: Result, key: str) -> int:
    """The true respondents of a shown group of `r` (from the literal cells)."""
    v = r.view
    sel = {c: n for c, n in CELLS.items() if (v.territory in (None, c[0]))
           and (v.profession in (None, c[1]))}  # fmt: skip
    if key == SELECTION:
        return sum(sel.values())
    axis = 0 if v.by == "territory" else 1
    names = TERRITORIES if v.by == "territory" else PROFESSIONS
    group = next(g for g in r.groups if g.key == key)
    keys = {k for k, lab in names.items() if lab in group.members} if key == OTHERS else {key}
    return sum(n for c, n in sel.items() if c[axis] in keys)


@pytest.mark.parametrize(
    ("sizes", "alone", "gathered"),
    [
        ({"a": 30, "b": 25, "c": 4}, ["a"], ["b", "c"]),  # c alone would leave 4: b joins it
        ({"a": 30, "b": 12, "c": 4, "d": 8}, ["a", "b"], ["c", "d"]),  # 4 + 8 reach 11
        ({"a": 30, "b": 25}, ["a", "b"], []),
        ({"a": 5, "b": 3}, [], ["a", "b"]),  # together still small: everything gathered
        ({"a": 30, "b": 0, "c": 11}, ["a", "c"], []),  # an empty group is no group
    ],
)
def test_small_groups_are_gathered_until_what_they_leave_is_no_small_group(
    sizes: dict[str, int], alone: list[str], gathered: list[str]
) -> None:
    assert gather_small(sizes, 11) == (alone, gathered)


def test_a_role_with_nominative_rights_reads_every_group_exactly() -> None:
    r = build(View("s", "territory"), codebook(), respondents(CELLS), answers(CELLS), None)
    assert [(g.key, g.respondents) for g in r.groups] == [
        (SELECTION, 75), ("T1", 37), ("T2", 7), ("T3", 22), ("T4", 9)
    ]  # fmt: skip
    territory = r.of("territoire", SELECTION)
    assert dict(territory.select("option_code", "respondents").rows()) == {
        "T1": 37, "T2": 7, "T3": 22, "T4": 9
    }  # fmt: skip


def test_small_territories_are_gathered_into_others_and_no_shown_group_is_small() -> None:
    r = view("territory")
    keys = [g.key for g in r.groups]
    assert keys == [SELECTION, "T1", "T3", OTHERS]
    others = next(g for g in r.groups if g.key == OTHERS)
    assert others.members == ("Mauriac", "Brioude") and others.label == "Autres territoires"
    assert all(true_size(r, g.key) >= 11 for g in r.shown)
    # the territory question itself follows the rule: its small options are gathered too
    shown = r.of("territoire", SELECTION)["option_code"].to_list()
    assert shown == ["T1", "T3", OTHERS]


def test_in_a_crossed_view_the_small_professions_of_a_territory_are_gathered() -> None:
    r = view("profession", territory="T1")  # 20 médecins, 14 infirmiers, 3 kinés
    assert [g.key for g in r.groups] == [SELECTION, "med", OTHERS]  # 3 alone: 14 joins them
    assert next(g for g in r.groups if g.key == OTHERS).members == ("Infirmier(e)", "Kiné")


def test_a_selection_under_the_threshold_is_masked_whole() -> None:
    r = view("profession", territory="T2")  # 7 respondents
    assert [(g.key, g.respondents) for g in r.groups] == [(SELECTION, None)]
    assert r.answers.height == 0


def test_with_merge_off_the_small_groups_are_masked_not_gathered() -> None:
    cfg = replace(CFG, survey_merge=False)
    r = build(View("s", "territory"), codebook(), respondents(CELLS), answers(CELLS), cfg)
    assert [(g.key, g.masked) for g in r.groups] == [
        (SELECTION, False), ("T1", False), ("T3", False), ("T2", True), ("T4", True)
    ]  # fmt: skip
    assert r.answers.filter(pl.col("group").is_in(["T2", "T4"])).height == 0


def test_the_same_set_of_respondents_reads_the_same_in_every_view() -> None:
    """T3 alone (by territory), the selection T3, and T3's share of the territory question in
    the whole: one set, one count; T1's médecins crossed either way: one count."""
    t3 = {g.key: g.respondents for g in view("territory").groups}["T3"]
    assert view(territory="T3").selection.respondents == t3
    whole = view().of("territoire", SELECTION)
    assert dict(whole.select("option_code", "respondents").rows())["T3"] == t3
    by_prof = {g.key: g.respondents for g in view("profession", territory="T1").groups}
    by_terr = {g.key: g.respondents for g in view("territory", profession="med").groups}
    assert by_prof["med"] == by_terr["T1"]


def split_views() -> Iterable[View]:
    """Every split view: by territory for all or one profession, and the other way round (a
    selection on the dimension split by holds one part, a view without a split none)."""
    yield from (View("s", "territory", None, p) for p in [None, *PROFESSIONS])
    yield from (View("s", "profession", t, None) for t in [None, *TERRITORIES])


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(list(TERRITORIES)), st.sampled_from(list(PROFESSIONS))),
        st.integers(1, 40),
        min_size=1,
        max_size=12,
    )
)
def test_no_view_shows_a_small_group_nor_leaves_one_by_difference(
    cells: dict[tuple[str, str], int],
) -> None:
    """For every selection and split: each group shown holds at least `threshold` respondents,
    and the selection minus the parts shown alone is 0 or at least `threshold` respondents
    (gathered, or masked with merge off)."""
    book, sizes, mart = codebook(), respondents(cells), answers(cells)
    for cfg in (CFG, replace(CFG, survey_merge=False)):
        for v in split_views():
            r = build(v, book, sizes, mart, cfg)
            sel = {c: n for c, n in cells.items() if v.territory in (None, c[0])
                   and v.profession in (None, c[1])}  # fmt: skip
            total = sum(sel.values())
            assert r.selection.masked == (total < 11)
            if r.selection.masked:
                continue
            axis = 0 if v.by == "territory" else 1
            alone = [g.key for g in r.groups[1:] if not g.masked and g.key != OTHERS]
            for key in alone:
                assert sum(n for c, n in sel.items() if c[axis] == key) >= 11
            left = total - sum(n for c, n in sel.items() if c[axis] in alone)
            assert left == 0 or left >= 11, (v, sel)


ATTACKS = {
    # Saint-Flour (4) is gathered with Mauriac (25) in the territory split; Mauriac is shown
    # alone as its own selection: « Autres territoires » minus Mauriac is Saint-Flour
    "a territory alone and « Autres territoires »": (
        {("T1", "med"): 30, ("T2", "med"): 25, ("T3", "med"): 4},
        (View("s", "territory"), OTHERS),
        (View("s", territory="T2"), SELECTION),
        ("T3", "med"),
    ),
    # Aurillac has 30 médecins and 4 kinés: the territory view shows Aurillac (34), the médecins
    # split by territory show Aurillac's médecins (30): the difference is its 4 kinés
    "a territory and its médecins in the profession's split": (
        {("T1", "med"): 30, ("T1", "kin"): 4, ("T2", "med"): 25, ("T2", "kin"): 14},
        (View("s", territory="T1"), SELECTION),
        (View("s", "territory", profession="med"), "T1"),
        ("T1", "kin"),
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_differencing_two_views_recovers_a_small_group_only_without_noise(attack: str) -> None:
    """The attacker subtracts one published group from another, for each of 60 yes/no
    questions, to read the small group's 'oui'. With exact counts that gives every answer back;
    with the published ones, no better than always saying the most frequent value."""
    cells, (minuend, big), (subtrahend, small), target = ATTACKS[attack]
    questions = 60
    yes = {c: [(q * 7 + i) % (n + 1) for q in range(questions)]
           for i, (c, n) in enumerate(cells.items())}  # fmt: skip
    book, sizes, mart = codebook(questions), respondents(cells), answers(cells, yes)
    truth = yes[target]

    def guesses(cfg: SecrecyConfig) -> list[int]:
        a = build(minuend, book, sizes, mart, cfg)
        b = build(subtrahend, book, sizes, mart, cfg)
        assert big in {g.key for g in a.shown} and small in {g.key for g in b.shown}
        out = []
        for q in range(questions):
            yes_a = a.of(f"q{q}", big).filter(pl.col("option_code") == "oui")["respondents"]
            yes_b = b.of(f"q{q}", small).filter(pl.col("option_code") == "oui")["respondents"]
            out.append(int(yes_a[0]) - int(yes_b[0]))
        return out

    exact = replace(CFG, max_noise=0)  # no noise: what publishing exact counts would give
    assert guesses(exact) == truth  # the attack works: the test can fail
    hits = sum(g == t for g, t in zip(guesses(CFG), truth, strict=True))
    chance = max(truth.count(v) for v in set(truth)) / len(truth)
    test = binomtest(hits, len(truth), chance, alternative="greater")
    assert test.pvalue > 0.01, (hits, chance)
