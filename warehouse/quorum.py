"""The RCP quorum rules (config/quorum_rules.toml) and their evaluation on one session's
attendance. The warehouse applies them in the model `core.fact_quorum_verdict`
(warehouse/models/core/fact_quorum_verdict.py); the demo region builds its attendance from them.

A rule is met when the physicians who attended can be matched, each physician counting for one
specialty only, so that the rule's required groups are all covered, at least `min_physicians`
physicians took part and at least `min_distinct_specialties` specialties are represented. Written
opinions count only where the rule says so. A session with no attendance recorded is `unknown`,
not `not_met`; so is one whose RCP type or organ has no rule in force that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product

from rrc.errors import ConfigError
from rrc.settings import load_toml

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"


@dataclass(frozen=True)
class Rule:
    id: str
    applies_to: str
    min_physicians: int
    min_distinct_specialties: int
    written_opinion_counts: bool
    valid_from: date
    valid_to: date | None
    required: tuple[tuple[str, ...], ...]

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Attendee:
    prof_id: str
    specialties: tuple[str, ...]
    mode: str  # present, visio, avis_ecrit


@dataclass(frozen=True)
class Verdict:
    status: str
    rule_id: str | None
    physicians: int
    missing: tuple[str, ...]  # one entry per uncovered required group, e.g. "radiotherapie"


def load_rules(raw: dict | None = None) -> list[Rule]:
    raw = raw or load_toml("quorum_rules.toml")
    rules = []
    for r in raw.get("rule", []):
        if r["min_physicians"] < 3:
            raise ConfigError(
                f"quorum rule {r['id']}: min_physicians must be at least 3",
                hint="the national rule is at least 3 physicians",
            )
        rules.append(
            Rule(
                id=r["id"],
                applies_to=r["applies_to"],
                min_physicians=r["min_physicians"],
                min_distinct_specialties=r["min_distinct_specialties"],
                written_opinion_counts=bool(r.get("written_opinion_counts", False)),
                valid_from=r["valid_from"],
                valid_to=r.get("valid_to"),
                required=tuple(tuple(g) for g in r["required"]),
            )
        )
    return rules


def rule_for(rules: Sequence[Rule], applies_to: str | None, day: date) -> Rule | None:
    for rule in rules:
        if rule.applies_to == applies_to and rule.in_force(day):
            return rule
    return None


def _match(slots: list[set[str]], people: list[tuple[str, ...]]) -> list[int | None]:
    """Maximum bipartite matching of slots (acceptable specialties) to people (Kuhn's
    algorithm; a session has a handful of physicians). Returns the person of each slot."""
    owner: dict[int, int] = {}

    def augment(slot: int, seen: set[int]) -> bool:
        for p, specs in enumerate(people):
            if p in seen or not slots[slot] & set(specs):
                continue
            seen.add(p)
            if p not in owner or augment(owner[p], seen):
                owner[p] = slot
                return True
        return False

    for slot in range(len(slots)):
        augment(slot, set())
    by_slot: list[int | None] = [None] * len(slots)
    for p, slot in owner.items():
        by_slot[slot] = p
    return by_slot


def evaluate(rule: Rule | None, attendees: Iterable[Attendee]) -> Verdict:
    """The verdict of one rule on one session's attendance.

    Each physician counts for one of their specialties: every way of choosing is tried (only
    physicians with two specialties branch), and the rule is met if one choice covers the
    required groups with distinct physicians and enough distinct specialties."""
    attendees = list(attendees)
    if not attendees or rule is None:
        return Verdict(UNKNOWN, rule.id if rule else None, 0, ())
    counted = [a for a in attendees if rule.written_opinion_counts or a.mode != "avis_ecrit"]
    groups = [set(g) for g in rule.required]
    fewest: tuple[str, ...] | None = None
    for choice in product(*(a.specialties or ("",) for a in counted)):
        by_group = _match(groups, [(c,) for c in choice])
        missing = tuple(rule.required[i][0] for i, p in enumerate(by_group) if p is None)
        distinct = len({c for c in choice if c})
        if (
            not missing
            and len(counted) >= rule.min_physicians
            and distinct >= rule.min_distinct_specialties
        ):
            return Verdict(MET, rule.id, len(counted), ())
        # the fewest groups any choice leaves open; of as few, the first in alphabetical order,
        # so that the verdict does not depend on the order attendees or specialties come in
        if fewest is None or (len(missing), missing) < (len(fewest), fewest):
            fewest = missing
    return Verdict(NOT_MET, rule.id, len(counted), fewest or ())
