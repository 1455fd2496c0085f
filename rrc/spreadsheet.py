"""Text that a spreadsheet would run as a formula, made inert: one rule for every file the
platform writes (board exports and tables, reports, cohort extracts in CSV and Parquet).

OWASP's CSV-injection rule (ASVS 5.0 1.2.10): a cell starting with `=`, `+`, `-`, `@`, a tab, a
carriage return or a null character, or with the full-width forms `＝ ＋ － ＠` that spreadsheets
also read as formulas, is prefixed with an apostrophe, which spreadsheets show but do not
evaluate. A line feed is treated the same. XLSX workbooks are written with no automatic formulas
and no automatic links: a source value `http://phish.example/login` stays text, not a link.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠")
_PATTERN = "^[=+\\-@\\t\\r\\n\\x00＝＋－＠]"  # the same, for polars' regex
# xlsxwriter writes strings as they are: no formula from "=…", no link from "http…", no number
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def neutralise(value: object) -> object:
    """`value` unchanged unless it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` neutralised (in polars, not row by row)."""
    text = [n for n, t in frame.schema.items() if t in (pl.String, pl.Categorical)]
    return frame.with_columns(
        pl.when(pl.col(n).cast(pl.String).str.contains(_PATTERN))
        .then(pl.lit("'") + pl.col(n).cast(pl.String))
        .otherwise(pl.col(n).cast(pl.String))
        .alias(n)
        for n in text
    )


def workbook(target: str | Path | IO[bytes], **options: Any) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that writes text as text (no formulas, no links)."""
    return xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, **options})  # type: ignore[arg-type]


def csv_bytes(frame: pl.DataFrame, **options: Any) -> bytes:
    """`frame` as CSV text, neutralised (`options` go to polars' write_csv)."""
    return neutralise_frame(frame).write_csv(**options).encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, sheet: str) -> bytes:
    """`frame` as one XLSX sheet, neutralised, with no formula and no link."""
    buffer = io.BytesIO()
    with workbook(buffer, in_memory=True) as book:
        neutralise_frame(frame).write_excel(workbook=book, worksheet=sheet[:31])
    return buffer.getvalue()
