"""The attrition table: patients and dossiers left after each criterion, in the definition's order,
with statistical secrecy for readers without nominative rights.

A count in 1..threshold-1 is masked. So is a count whose difference from the last *published*
count above it is in 1..threshold-1: the excluded patients could otherwise be recomputed by
subtraction. Comparing with the last published count (not the previous row) also covers a run of
masked rows: their total difference from the row above them stays hidden too.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cohorts import query
from cohorts.definition import Definition
from warehouse.read.secrecy import label, mask_count, small

POPULATION_LABEL = "Population de l'entrepôt"


MASKED = "masqué"  # a count hidden because a neighbour would give a small difference away


@dataclass(frozen=True)
class Count:
    """A published count: its value (None when masked) and how it reads in French."""

    value: int | None
    text: str


def published(values: list[int], threshold: int | None) -> list[Count]:
    """Counts along the steps, masked where small ("< 11") or where they differ from the last
    published count by a small number ("masqué"); `threshold` None masks nothing."""
    out: list[Count] = []
    last: int | None = None
    for v in values:
        if threshold is not None and mask_count(v, threshold) is None:
            out.append(Count(None, label(None, threshold)))
        elif threshold is not None and last is not None and small(last - v, threshold):
            out.append(Count(None, MASKED))
        else:
            out.append(Count(v, str(v)))
            last = v
    return out


@dataclass(frozen=True)
class Step:
    step: int  # 0 = the population, then one per criterion
    criterion: str
    label: str
    rule: str
    patients: Count
    dossiers: Count
    excluded: Count  # patients excluded by this step (none for the population)

    def row(self) -> dict[str, object]:
        """The step as a French table row."""
        return {
            "Étape": self.step,
            "Critère": self.label,
            "Condition": self.rule,
            "Patients": self.patients.text,
            "Dossiers": self.dossiers.text,
            "Patients exclus": self.excluded.text,
        }


def steps(
    con: duckdb.DuckDBPyConnection, definition: Definition, threshold: int | None
) -> list[Step]:
    """The attrition table; `threshold` None means no masking (nominative rights)."""
    raw = query.counts(con, definition)
    patients = published([p for p, _ in raw], threshold)
    dossiers = published([d for _, d in raw], threshold)
    names = [("population", POPULATION_LABEL, "")]
    names += [(c.name, c.spec.label, c.describe()) for c in definition.criteria]
    out = []
    for k, (name, text, rule) in enumerate(names):
        before, now = patients[k - 1].value if k else None, patients[k].value
        if k == 0:
            excluded = Count(None, "")
        elif before is None or now is None:
            excluded = Count(None, MASKED)
        else:
            excluded = Count(before - now, str(before - now))
        out.append(Step(k, name, text, rule, patients[k], dossiers[k], excluded))
    return out
