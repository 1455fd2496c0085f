"""Audit grids as data (config/audits/<id>.toml): questions, their answer type, which the
warehouse pre-fills, and what a compliant answer is.

Answer types and how an answer counts:

- `yes_no`: "oui" (compliant) or "non";
- `yes_no_na`: the same, or "sans objet" (left out of the question's denominator);
- `choice`: one of `choices`; `compliant` lists the compliant ones, `not_applicable` those left
  out of the denominator;
- `date`: an ISO date (or a spreadsheet date); compliant when it is between the fiche's `after`
  date (the session) and `within_days` days later.

A blank answer to a `mandatory` question quarantines the row; a blank answer to another question
is "not answered" and left out of that question's denominator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError
from rrc.settings import config_dir

TYPES = ("yes_no", "yes_no_na", "choice", "date")
YES, NO, NA = "oui", "non", "sans objet"
# what the warehouse may pre-fill: columns of audits/sql/frame.sql, with their answer type
PREFILLS = {
    "quorum_met": "yes_no",
    "patient_informed": "yes_no",
    "proposal_recorded": "yes_no",
    "pps_with_gp": "yes_no",
    "trial_proposed": "yes_no",
    "pps_date": "date",
}
AFTER = ("rcp_date",)
ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class GridError(ConfigError):
    """A grid cannot be used; the message names the file and the question at fault."""


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    type: str
    mandatory: bool
    help: str = ""
    prefill: str | None = None
    indicator: str | None = None
    choices: tuple[str, ...] = ()
    compliant: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    after: str | None = None
    within_days: int | None = None

    @property
    def allowed(self) -> tuple[str, ...]:
        """The answers a sheet may hold (dates: none listed)."""
        if self.type == "yes_no":
            return (YES, NO)
        if self.type == "yes_no_na":
            return (YES, NO, NA)
        return self.choices

    def parse(self, raw: object) -> str | None:
        """The answer in its canonical form (None when blank); ValueError says why not."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if self.type == "date":
            if isinstance(raw, dt.datetime):
                return raw.date().isoformat()
            if isinstance(raw, dt.date):
                return raw.isoformat()
            text = str(raw).strip()
            try:
                return dt.date.fromisoformat(text[:10] if len(text) > 10 else text).isoformat()
            except ValueError:
                raise ValueError(f"{text!r} is not a date (AAAA-MM-JJ)") from None
        text = str(raw).strip().lower()
        for allowed in self.allowed:
            if text == allowed.lower():
                return allowed
        raise ValueError(f"{str(raw).strip()!r} is not one of: {', '.join(self.allowed)}")

    def outcome(self, answer: str | None, after: dt.date | None = None) -> bool | None:
        """True compliant, False not, None left out of the denominator (blank, not applicable)."""
        if answer is None:
            return None
        if self.type == "date":
            if after is None or self.within_days is None:
                return None
            days = (dt.date.fromisoformat(answer) - after).days
            return 0 <= days <= self.within_days
        if self.type in ("yes_no", "yes_no_na"):
            return None if answer == NA else answer == YES
        if answer in self.not_applicable:
            return None
        return answer in self.compliant

    def rule(self) -> str:
        """What counts as compliant, in French (for the sheet and the report)."""
        if self.type == "date":
            return f"remis au plus {self.within_days} jours après la séance"
        if self.type == "choice":
            text = " ou ".join(f"« {c} »" for c in self.compliant)
            if self.not_applicable:
                text += "; exclus : " + ", ".join(f"« {c} »" for c in self.not_applicable)
            return text
        return "« oui »" + ("; « sans objet » exclu" if self.type == "yes_no_na" else "")


@dataclass(frozen=True)
class Grid:
    id: str
    label: str
    reference: str
    questions: tuple[Question, ...]
    sha256: str  # of the file's canonical content: recorded in each draw's manifest

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)


def _fail(path: Path, where: str, message: str, hint: str | None = None) -> GridError:
    return GridError(f"audit grid {path.name}, {where}: {message}", hint=hint)


