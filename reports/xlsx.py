"""A report rendered as XLSX with xlsxwriter: a cover sheet, then one sheet per section with its
tables one under the other (title row, header row, rows). Numbers stay numbers; masked cells read
"< 11"; text a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.fmt import secrecy_note
from reports.model import Column, Report, Section, Table
from rrc.spreadsheet import neutralise, workbook
from warehouse.read.secrecy import MASKED_RATE, label

COVER = "Couverture"


def _style(value: Any, column: Column, fmt: dict[str, Any]) -> Any:
    if value is None:
        return fmt["masked"]
    if column.kind == "count" or (column.kind == "value" and isinstance(value, int)):
        return fmt["count"]
    if isinstance(value, float):
        return fmt["rate"]
    return None


def _table(sheet: Any, row: int, t: Table, threshold: int, fmt: dict[str, Any]) -> int:
    """Write `t` from `row`; the next free row (one blank row after it)."""
    sheet.write(row, 0, neutralise(t.title), fmt["title"])
    row += 1
    for j, c in enumerate(t.columns):
        sheet.write(row, j, neutralise(c.label), fmt["head"])
    row += 1
    masked = False
    for values in t.rows:
        for j, (v, c) in enumerate(zip(values, t.columns, strict=True)):
            masked |= v is None
            out = (
                (MASKED_RATE if c.kind == "rate" else label(None, threshold))
                if v is None
                else neutralise(v)
            )
            sheet.write(row, j, out, _style(v, c, fmt))
        row += 1
    if not t.rows:
        sheet.write(row, 0, "Aucune donnée pour ce périmètre.")
        row += 1
    notes = [t.note] if t.note else []
    if masked:
        notes.append(
            f"« {label(None, threshold)} » : effectif de 1 à {threshold - 1}, masqué ; "
            f"« {MASKED_RATE} » : taux non publié (secret statistique)"
        )
    for note in notes:
        sheet.write(row, 0, neutralise(note), fmt["note"])
        row += 1
    return row + 1


def render(report: Report, path: Path) -> Path:
    book = workbook(str(path))  # text stays text: no formula, no link
    fmt = formats(book)
    cover = book.add_worksheet(COVER)
    facts = [
        ("Rapport", f"{report.title} {report.year}"),
        ("Réseau", report.network),
        ("Périmètre", report.subtitle),
        ("Année", report.year),
        ("Instantané de l'entrepôt", report.snapshot),
        ("Généré le", report.generated_at),
        ("Qualité des données", report.quality),
        (
            "Secret statistique",
            secrecy_note(report.threshold, report.max_noise)
            if report.secrecy
            else "aucun effectif masqué",
        ),
    ]
    for i, (key, value) in enumerate(facts):
        cover.write(i, 0, key, fmt["key"])
        cover.write(i, 1, neutralise(value))
    cover.set_column(0, 0, 26)
    cover.set_column(1, 1, 110)
    for s in report.sections:
        write_section(book, s, report.threshold, fmt)
    book.close()
    return path


def formats(book: Any) -> dict[str, Any]:
    """The cell formats of a report's sheets, added to `book` (an xlsxwriter Workbook)."""
    return {
        "title": book.add_format({"bold": True, "font_size": 12, "font_color": "#1f5f8b"}),
        "head": book.add_format({"bold": True, "bg_color": "#dfe9f1", "text_wrap": True}),
        "count": book.add_format({"num_format": "#,##0"}),
        "rate": book.add_format({"num_format": "0.0"}),
        "masked": book.add_format({"font_color": "#a0341c", "align": "right"}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "key": book.add_format({"bold": True}),
    }


def write_section(book: Any, s: Section, threshold: int, fmt: dict[str, Any] | None = None) -> Any:
    """One section as a sheet of `book` (its tables one under the other); the sheet."""
    fmt = fmt or formats(book)
    sheet = book.add_worksheet(s.sheet[:31])
    row = 0
    if s.intro:
        sheet.write(row, 0, neutralise(s.intro), fmt["note"])
        row += 2
    for t in s.tables:
        row = _table(sheet, row, t, threshold, fmt)
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 12, 14)
    return sheet
