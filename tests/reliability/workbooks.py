"""Write 3C activity workbooks cell by cell (xlsxwriter), with the defects real ones have."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import polars as pl
import xlsxwriter

Cell = object  # str | None | datetime | TimeCell | Formula | Merged


@dataclass(frozen=True)
class TimeCell:
    """A time-typed cell (a time of day, formatted hh:mm), as Excel stores `14:30`."""

    value: time


@dataclass(frozen=True)
class Formula:
    """A formula cell and the result Excel cached for it."""

    text: str
    value: str | int


@dataclass(frozen=True)
class Merged:
    """A value merged over this row and the `rows - 1` below it (the others are left out)."""

    value: str
    rows: int


def read_demo(path: Path) -> dict[str, list[list[Cell]]]:
    """Every sheet of a demo workbook: header row, then the rows, all cells as text."""
    frames = pl.read_excel(path, sheet_id=0, read_options={"header_row": 1}, infer_schema_length=0)
    return {name: [f.columns, *[list(r) for r in f.iter_rows()]] for name, f in frames.items()}


def write(path: Path, sheets: dict[str, list[list[Cell]]], *, fast: bool = False) -> Path:
    """A workbook with a title row above each sheet's header (as the 3Cs send them)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": fast})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    times = book.add_format({"num_format": "hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if not rows:
            continue  # an empty sheet: not even a header
        sheet.write_string(0, 0, f"3C — {name}")
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Formula):
                    sheet.write_formula(r, c, value.text, None, value.value)
                elif isinstance(value, Merged):
                    sheet.merge_range(r, c, r + value.rows - 1, c, value.value)
                elif isinstance(value, TimeCell):
                    sheet.write_datetime(r, c, value.value, times)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, dates)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path
