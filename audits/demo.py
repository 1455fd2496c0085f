"""The demo's completed audit: auditors simulated from the draw's sample, reading a record that
says more than the data ([audit] of config/demo.toml). A seeded generator (random.Random) makes
the same answers from the same draw.

Where the warehouse knows a question, the record contradicts it with the chance `disagree` gives
for its value (a patient information written in a letter, not ticked on the fiche; a PPS found
in the record that the PPS software never sent); where it cannot judge (a quorum not traced),
the record says oui with chance `unknown_yes`. The auditor-only questions follow `yes` and
`guideline`. A few fiches are not returned, and `bad_rows` rows carry the mistakes an auditor
makes (a "peut-être", a fiche that was not drawn, a mandatory answer left blank), which the
import quarantines.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import polars as pl

from audits.grid import NO, YES, Grid, Question
from audits.sheet import prefilled
from rrc.settings import load_toml


@dataclass(frozen=True)
class Plan:
    grid: str
    c3: str
    period: str
    per: str
    n: int
    seed: int
    unknown_yes: float
    not_returned: float
    bad_rows: int
    disagree: dict[str, list[float]]
    yes: dict[str, float]
    guideline: dict[str, float]


def plan() -> Plan:
    raw = load_toml("demo.toml").get("audit", {})
    return Plan(
        str(raw.get("grid", "has_rcp")),
        str(raw.get("c3", "C3-01")),
        str(raw.get("period", "2013")),
        str(raw.get("per", "rcp")),
        int(raw.get("n", 15)),
        int(raw.get("seed", 2013)),
        float(raw.get("unknown_yes", 0.7)),
        float(raw.get("not_returned", 0.03)),
        int(raw.get("bad_rows", 3)),
        {k: [float(x) for x in v] for k, v in raw.get("disagree", {}).items()},
        {k: float(v) for k, v in raw.get("yes", {}).items()},
        {k: float(v) for k, v in raw.get("guideline", {}).items()},
    )


def _answer(q: Question, row: dict[str, Any], p: Plan, rng: random.Random) -> str | None:
    known = prefilled(q, row.get(q.prefill)) if q.prefill else None
    if q.type == "date":
        rcp: dt.date = row["rcp_date"]
        chance = p.disagree.get(q.id, [0.0, 0.0])
        if known is not None:
            if rng.random() < chance[0]:
                later = dt.date.fromisoformat(known) + dt.timedelta(days=rng.randint(3, 25))
                return later.isoformat()
            return known
        if rng.random() < chance[1]:
            return (rcp + dt.timedelta(days=rng.randint(5, 45))).isoformat()
        return None
    if q.type == "choice":
        shares = p.guideline or {q.choices[0]: 1.0}
        return rng.choices(list(shares), weights=list(shares.values()))[0]
    if q.prefill is None:
        return YES if rng.random() < p.yes.get(q.id, 0.5) else NO
    if known is None:
        return YES if rng.random() < p.unknown_yes else NO
    flip = p.disagree.get(q.id, [0.0, 0.0])[0 if known == YES else 1]
    if rng.random() < flip:
        return NO if known == YES else YES
    return known


def answers(grid: Grid, sample: pl.DataFrame, p: Plan) -> dict[int, dict[str, Any]]:
    """line -> the values the auditors wrote (missing lines: not returned)."""
    rng = random.Random(p.seed)
    out: dict[int, dict[str, Any]] = {}
    for row in sample.sort("line").to_dicts():
        if rng.random() < p.not_returned:
            continue
        filled: dict[str, Any] = {"fiche_id": row["fiche_id"]}
        filled |= {q.id: _answer(q, row, p, rng) for q in grid.questions}
        out[int(row["line"])] = filled
    mistakes = [
        lambda r: r | {grid.questions[0].id: "peut-être"},
        lambda r: r | {"fiche_id": "dcc:0", "commentaire": "fiche recopiée d'un autre audit"},
        lambda r: r | {next(q.id for q in grid.questions if q.mandatory): None},
    ]
    lines = sorted(out)
    for k, line in enumerate(rng.sample(lines, min(p.bad_rows, len(lines)))):
        out[line] = mistakes[k % len(mistakes)](out[line])
    return out
