"""Files whose bytes depend on their content only: the same rows give the same files.

Parquet is written by pyarrow with fixed options and metadata (no time, no host); CSV by polars;
text as UTF-8 with LF line ends; ZIP archives with a fixed date on every member. Each file is
written to a temporary name and renamed, so a reader never sees half a file. Text columns of
CSV and Parquet files are neutralised for spreadsheets (rrc/spreadsheet.py): a free-text value
from a source cannot become a formula in the researcher's spreadsheet.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from rrc.spreadsheet import csv_bytes, neutralise_frame

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _plain(table: pa.Table) -> pa.Table:
    """Plain string types (not large or view strings), readable by every Parquet reader."""
    fields = [
        pa.field(f.name, pa.string())
        if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def parquet(frame: pl.DataFrame, path: Path, metadata: dict[str, str]) -> None:
    table = _plain(neutralise_frame(frame).to_arrow()).replace_schema_metadata(
        dict(sorted(metadata.items()))
    )
    buffer = pa.BufferOutputStream()
    pq.write_table(
        table,
        buffer,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=1_000_000,
    )
    _replace(path, buffer.getvalue().to_pybytes())


def csv(frame: pl.DataFrame, path: Path) -> None:
    _replace(path, csv_bytes(frame, null_value="", line_terminator="\n"))


def text(content: str, path: Path) -> None:
    _replace(path, content.encode("utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def zip_folder(folder: Path) -> bytes:
    """The folder's files (not sub-folders, not hidden) in one ZIP, in name order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name[0] != "."):
            info = zipfile.ZipInfo(f"{folder.name}/{path.name}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
