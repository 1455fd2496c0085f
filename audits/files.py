"""Files whose bytes depend on their content only (CSV by polars with LF line ends, text as
UTF-8), each written to a temporary name and renamed, so a reader never sees half a file. Text
that a spreadsheet would run as a formula is neutralised (rrc/spreadsheet.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl

from rrc.spreadsheet import csv_bytes


def replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def csv(frame: pl.DataFrame, path: Path) -> None:
    replace(path, csv_bytes(frame, null_value="", line_terminator="\n"))


def text(content: str, path: Path) -> None:
    replace(path, content.encode("utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