def _strings(path: Path, where: str, value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, f"{key} must be a list of texts")
    return tuple(v.strip() for v in value)


KEYS = {
    "id", "label", "help", "type", "mandatory", "prefill", "indicator", "choices", "compliant",
    "not_applicable", "after", "within_days",
}  # fmt: skip


def _question(path: Path, k: int, raw: Any, indicators: set[str] | None) -> Question:
    if not isinstance(raw, dict):
        raise _fail(path, f"question {k}", "a [[questions]] entry must be a table")
    qid = raw.get("id")
    where = f"question {k} ({qid!r})"
    if not isinstance(qid, str) or not ID.match(qid):
        raise _fail(path, where, "id must be lower-case letters, digits and _ (e.g. quorum)")
    extra = sorted(set(raw) - KEYS)
    if extra:
        raise _fail(path, where, f"unknown key {extra[0]!r}", hint=f"keys: {', '.join(KEYS)}")
    kind = raw.get("type")
    if kind not in TYPES:
        raise _fail(path, where, f"type {kind!r} is not one of {', '.join(TYPES)}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _fail(path, where, "has no label")
    mandatory = raw.get("mandatory")
    if not isinstance(mandatory, bool):
        raise _fail(path, where, "mandatory must be true or false")
    prefill = raw.get("prefill")
    fits = (kind, "yes_no" if kind == "yes_no_na" else None)
    if prefill is not None and PREFILLS.get(prefill) not in fits:
        raise _fail(
            path,
            where,
            f"prefill {prefill!r} is not a {kind} value the warehouse knows",
            hint="prefills: " + ", ".join(f"{k} ({v})" for k, v in PREFILLS.items()),
        )
    indicator = raw.get("indicator")
    if indicator is not None and indicators is not None and indicator not in indicators:
        raise _fail(path, where, f"indicator {indicator!r} is not in config/indicators.toml")
    choices: tuple[str, ...] = ()
    compliant: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    if kind == "choice":
        choices = _strings(path, where, raw.get("choices"), "choices")
        compliant = _strings(path, where, raw.get("compliant", []), "compliant")
        not_applicable = _strings(path, where, raw.get("not_applicable", []), "not_applicable")
        wrong = [c for c in (*compliant, *not_applicable) if c not in choices]
        if wrong or not compliant:
            raise _fail(path, where, f"compliant / not_applicable {wrong} must be among choices")
    after, within = raw.get("after"), raw.get("within_days")
    if kind == "date" and (
        after not in AFTER or not isinstance(within, int) or isinstance(within, bool)
    ):
        raise _fail(path, where, 'a date question needs after = "rcp_date" and within_days = N')
    return Question(
        qid, label.strip(), kind, mandatory, str(raw.get("help", "")).strip(), prefill,
        indicator, choices, compliant, not_applicable, after, within,
    )  # fmt: skip


def grids_dir() -> Path:
    return config_dir() / "audits"


def available() -> list[str]:
    """Ids of the grids of config/audits/."""
    return sorted(p.stem for p in grids_dir().glob("*.toml"))


def load(grid_id: str, indicators: set[str] | None = None) -> Grid:
    """Read and check config/audits/<grid_id>.toml (`indicators`: the catalogue's ids)."""
    path = grids_dir() / f"{grid_id}.toml"
    if not ID.match(grid_id) or not path.exists():
        raise GridError(
            f"no audit grid {grid_id!r} in {grids_dir()}",
            hint=f"grids: {', '.join(available()) or 'none'}",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GridError(f"{path} is not valid TOML: {exc}") from exc
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        raise _fail(path, "questions", "the grid has no [[questions]]")
    questions = tuple(_question(path, k, q, indicators) for k, q in enumerate(items, 1))
    seen = [q.id for q in questions]
    twice = sorted({i for i in seen if seen.count(i) > 1})
    if twice:
        raise _fail(path, f"question {twice[0]!r}", "appears twice")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return Grid(
        grid_id, str(raw.get("label", grid_id)), str(raw.get("reference", "")), questions, digest
    )
