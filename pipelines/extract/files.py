"""Extract file stores (spreadsheets, trial registry, directory) into the raw layer with polars.

Files are small next to the SQL stores and are re-read in full each run. Every cell is read as
text (the mapping types it), so nothing is lost to a reader's guess; the workbook and the Excel
row number are kept so that quarantined rows can be found again.
"""

from __future__ import annotations

import io
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.extract.columns import referenced_columns
from rrc.errors import SourceError


def _check_columns(
    source: Source, spec: TableSpec, frame: pl.DataFrame, where: str, load: raw.TableLoad
) -> None:
    needed = referenced_columns(source.mapping, spec)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SourceError(
            f"{where}: column(s) {', '.join(repr(c) for c in missing)} missing",
            source=source.name,
            table=spec.name,
            column=missing[0],
            hint=f"columns found: {', '.join(frame.columns)}",
        )
    unknown = [c for c in frame.columns if c not in needed and not c.startswith("_")]
    message = f"columns not in the mapping: {', '.join(unknown)}"
    if unknown and message not in load.warnings:
        load.warnings.append(message)


def _read_sheet(path: Path, sheet: str, header_row: int, source: Source) -> pl.DataFrame:
    try:
        frame = pl.read_excel(
            path,
            sheet_name=sheet,
            read_options={"header_row": header_row},
            infer_schema_length=0,
            raise_if_empty=False,  # an empty sheet then fails on its missing columns, named
        )
    except Exception as exc:  # fastexcel raises its own types for missing sheets, bad files
        raise SourceError(
            f"cannot read sheet {sheet!r} of {path.name}: {exc}",
            source=source.name,
            table=sheet,
            hint="check the file opens in a spreadsheet program and has the sheet",
        ) from exc
    first_row = header_row + 2  # Excel rows are 1-based and the header takes one
    return frame.with_columns(
        _file=pl.lit(path.name),
        _row=pl.int_range(first_row, first_row + pl.len()).cast(pl.Int64),
    )


def _spreadsheet(source: Source, spec: TableSpec, load: raw.TableLoad) -> pl.DataFrame:
    files = sorted((source.path or Path()).glob(source.pattern or "*.xlsx"))
    if not files:
        raise SourceError(
            f"no workbook matches {source.pattern} in {source.path}",
            source=source.name,
            hint="check `path` and `pattern` in sources.toml",
        )
    frames = []
    for path in files:
        frame = _read_sheet(path, spec.name, source.mapping.header_row, source)
        _check_columns(source, spec, frame, f"{path.name}, sheet {spec.name}", load)
        frames.append(frame)
    return pl.concat(frames, how="diagonal")


def _dig(document: Any, path: str) -> Any:
    for part in path.split("."):
        index = None
        if part.endswith("]"):
            part, index = part[:-1].split("[")
        document = document.get(part) if isinstance(document, dict) else None
        if index is not None:
            document = document[int(index)] if isinstance(document, list) and document else None
    return document


def _registry_json(path: Path, spec: TableSpec, source: Source) -> pl.DataFrame:
    try:
        studies = json.loads(path.read_text(encoding="utf-8"))["studies"]
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(
            f"{path.name} is not a registry export with `studies`: {exc}",
            source=source.name,
            table=spec.name,
        ) from exc
    paths = spec.paths or {}
    rows = [
        {col: (None if (v := _dig(s, p)) is None else str(v)) for col, p in paths.items()}
        for s in studies
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(paths, pl.String), orient="row")


def _text(path: Path, encoding: str, source: Source, spec: TableSpec) -> str:
    """The file's text, refusing the wrong encoding instead of guessing: bytes that are not
    UTF-8 in a UTF-8 file, or a latin-1 file that reads as UTF-8 with accents (mojibake)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if encoding == "latin-1":
            return data.decode("latin-1")
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{path.name} is not UTF-8: byte 0x{data[exc.start]:02x} on line {line}",
            source=source.name,
            table=spec.name,
            hint='save the file as UTF-8, or declare it latin-1 (format = "csv_latin1") in the '
            "mapping",
        ) from exc
    if encoding == "latin-1" and not text.isascii():
        raise SourceError(
            f"{path.name} is UTF-8, not latin-1 as the mapping says: its accents would be misread",
            source=source.name,
            table=spec.name,
            hint="save the file as latin-1 (ISO-8859-1), as the FINESS extracts are",
        )
    return text.removeprefix("\ufeff")


def _finess(path: Path, spec: TableSpec, source: Source) -> pl.DataFrame:
    text = _text(path, "latin-1", source, spec)
    lines = [line.split(";") for line in text.splitlines() if line]
    header = lines[0]
    rows = [r for r in lines[1:] if r[0] == spec.record]
    names = spec.columns or header
    width = len(names)
    data = {
        n: [r[i] if i < len(r) and r[i] != "" else None for r in rows]
        for i, n in enumerate(names[:width])
    }
    return pl.DataFrame(data, schema=dict.fromkeys(names, pl.String))


def _file_table(source: Source, spec: TableSpec, load: raw.TableLoad) -> pl.DataFrame:
    path = (source.path or Path()) / (spec.file or "")
    if not path.exists():
        raise SourceError(
            f"file {path} not found",
            source=source.name,
            table=spec.name,
            hint="check `path` in sources.toml and `file` in the mapping",
        )
    if spec.format == "ctgov_v2":
        frame = _registry_json(path, spec, source)
    elif spec.format == "finess":
        frame = _finess(path, spec, source)
    elif spec.format in ("csv", "csv_latin1"):
        latin = spec.format == "csv_latin1"
        frame = pl.read_csv(
            io.StringIO(_text(path, "latin-1" if latin else "utf-8", source, spec)),
            separator=";" if latin else ",",
            infer_schema_length=0,
        )
    else:
        raise SourceError(
            f"unknown file format {spec.format!r}",
            source=source.name,
            table=spec.name,
            hint="use csv, csv_latin1, finess or ctgov_v2",
        )
    _check_columns(source, spec, frame, path.name, load)
    return frame.with_columns(
        _file=pl.lit(path.name), _row=pl.int_range(2, pl.len() + 2).cast(pl.Int64)
    )


def extract(
    con: duckdb.DuckDBPyConnection, source: Source, *, load_id: str, **_ignored: object
) -> list[raw.TableLoad]:
    """Read every table of a file source and replace its raw table."""
    loads = []
    now = datetime.now().replace(microsecond=0)
    with raw.atomic(con):
        for spec in source.mapping.tables.values():
            started = time.perf_counter()
            load = raw.TableLoad(source.name, spec.name)
            if source.kind == "spreadsheet":
                frame = _spreadsheet(source, spec, load)
            else:
                frame = _file_table(source, spec, load)
            con.register("_frame", frame.to_arrow())
            try:
                load.extracted = raw.replace(
                    con, source.name, spec.name, "SELECT * FROM _frame", load_id, now
                )
            finally:
                con.unregister("_frame")
            load.seconds = time.perf_counter() - started
            loads.append(load)
    return loads
