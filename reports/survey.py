"""A survey's summary for a yearly report (the activity report's survey part): who answered, by
health territory and by profession, and for each question the number who answered and the
distribution of their answers, as the report's principal may see them.

`summary` reads it through the boards' Reader (`Reader.survey`: for a role without nominative
rights, groups under the threshold gathered into « Autres » or masked and every count
perturbed, the same figures the Enquêtes board shows); `section` makes it a report section
(`reports.model.Section`) that the PDF and XLSX renderers take as they are, `flowables` its
reportlab flowables for a PDF built elsewhere, `write_sheet` its sheet in an xlsxwriter
workbook. Call `summary` inside `access.policy.acting_as`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from access.policy import current
from reports import pdf, xlsx
from reports.fmt import french
from reports.model import Column, Note, Section, Table
from warehouse.read.reader import Reader
from warehouse.read.surveys import SELECTION, Result, View

KINDS = {
    "likert": "échelle",
    "single": "choix unique",
    "number": "nombre",
    "multiple": "choix multiple",
}
MASKED = "—"  # a distribution not published (too few answered)


@dataclass(frozen=True)
class Row:
    """One question: how many answered (None: masked) and the share of each answer."""

    section: str
    question: str
    kind: str
    answered: int | None
    shares: tuple[tuple[str, float | None], ...]

    @property
    def distribution(self) -> str:
        """'très mauvaise 22 % · plutôt mauvaise 25 % · …'; '—' when masked."""
        if self.answered is None:
            return MASKED
        return " · ".join(
            f"{label} {french(share, 0) if share is not None else MASKED}\u202f%"
            for label, share in self.shares
        )


@dataclass(frozen=True)
class Summary:
    survey: str
    title: str
    year: int
    respondents: int | None  # None: fewer than the threshold (masked)
    by_territory: tuple[tuple[str, int | None], ...]  # the groups as published
    by_profession: tuple[tuple[str, int | None], ...]
    rows: tuple[Row, ...]
    threshold: int
    max_noise: int | None  # None: exact counts (a role with nominative rights)


def _groups(res: Result) -> tuple[tuple[str, int | None], ...]:
    out = [(g.label, g.respondents) for g in res.groups[1:]]
    return tuple(
        (f"{label} ({', '.join(g.members)})" if g.members else label, n)
        for (label, n), g in zip(out, res.groups[1:], strict=True)
    )


def summary(reader: Reader, survey: str) -> Summary:
    """The survey's summary as the current principal may see it."""
    current()
    listed = {s: (t, y) for s, t, y in reader.query("survey_list").iter_rows()}
    if survey not in listed:
        raise KeyError(f"no survey {survey!r} in the warehouse (surveys: {', '.join(listed)})")
    whole = reader.survey(View(survey))
    rows = []
    for q in whole.questions.iter_rows(named=True):
        if q["qtype"] not in KINDS:
            continue
        got = whole.of(q["question_id"], SELECTION) if not whole.selection.masked else None
        if got is None or got.height == 0 or bool(got["masked"].fill_null(False).any()):
            rows.append(Row(q["section"], q["label"], KINDS[q["qtype"]], None, ()))
            continue
        answered = got.select(pl.col("answered").max()).item()
        shares = tuple(zip(got["option_label"].to_list(), got["share"].to_list(), strict=True))
        kind = KINDS[q["qtype"]] + (" (plusieurs réponses)" if q["qtype"] == "multiple" else "")
        rows.append(Row(q["section"], q["label"], kind, int(answered or 0), shares))
    title, year = listed[survey]
    return Summary(
        survey,
        title,
        year,
        whole.selection.respondents,
        _groups(reader.survey(View(survey, by="territory"))),
        _groups(reader.survey(View(survey, by="profession"))),
        tuple(rows),
        whole.threshold,
        whole.max_noise,
    )


def table(s: Summary) -> Table:
    """Per question: the number who answered and the distribution of their answers."""
    return Table(
        f"{s.title} : réponses",
        (
            Column("section", "Section", "text"),
            Column("question", "Question", "text"),
            Column("answered", "Répondants", "count"),
            Column("distribution", "Répartition des réponses", "text"),
        ),
        tuple((r.section, r.question, r.answered, r.distribution) for r in s.rows),
        ("survey_answers", {"survey": s.survey}),
        note="Parts des répondants ayant répondu à la question ; un choix multiple admet "
        "plusieurs réponses (ses parts ne font pas 100 %).",
    )


def _participation(title: str, label: str, groups: tuple[tuple[str, int | None], ...]) -> Table:
    return Table(
        title,
        (Column("group", label, "text"), Column("respondents", "Répondants", "count")),
        groups,
        ("survey_respondents", {}),
    )


def notes(s: Summary) -> list[str]:
    out = [f"{s.title} ({s.year}) : {_count(s.respondents, s.threshold)} répondants."]
    if s.max_noise is not None:
        out.append(
            f"Secret statistique : un groupe de moins de {s.threshold} répondants n'est pas "
            "montré seul (il rejoint « Autres », avec le plus petit des autres groupes s'il le "
            f"faut) ; les effectifs sont perturbés de {s.max_noise} au plus et les parts "
            "calculées sur ces effectifs ; « — » : moins de "
            f"{s.threshold} réponses à la question."
        )
    return out


def _count(value: int | None, threshold: int) -> str:
    return f"moins de {threshold}" if value is None else french(value)


def section(s: Summary, sheet: str = "Enquête") -> Section:
    """The summary as a report section: participation by territory and profession, then the
    answers question by question."""
    return Section(
        f"Enquête {s.title}",
        sheet,
        (
            *(Note(n) for n in notes(s)),
            _participation("Répondants par territoire de santé", "Territoire", s.by_territory),
            _participation("Répondants par profession", "Profession", s.by_profession),
            table(s),
        ),
    )


def flowables(s: Summary) -> list[Any]:
    """The section's reportlab flowables (heading, notes, tables), for a PDF built elsewhere."""
    return pdf.section(section(s), pdf.styles(), s.threshold, first=False)


def write_sheet(book: Any, s: Summary, name: str = "Enquête") -> Any:
    """The section as a sheet of an xlsxwriter workbook (made with rrc.spreadsheet.workbook,
    which keeps text as text); the sheet."""
    return xlsx.write_section(book, section(s, name), s.threshold)
