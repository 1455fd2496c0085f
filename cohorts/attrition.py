"""The attrition table: patients and dossiers left after each criterion, in the definition's order,
with statistical secrecy for readers without nominative rights.

For them, a count in 1..threshold-1 reads "< 11", and every other count is perturbed by the
noise of its *set* (warehouse/read/secrecy.py): the noise is drawn from a digest of the patients
(or dossiers) counted, so the same set reads the same whatever the criteria, their order or how
often it is asked for, and two definitions that differ by a few patients differ by those
patients plus two independent noises. The patients excluded by a step are a set too (their
digest is the difference of the two steps'), published the same way: never as the difference of
two published counts. The perturbed counts are then rounded to `[cohorts] rounding` (5): the
difference of two neighbouring definitions is a multiple of 5, which says little about the few
patients between them. Repeated overlapping definitions could average the noise away; the number
of counts a researcher without nominative rights may ask for each day is limited for that
(cohorts/service.py, `[cohorts] daily_counts` in config/secrecy.toml).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cohorts import query
from cohorts.definition import Definition
from warehouse.read.formats import french
from warehouse.read.secrecy import SecrecyConfig, hidden_text, perturbed

POPULATION_LABEL = "Population de l'entrepôt"


@dataclass(frozen=True)
class Count:
    """A published count: its value (None when masked) and how it reads in French."""

    value: int | None
    text: str


def publish(value: int, identity: str, secrecy: SecrecyConfig | None) -> Count:
    """A count as it reads: exact when `secrecy` is None (nominative rights), else 0, "< 11" or
    perturbed by the noise of the set `identity` names."""
    if secrecy is None:
        return Count(value, french(value))
    shown = perturbed(identity, value, secrecy.threshold, secrecy.max_noise)
    if shown is None:
        return Count(None, hidden_text(secrecy.threshold))
    base = secrecy.cohort_rounding
    if base > 1 and shown:  # two neighbouring definitions then differ by a multiple of the base
        shown = max(secrecy.threshold, base * round(shown / base))
    return Count(shown, french(shown))


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
    con: duckdb.DuckDBPyConnection, definition: Definition, secrecy: SecrecyConfig | None
) -> list[Step]:
    """The attrition table; `secrecy` None means no masking (nominative rights)."""
    raw = query.counts(con, definition)
    sets = query.digests(con, definition) if secrecy is not None else [("", "")] * len(raw)
    names = [("population", POPULATION_LABEL, "")]
    names += [(c.name, c.spec.label, c.describe()) for c in definition.criteria]
    out = []
    for k, (name, text, rule) in enumerate(names):
        (p, d), (pset, dset) = raw[k], sets[k]
        patients = publish(p, f"cohort:patients|{pset}", secrecy)
        dossiers = publish(d, f"cohort:dossiers|{dset}", secrecy)
        if k == 0:
            excluded = Count(None, "")
        else:
            gone = f"cohort:patients|{int(sets[k - 1][0] or 0) - int(pset or 0)}"
            excluded = publish(raw[k - 1][0] - p, gone, secrecy)
        out.append(Step(k, name, text, rule, patients, dossiers, excluded))
    return out
