"""A completed answer sheet read back under the same contract rules as any source.

The file is refused whole (nothing imported, the error names the file and what is wrong) when it
is not an XLSX or CSV sheet, names another draw, or lacks a column (`fiche_id`, a question).
Otherwise each row is judged alone and quarantined, with its spreadsheet row number and every
reason, when its fiche is not one of the draw's (unknown fiche), appears twice, holds an answer
of the wrong type (a "peut-être" for oui/non, a date that is not one), or leaves a mandatory
question blank. Blank rows are skipped; every count is kept: offered = accepted + quarantined
(+ blank rows), and the fiches drawn but not returned are counted too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from audits.grid import Grid
from audits.sheet import ABOUT, ANSWERS, HEADER_ROWS
from rrc.errors import RRCError

FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class SheetRefused(RRCError):
    """The answer file cannot be imported at all; the message names it and says why."""


@dataclass(frozen=True)
class Imported:
    answers: pl.DataFrame  # fiche_id, one column per question (canonical answers), commentaire
    quarantine: pl.DataFrame  # row, fiche_id, reasons
    offered: int
    blank: int
    not_returned: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def accepted(self) -> int:
        return self.answers.height

    def summary(self) -> dict[str, int]:
        return {
            "offered": self.offered,
            "accepted": self.accepted,
            "quarantined": self.quarantine.height,
            "blank": self.blank,
            "not_returned": self.not_returned,
        }


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        m = FRENCH_DATE.match(text)
        if m:  # 14/03/2013, as a French spreadsheet shows a date
            day, month, year = (int(g) for g in m.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return text
        return text or None
    return value


def _read_xlsx(data: bytes, name: str, draw_id: str) -> tuple[pl.DataFrame, int]:
    try:
        about = pl.read_excel(io.BytesIO(data), sheet_name=ABOUT, has_header=False)
        rows = pl.read_excel(
            io.BytesIO(data),
            sheet_name=ANSWERS,
            read_options={"header_row": HEADER_ROWS - 1},
            infer_schema_length=0,
        )
    except Exception as exc:  # fastexcel raises its own types for every kind of bad file
        raise SheetRefused(
            f"{name}: not an answer sheet of this platform ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''})",
            hint=f"download the sheet of draw {draw_id} (`rrc audit sheet {draw_id}`), "
            f"complete it and import that file (sheets « {ANSWERS} » and « {ABOUT} »)",
        ) from None
    facts = {str(r[0]): r[1] for r in about.rows() if len(r) > 1}
    if str(facts.get("Tirage", "")).strip() != draw_id:
        raise SheetRefused(
            f"{name} is the sheet of draw {facts.get('Tirage') or '(none)'}, not of {draw_id}",
            hint="import each sheet into the draw it was downloaded from",
        )
    return rows, HEADER_ROWS + 1  # spreadsheet row of the first data row


def _read_csv(data: bytes, name: str) -> tuple[pl.DataFrame, int]:
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema_length=0), 2
    except Exception as exc:
        raise SheetRefused(f"{name}: not a readable CSV file ({exc})") from None


def read(data: bytes, name: str, grid: Grid, draw_id: str, drawn: list[str]) -> Imported:
    """Judge the rows of the sheet `name` (XLSX or CSV bytes) against the draw's fiches."""
    if name.lower().endswith(".csv"):
        rows, first = _read_csv(data, name)
    else:
        rows, first = _read_xlsx(data, name, draw_id)
    needed = ["fiche_id", *(q.id for q in grid.questions)]
    missing = [c for c in needed if c not in rows.columns]
    if missing:
        raise SheetRefused(
            f"{name}: column {missing[0]!r} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            hint="row 2 of the sheet holds the column keys the import reads: keep them as "
            "downloaded",
        )
    known = set(drawn)
    seen: dict[str, int] = {}
    accepted: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    blank = 0
    has_comment = "commentaire" in rows.columns
    for k, raw in enumerate(rows.iter_rows(named=True)):
        row_no = first + k
        values = {c: _cell(raw.get(c)) for c in needed}
        if all(values[q.id] is None for q in grid.questions) and values["fiche_id"] is None:
            blank += 1
            continue
        fiche = values["fiche_id"]
        reasons: list[str] = []
        if fiche is None:
            reasons.append("column 'fiche_id' is empty: which fiche is it?")
        elif str(fiche) not in known:
            reasons.append(f"unknown fiche {fiche!r}: it was not drawn in {draw_id}")
        elif str(fiche) in seen:
            reasons.append(f"fiche {fiche!r} appears twice (first on row {seen[str(fiche)]})")
        out: dict[str, Any] = {"fiche_id": None if fiche is None else str(fiche)}
        for q in grid.questions:
            try:
                answer = q.parse(values[q.id])
            except ValueError as exc:
                reasons.append(f"column {q.id!r} ({q.label}): {exc}")
                continue
            if answer is None and q.mandatory:
                reasons.append(f"column {q.id!r} ({q.label}): mandatory answer missing")
            out[q.id] = answer
        if reasons:
            refused.append(
                {"row": row_no, "fiche_id": out["fiche_id"], "reasons": "; ".join(reasons)}
            )
            continue
        seen[str(fiche)] = row_no
        comment = _cell(raw.get("commentaire")) if has_comment else None
        accepted.append({**out, "commentaire": None if comment is None else str(comment)})
    schema = {"fiche_id": pl.String, **{q.id: pl.String for q in grid.questions}}
    answers = pl.DataFrame(accepted, schema={**schema, "commentaire": pl.String}, orient="row")
    quarantine = pl.DataFrame(
        refused, schema={"row": pl.Int64, "fiche_id": pl.String, "reasons": pl.String}, orient="row"
    )
    return Imported(
        answers.sort("fiche_id"),
        quarantine,
        offered=len(accepted) + len(refused),
        blank=blank,
        not_returned=len(known - set(seen)),
    )
