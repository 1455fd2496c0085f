"""Attrition counts match independent SQL on the core tables, follow the definition's order, and
are masked for researchers (not for administrators) so that no small count can be recomputed."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb

from access.policy import Principal, acting_as
from cohorts import query, service
from cohorts.attrition import MASKED, published
from cohorts.definition import Definition, from_dict
from tests.cohorts.conftest import BREAST
from warehouse.read.secrecy import small

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


def test_published_counts_mask_small_ones_and_small_differences() -> None:
    counts = published([500, 495, 400, 390, 385, 5, 0], 11)
    assert [c.value for c in counts] == [500, None, 400, None, 385, None, 0]
    assert [c.text for c in counts][:2] == ["500", MASKED]
    assert counts[5].text == "< 11"
    # 390 hides 400-390; 385 differs from the last *published* count (400) by 15: shown
    assert [c.value for c in published([20, 15, 9], None)] == [20, 15, 9]


def test_researchers_see_masked_counts_administrators_do_not(warehouse: Path, breast) -> None:
    with acting_as(Principal.of("a1", "admin")):
        full = service.count(breast, warehouse)
    with acting_as(Principal.of("r1", "researcher")):
        masked = service.count(breast, warehouse)
    assert not full.masked and masked.masked
    raw = [s.patients.value for s in full.steps]
    assert all(v is not None for v in raw)
    shown = [s.patients.value for s in masked.steps]
    assert None in shown, "the demo cohort should have a masked step (few men with breast cancer)"
    last = None
    for value, seen in zip(raw, shown, strict=True):
        hidden = small(value, 11) or (last is not None and small(last - value, 11))
        assert (seen is None) == hidden
        last = last if hidden else value
    # nothing published lets a small count be recomputed
    visible = [v for v in shown if v is not None]
    assert not any(small(a - b, 11) for a, b in itertools.pairwise(visible))
    for s in masked.steps:
        if s.excluded.value is not None:
            assert not small(s.excluded.value, 11)
    rows = [s.row() for s in masked.steps]
    assert {r["Patients"] for r in rows} & {"< 11", MASKED}
