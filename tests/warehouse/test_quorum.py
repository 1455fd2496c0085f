"""Quorum rules on literal cases."""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.quorum import MET, NOT_MET, UNKNOWN, Attendee, Rule, evaluate, load_rules, rule_for

SEIN_2008 = Rule(
    "sein-2008",
    "sein",
    3,
    3,
    False,
    date(2008, 1, 1),
    date(2013, 6, 30),
    (("chirurgie_gynecologique",), ("oncologie_medicale",), ("radiotherapie",)),
)
SEIN_2013 = Rule(
    "sein-2013",
    "sein",
    4,
    4,
    False,
    date(2013, 7, 1),
    None,
    (("chirurgie_gynecologique",), ("oncologie_medicale",), ("radiotherapie",), ("radiologie",)),
)
HEMATO = Rule(
    "hematologie",
    "hematologie",
    3,
    2,
    True,
    date(2008, 1, 1),
    None,
    (("hematologie",), ("anatomopathologie", "radiologie")),
)


def doc(i: int, *specs: str, mode: str = "present") -> Attendee:
    return Attendee(f"p{i}", specs, mode)


def test_three_physicians_of_the_required_specialties_meet_the_rule() -> None:
    v = evaluate(
        SEIN_2008,
        [doc(1, "chirurgie_gynecologique"), doc(2, "oncologie_medicale"), doc(3, "radiotherapie")],
    )
    assert (v.status, v.missing, v.physicians) == (MET, (), 3)


def test_a_missing_specialty_is_named() -> None:
    v = evaluate(
        SEIN_2008,
        [doc(1, "chirurgie_gynecologique"), doc(2, "oncologie_medicale"), doc(3, "radiologie")],
    )
    assert (v.status, v.missing) == (NOT_MET, ("radiotherapie",))


def test_a_physician_with_two_specialties_counts_once() -> None:
    # an oncologist-radiotherapist cannot stand for both oncology and radiotherapy
    v = evaluate(
        SEIN_2008,
        [
            doc(1, "chirurgie_gynecologique"),
            doc(2, "oncologie_medicale", "radiotherapie"),
            doc(3, "radiologie"),
        ],
    )
    assert v.status == NOT_MET
    # but may stand for either, whichever the others leave open
    v = evaluate(
        SEIN_2008,
        [
            doc(1, "chirurgie_gynecologique"),
            doc(2, "oncologie_medicale"),
            doc(3, "oncologie_medicale", "radiotherapie"),
        ],
    )
    assert v.status == MET


def test_two_physicians_are_never_enough_even_covering_everything() -> None:
    v = evaluate(HEMATO, [doc(1, "hematologie"), doc(2, "anatomopathologie")])
    assert v.status == NOT_MET and v.missing == ()


def test_a_written_opinion_counts_only_where_the_rule_says_so() -> None:
    written = [
        doc(1, "chirurgie_gynecologique"),
        doc(2, "oncologie_medicale"),
        doc(3, "radiotherapie", mode="avis_ecrit"),
    ]
    assert evaluate(SEIN_2008, written).status == NOT_MET
    hemato = [
        doc(1, "hematologie"),
        doc(2, "hematologie"),
        doc(3, "anatomopathologie", mode="avis_ecrit"),
    ]
    assert evaluate(HEMATO, hemato).status == MET


def test_a_rule_that_changes_on_an_effective_date() -> None:
    rules = [SEIN_2008, SEIN_2013]
    team = [
        doc(1, "chirurgie_gynecologique"),
        doc(2, "oncologie_medicale"),
        doc(3, "radiotherapie"),
    ]
    before = rule_for(rules, "sein", date(2013, 6, 30))
    after = rule_for(rules, "sein", date(2013, 7, 1))
    assert before is SEIN_2008 and after is SEIN_2013
    assert evaluate(before, team).status == MET
    v = evaluate(after, team)
    assert (v.status, v.missing) == (NOT_MET, ("radiologie",))


def test_a_session_with_no_attendance_is_unknown_not_unmet() -> None:
    assert evaluate(SEIN_2008, []).status == UNKNOWN


def test_no_rule_in_force_is_unknown() -> None:
    assert rule_for([SEIN_2008], "sein", date(2014, 1, 1)) is None
    assert evaluate(None, [doc(1, "radiotherapie")]).status == UNKNOWN


def test_the_shipped_rules_load_and_require_three_physicians_at_least() -> None:
    rules = load_rules()
    assert {r.applies_to for r in rules} >= {"sein", "digestif", "pluri"}
    assert all(r.min_physicians >= 3 for r in rules)


def test_a_rule_under_three_physicians_is_refused() -> None:
    from rrc.errors import ConfigError

    raw = {
        "rule": [
            {
                "id": "x",
                "applies_to": "sein",
                "min_physicians": 2,
                "min_distinct_specialties": 2,
                "valid_from": date(2010, 1, 1),
                "required": [["radiotherapie"]],
            }
        ]
    }
    with pytest.raises(ConfigError, match="at least 3"):
        load_rules(raw)


def test_the_missing_specialties_do_not_depend_on_the_order_attendees_come_in() -> None:
    # an oncologist-radiotherapist leaves either specialty open: the verdict names the same one
    # whatever the order of the attendees and of their specialties (sources list them apart)
    people = [
        doc(1, "chirurgie_gynecologique"),
        doc(2, "radiotherapie", "oncologie_medicale"),
        doc(3, "radiologie"),
        doc(4, "anatomopathologie"),
    ]
    swapped = [*people[:1], doc(2, "oncologie_medicale", "radiotherapie"), *people[2:]]
    verdicts = {evaluate(SEIN_2013, p) for p in (people, people[::-1], swapped, swapped[::-1])}
    assert len(verdicts) == 1
    [v] = verdicts
    assert (v.status, v.missing) == (NOT_MET, ("oncologie_medicale",))
