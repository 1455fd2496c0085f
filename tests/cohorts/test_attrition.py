"""Attrition counts match independent SQL on the core tables, follow the definition's order, and
are protected for researchers (not for administrators): small ones masked, the others perturbed by
the noise of their set, so that no small count can be recomputed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from access.policy import AccessDenied, Principal, acting_as
from cohorts import query, service
from cohorts.attrition import publish
from cohorts.definition import Definition, from_dict
from tests.cohorts.conftest import BREAST
from warehouse.read.secrecy import load_secrecy, small

# the same criteria written by hand, straight on the core tables
BREAST_SQL = [
    "f.organ = 'sein'",
    "f.rcp_date between date '2013-01-01' and date '2013-06-30'",
    "f.sex = 'F'",
    "f.age between 50 and 74",
    "exists (select 1 from core.fact_proposal p where p.fiche_id = f.fiche_id"
    " and p.treatment = 'chirurgie')",
    "(select q.status from core.fact_quorum_fiche q where q.fiche_id = f.fiche_id) = 'met'",
    "not exists (select 1 from core.fact_inclusion i where i.patient_key = f.patient_key)",
]
DIGESTIVE_SQL = [
    "replace(f.icd10, '.', '') similar to '(C18|C19|C20).*'",
    "f.residence_department in ('03', '63')",
    "f.c3_id in ('C3-01', 'C3-02', 'C3-03', 'C3-04', 'C3-05')",
    "f.tnm_m like 'M0%' and (f.tnm_n like 'N0%' or f.tnm_n like 'N1%')",
    "f.case_status = 'discute'",
    "f.trial_id is null",
]


def by_hand(con: duckdb.DuckDBPyConnection, conditions: list[str]) -> list[tuple[int, int]]:
    out = []
    for k in range(len(conditions) + 1):
        where = " and ".join(["f.patient_key is not null", *conditions[:k]])
        row = con.execute(
            f"select count(distinct f.patient_key), count(*) from core.fact_fiche f where {where}"
        ).fetchone()
        out.append((row[0], row[1]))
    return out


def test_counts_match_independent_sql(con, breast: Definition, digestive: Definition) -> None:
    for definition, conditions in ((breast, BREAST_SQL), (digestive, DIGESTIVE_SQL)):
        expected = by_hand(con, conditions)
        assert query.counts(con, definition) == expected
        assert expected[-1][0] > 0, "the literal cohort should not be empty on the demo"
        assert len(set(expected)) > 3, "each criterion should remove someone"


def test_steps_follow_the_order_of_the_definition(con, breast: Definition) -> None:
    backwards = from_dict(
        {"name": "x", "criteria": dict(reversed(list(BREAST["criteria"].items())))}
    )
    forward, reverse = query.counts(con, breast), query.counts(con, backwards)
    assert forward[-1] == reverse[-1]  # the same cohort in the end
    assert forward[1] != reverse[1]  # reached through other steps
    assert forward[1] == by_hand(con, BREAST_SQL[:1])[1]
    assert reverse[1] == by_hand(con, BREAST_SQL[-1:])[1]


def test_published_counts_mask_small_ones_and_perturb_the_others() -> None:
    cfg = load_secrecy()
    counts = [publish(v, f"set-{v}", cfg) for v in (500, 495, 12, 5, 0)]
    assert [c.value is None for c in counts] == [False, False, False, True, False]
    assert counts[3].text == "< 11" and counts[4].value == 0
    for c, v in zip(counts[:3], (500, 495, 12), strict=True):
        assert c.value is not None and cfg.threshold <= c.value
        assert abs(c.value - v) <= cfg.max_noise + cfg.cohort_rounding / 2
    assert publish(495, "set-495", cfg) == counts[1]  # the same set: the same value
    assert [publish(v, "s", None).value for v in (20, 15, 9)] == [20, 15, 9]


def test_researchers_see_protected_counts_administrators_do_not(warehouse: Path, breast) -> None:
    cfg = load_secrecy()
    with acting_as(Principal.of("a1", "admin")):
        full = service.count(breast, warehouse)
    with acting_as(Principal.of("r1", "researcher")):
        shown = service.count(breast, warehouse)
        again = service.count(breast, warehouse)
    assert not full.masked and shown.masked
    assert [s.row() for s in shown.steps] == [s.row() for s in again.steps]  # no new noise
    exact = [s.patients.value for s in full.steps]
    seen = [s.patients.value for s in shown.steps]
    assert all(v is not None for v in exact)
    # the sex step drops a few men with breast cancer: a small set, "< 11", never a difference
    assert any(s.excluded.text == "< 11" for s in shown.steps)
    for value, read in zip(exact, seen, strict=True):
        assert value is not None
        if small(value, cfg.threshold):
            assert read is None  # "< 11" only, and only on 1..10
        else:
            assert read is not None and abs(read - value) <= cfg.max_noise + cfg.cohort_rounding / 2
    assert any(r != v for r, v in zip(seen, exact, strict=True) if r is not None)
    for step, true in zip(shown.steps[1:], full.steps[1:], strict=True):
        gone = true.excluded.value
        assert gone is not None
        assert (step.excluded.text == "< 11") == small(gone, cfg.threshold)


def test_criteria_order_gives_the_same_final_count_and_no_small_difference(
    warehouse: Path, breast: Definition
) -> None:
    """The issue's attack: the sex criterion first or last. The final sets are the same, so they
    read the same; the men dropped by the sex step read "< 11", never as a difference."""
    backwards = from_dict(
        {"name": "x", "criteria": dict(reversed(list(BREAST["criteria"].items())))}
    )
    with acting_as(Principal.of("r1", "researcher")):
        forward, reverse = service.count(breast, warehouse), service.count(backwards, warehouse)
    assert forward.steps[-1].patients == reverse.steps[-1].patients
    with acting_as(Principal.of("a1", "admin")):
        exact = service.count(backwards, warehouse)
    for step, true in zip(reverse.steps[1:], exact.steps[1:], strict=True):
        if true.excluded.value is not None and small(true.excluded.value, 11):
            assert step.excluded.text == "< 11"


def test_a_researcher_is_held_to_the_daily_count_budget(
    warehouse: Path, breast: Definition, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import warehouse.read.secrecy as secrecy

    cfg = secrecy.load_secrecy()
    monkeypatch.setattr(
        service, "load_secrecy", lambda: secrecy.SecrecyConfig(cfg.threshold, 3, {}, 2)
    )
    with acting_as(Principal.of("budget1", "researcher")):
        service.count(breast, warehouse)
        service.count(breast, warehouse)
        with pytest.raises(AccessDenied, match="limite de 2 comptages"):
            service.count(breast, warehouse)
    with acting_as(Principal.of("a1", "admin")):  # nominative rights: no noise, no budget
        for _ in range(3):
            service.count(breast, warehouse)


def test_a_family_of_definitions_does_not_give_back_small_differences(warehouse: Path) -> None:
    """The auditor for cohort counts: a researcher counts a family of definitions (organs × age
    bands, with and without a criterion that drops few: women only, no trial inclusion) and
    subtracts nested ones to recover the few
    patients between them. Guesses must not beat chance (always the most frequent true value);
    the same subtraction on exact counts recovers every one (the test can fail)."""
    organs = ["sein", "digestif", "thorax", "urologie", "gynecologie", "hematologie"]
    extra = [{"sex": "F"}, {"trial_inclusion": False}]
    pairs = []  # 24 pairs, 48 counts: within the daily budget
    for organ in organs:
        for more in extra:
            for low, high in [(18, 74), (75, 120)]:
                base = {"organ": [organ], "age": {"min": low, "max": high}}
                pairs.append(
                    ({"name": "a", "criteria": base}, {"name": "b", "criteria": {**base, **more}})
                )
    hits = exact_hits = cells = 0
    frequencies: dict[int, int] = {}
    with acting_as(Principal.of("family", "researcher")):
        shown = [
            (service.count(from_dict(a), warehouse), service.count(from_dict(b), warehouse))
            for a, b in pairs
        ]
    with acting_as(Principal.of("a1", "admin")):
        truth = [
            (service.count(from_dict(a), warehouse), service.count(from_dict(b), warehouse))
            for a, b in pairs
        ]
    for (sa, sb), (ta, tb) in zip(shown, truth, strict=True):
        men = (ta.patients or 0) - (tb.patients or 0)
        if not small(men, 11) or sa.patients is None or sb.patients is None:
            continue
        cells += 1
        frequencies[men] = frequencies.get(men, 0) + 1
        hits += min(max(sa.patients - sb.patients, 1), 10) == men
        exact_hits += (ta.patients or 0) - (tb.patients or 0) == men
    assert cells >= 5, "the family should meet small differences (few men, few included)"
    chance = max(frequencies.values()) / cells
    print(f"\ncohort family: {hits}/{cells} small differences guessed, chance {chance:.2f}")
    assert exact_hits == cells
    assert hits <= cells * chance + 2.33 * (cells * chance * (1 - chance)) ** 0.5 + 1, (hits, cells)
