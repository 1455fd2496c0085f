"""The answer sheet of a draw (XLSX): one row per drawn fiche, the answer columns pre-filled
with what the warehouse knows, drop-down lists of the allowed answers; a sheet of the grid's
questions; a sheet naming the draw (checked when the sheet comes back).

Row 1 holds the French labels, row 2 the column keys the import reads (`ligne`, `fiche_id`, then
one column per question id); rows start at 3. Beside each pre-filled answer, a column
`<id>__entrepot` shows the warehouse's value, for the auditor's eyes only: the import compares
the answers with the values recorded in the draw, never with what the sheet says.

The nominative columns (session date, IPP, establishment) are written only when asked for by
the service, for a role entitled to them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import polars as pl

from audits.grid import YES, Grid, Question
from rrc.spreadsheet import neutralise, workbook

ANSWERS, QUESTIONS, ABOUT = "Réponses", "Grille", "À propos"
WAREHOUSE = "__entrepot"
HEADER_ROWS = 2
TYPE_LABEL = {
    "yes_no": "oui / non",
    "yes_no_na": "oui / non / sans objet",
    "choice": "choix",
    "date": "date (AAAA-MM-JJ)",
}
NOMINATIVE = (("rcp_date", "Date de séance"), ("ipp", "IPP"), ("finess", "Établissement (FINESS)"))


def prefilled(q: Question, value: Any) -> str | None:
    """The warehouse's value of `q` as an answer (None when it does not know)."""
    if value is None:
        return None
    if q.type == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return YES if value else "non"


def columns(grid: Grid, nominative: bool) -> list[tuple[str, str]]:
    """(key, French label) of the sheet's columns, in order."""
    out = [("ligne", "Ligne"), ("fiche_id", "Fiche (DCC)"), ("stratum", "Strate")]
    out += [("entity_code", "RCP")]
    if nominative:
        out += list(NOMINATIVE)
    for q in grid.questions:
        if q.prefill:
            out.append((f"{q.id}{WAREHOUSE}", f"{q.label} — selon l'entrepôt"))
        out.append((q.id, q.label + (" *" if q.mandatory else "")))
    return [*out, ("commentaire", "Commentaire")]


def build(
    grid: Grid,
    draw_id: str,
    sample: pl.DataFrame,
    identities: pl.DataFrame | None,
    filled: dict[int, dict[str, Any]] | None = None,
) -> bytes:
    """The XLSX bytes; `identities` (fiche_id, ipp, finess) makes it nominative. `filled`
    (line -> column -> value) writes answers in place of the pre-filled ones (the demo's
    auditors)."""
    nominative = identities is not None
    rows = sample if identities is None else sample.join(identities, on="fiche_id", how="left")
    rows = rows.sort("line")
    if filled is not None:  # lines the auditors did not return are not in their sheet
        rows = rows.filter(pl.col("line").is_in(list(filled)))
    cols = columns(grid, nominative)
    buffer = io.BytesIO()
    book = workbook(buffer, in_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#dfe9f1", "text_wrap": True})
    key = book.add_format({"font_color": "#777777", "font_size": 8})
    ware = book.add_format({"font_color": "#555555", "bg_color": "#f4f6f8"})
    sheet = book.add_worksheet(ANSWERS)
    for j, (k, label) in enumerate(cols):
        sheet.write(0, j, label, head)
        sheet.write(1, j, k, key)
    records = rows.to_dicts()
    questions = {q.id: q for q in grid.questions}
    for i, r in enumerate(records, start=HEADER_ROWS):
        mine = (filled or {}).get(int(r["line"]))
        for j, (k, _) in enumerate(cols):
            value: Any
            if mine is not None and (k in questions or k in ("commentaire", "fiche_id")):
                value = mine.get(k)
            elif k == "ligne":
                value = r["line"]
            elif k.endswith(WAREHOUSE):
                q = questions[k.removesuffix(WAREHOUSE)]
                value = prefilled(q, r.get(q.prefill or ""))
            elif k in questions:
                q = questions[k]
                value = prefilled(q, r.get(q.prefill or "")) if q.prefill else None
            elif k == "commentaire":
                value = None
            else:
                value = r.get(k)
                value = value.isoformat() if isinstance(value, dt.date) else value
            if value is not None:
                sheet.write(i, j, neutralise(value), ware if k.endswith(WAREHOUSE) else None)
    last = HEADER_ROWS + len(records) - 1
    for j, (k, _) in enumerate(cols):
        asked = questions.get(k)
        if asked is None or last < HEADER_ROWS:
            continue
        if asked.type == "date":
            rule = {"validate": "length", "criteria": "==", "value": 10}
        else:
            rule = {"validate": "list", "source": list(asked.allowed)}
        sheet.data_validation(HEADER_ROWS, j, last, j, {**rule, "ignore_blank": True})
    sheet.freeze_panes(HEADER_ROWS, 2)
    sheet.set_row(0, 45)
    sheet.set_column(0, len(cols), 16)
    grille = book.add_worksheet(QUESTIONS)
    for j, label in enumerate(
        (
            "Question",
            "Libellé",
            "Réponse",
            "Réponses possibles",
            "Conforme si",
            "Obligatoire",
            "Pré-remplie par l'entrepôt",
            "Aide",
        )
    ):
        grille.write(0, j, label, head)
    for i, q in enumerate(grid.questions, start=1):
        values = (
            q.id,
            q.label,
            TYPE_LABEL[q.type],
            ", ".join(q.allowed),
            q.rule(),
            "oui" if q.mandatory else "non",
            "oui" if q.prefill else "non",
            q.help,
        )
        for j, v in enumerate(values):
            grille.write(i, j, neutralise(v))
    grille.set_column(0, 7, 24)
    about = book.add_worksheet(ABOUT)
    facts: tuple[tuple[str, object], ...] = (
        ("Tirage", draw_id),
        ("Grille", f"{grid.id} — {grid.label}"),
        ("Fiches", len(records)),
        ("Nominatif", "oui" if nominative else "non"),
        (
            "Consigne",
            "Complétez les colonnes des questions (ligne 1 : libellés ; ligne 2 : "
            "clés lues à l'import, à ne pas modifier) puis réimportez ce fichier.",
        ),
    )
    for i, (fact, said) in enumerate(facts):
        about.write(i, 0, fact, head)
        about.write(i, 1, neutralise(said))
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 90)
    book.close()
    return buffer.getvalue()
