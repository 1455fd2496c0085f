"""Extract file stores (spreadsheets, trial registry, directory) into the raw layer with polars.

Files are small next to the SQL stores: a table is read in full whenever one of its files changed
(an incremental run leaves the others as they are: `fingerprint.py`). Every cell is read as
text (the mapping types it), so nothing is lost to a reader's guess; the file and its true row
number (the Excel row, blank rows counted; the line of a text file; the record of a JSON export)
are kept so that quarantined rows can be found again. Each file is held to its source's contract
(`pipelines/contract.py`): the files expected, unique and known headers, the record types and
JSON types allowed, the encoding declared.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Violations
from pipelines.extract import encoding, fingerprint, keys, records
from pipelines.extract.columns import referenced_columns
from rrc.errors import SourceError


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_header(
    source: Source,
    spec: TableSpec,
    header: list[str | None],
    where: str,
    v: Violations,
    file: str,
    letters: bool = True,
) -> None:
    """Headers unique, required ones present, the others mapped or allowed as extras."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name is None:
            continue
        if name in seen:
            at = (
                f"columns {_column_letter(seen[name])} and {_column_letter(i)}"
                if letters
                else f"fields {seen[name] + 1} and {i + 1}"
            )
            raise SourceError(
                f"{where}: column {name!r} appears twice ({at}): which one holds the data "
                "cannot be told",
                source=source.name,
                table=spec.name,
                column=name,
                hint="rename or remove one of the two columns in the file, then run again",
            )
        seen[name] = i
    needed = referenced_columns(source.mapping, spec)
    missing = [c for c in needed if c not in seen]
    if missing:
        raise SourceError(
            f"{where}: column(s) {', '.join(repr(c) for c in missing)} missing",
            source=source.name,
            table=spec.name,
            column=missing[0],
            hint=f"columns found: {', '.join(n for n in header if n is not None)}",
        )
    extra = [c for c in seen if c not in needed and c not in spec.extras and not c.startswith("_")]
    if extra:
        v(
            "extra_column",
            len(extra),
            f"{where}: columns not in the mapping: {', '.join(extra)}",
            file=file,
            hint="map them, or list them under `extras` of the table in "
            f"config/mappings/{source.mapping.path.name} if they may be ignored",
        )


def _read_sheet(path: Path, sheet: str, header_row: int, source: Source) -> pl.DataFrame:
    """Every row of the sheet as text, blank ones included (so that row numbers stay true)."""
    try:
        return pl.read_excel(
            path,
            sheet_name=sheet,
            read_options={"header_row": None},
            infer_schema_length=0,
            drop_empty_rows=False,
            raise_if_empty=False,  # an empty sheet then fails on its missing columns, named
        )
    except Exception as exc:  # fastexcel raises its own types for missing sheets, bad files
        raise SourceError(
            f"cannot read sheet {sheet!r} of {path.name}: {exc}",
            source=source.name,
            table=sheet,
            hint="check the file opens in a spreadsheet program and has the sheet",
        ) from exc


def _sheet_table(
    path: Path, source: Source, spec: TableSpec, v: Violations, load: raw.TableLoad
) -> pl.DataFrame:
    header_row = source.mapping.header_row
    cells = _read_sheet(path, spec.name, header_row, source)
    where = f"{path.name}, sheet {spec.name}"
    header = list(cells.row(header_row)) if cells.height > header_row else []
    header = [None if h is None or not str(h).strip() else str(h) for h in header]
    _check_header(source, spec, header, where, v, path.name)
    named = [(c, h) for c, h in zip(cells.columns, header, strict=True) if h is not None]
    first_row = header_row + 2  # Excel rows are 1-based and the header takes one
    body = cells.slice(header_row + 1).with_row_index("_i")
    unnamed = [
        _column_letter(i)
        for i, (c, h) in enumerate(zip(cells.columns, header, strict=True))
        if h is None and body[c].null_count() < body.height
    ]
    if unnamed:
        v(
            "extra_column",
            len(unnamed),
            f"{where}: column(s) {', '.join(unnamed)} hold values under no header: not read",
            file=path.name,
            hint="give the column its header (and map it), or clear it",
        )
    frame = body.select(
        *(pl.col(c).alias(h) for c, h in named),
        _file=pl.lit(path.name),
        _row=(pl.col("_i") + first_row).cast(pl.Int64),
    )
    data_cols = [c for c in cells.columns]
    blank = body.select(pl.all_horizontal(pl.col(data_cols).is_null())).to_series()
    kept = frame.filter(~blank)
    n_blank = frame.height - kept.height
    load.files.append(
        FileLoad(
            source.name, spec.name, path.name, spec.name, rows_read=frame.height, blank=n_blank
        )
    )
    if n_blank:
        v(
            "blank_rows",
            n_blank,
            f"{where}: {n_blank} blank row(s) skipped",
            file=path.name,
            done="skipped",
        )
    return kept


def _year_files(source: Source) -> tuple[str, re.Pattern[str]]:
    pattern = source.pattern or "*.xlsx"
    glob = pattern.replace("{year}", "*")
    regex = re.escape(pattern).replace(re.escape("{year}"), r"(\d{4})").replace(r"\*", ".*")
    return glob, re.compile(regex)


def _expected_files(
    con: duckdb.DuckDBPyConnection, source: Source, spec: TableSpec
) -> tuple[list[Path], list[str]]:
    """(workbooks present, expected names missing): per year when the pattern has `{year}` (the
    years of sources.toml, else every year between the first and the last present), and every
    workbook the previous run loaded."""
    folder = source.path or Path()
    glob, regex = _year_files(source)
    present = sorted(folder.glob(glob))
    names = {p.name for p in present}
    expected: set[str] = set()
    pattern = source.pattern or "*.xlsx"
    if "{year}" in pattern:
        years = {int(m.group(1)) for p in present if (m := regex.fullmatch(p.name))}
        first, last = source.years or (min(years, default=0), max(years, default=-1))
        expected |= {pattern.replace("{year}", str(y)) for y in range(first, last + 1)}
    if raw.exists(con, source.name, spec.name) and "_file" in raw.columns(
        con, source.name, spec.name
    ):
        expected |= {
            str(f)
            for (f,) in con.execute(
                f"SELECT DISTINCT _file FROM {raw.raw_name(source.name, spec.name)}"
            ).fetchall()
            if f is not None
        }
    return present, sorted(expected - names)


def _look_alike(folder: Path, name: str) -> str:
    """What stands where an expected file is missing: the same name with another extension or a
    suffix (a renamed copy, a CSV export)."""
    stem = Path(name).stem
    found = sorted(p for p in folder.glob(f"{stem}*") if p.name != name)
    if not found:
        return ""
    notes = []
    for p in found:
        head = p.read_bytes()[:4]
        kind = "a workbook" if head.startswith(b"PK") else "not a workbook"
        if head.startswith(b"\xef\xbb\xbf"):
            kind = "a text file with a UTF-8 BOM (a CSV export?), not a workbook"
        notes.append(f"{p.name} ({kind})")
    return "; found instead: " + ", ".join(notes)


def _spreadsheet(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    load: raw.TableLoad,
    v: Violations,
    present: list[Path],
    missing: list[str],
) -> pl.DataFrame:
    folder = source.path or Path()
    frames = []
    for name in missing:
        load.files.append(
            FileLoad(source.name, spec.name, name, spec.name, expected=True, present=False)
        )
        message = f"expected workbook {name} is missing from {folder}{_look_alike(folder, name)}"
        v(
            "missing_file",
            1,
            message,
            file=name,
            hint="put the workbook back (as .xlsx, under its expected name), or set "
            'missing_file = "warn" in the contract of '
            f"config/mappings/{source.mapping.path.name} to publish with its last rows; a "
            "workbook withdrawn on purpose is forgotten by `rrc etl run --full`",
        )
        if raw.exists(con, source.name, spec.name):
            kept = con.execute(
                f"SELECT * EXCLUDE (_load_id, _source, _extracted_at) FROM "
                f"{raw.raw_name(source.name, spec.name)} WHERE _file = ?",
                [name],
            ).pl()
            load.files[-1].kept_previous = kept.height
            v.findings[-1].message += f": the {kept.height} rows of the last run are kept"
            frames.append(kept.cast({c: pl.String for c in kept.columns if c != "_row"}))
    if not present and not frames:
        raise SourceError(
            f"no workbook matches {source.pattern} in {folder}",
            source=source.name,
            hint="check `path` and `pattern` in sources.toml",
        )
    for path in present:
        frames.append(_sheet_table(path, source, spec, v, load))
    return pl.concat(frames, how="diagonal")


def _csv(path: Path, spec: TableSpec, source: Source, v: Violations) -> pl.DataFrame:
    latin = spec.format == "csv_latin1"
    text = encoding.text(path, "latin-1" if latin else "utf-8", source, spec)
    separator = ";" if latin else ","
    header = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    _check_header(source, spec, list(header), path.name, v, path.name, letters=False)
    frame = pl.read_csv(io.StringIO(text), separator=separator, infer_schema_length=0)
    return frame.with_columns(_row=pl.int_range(2, pl.len() + 2).cast(pl.Int64))


def _file_table(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    load: raw.TableLoad,
    v: Violations,
) -> pl.DataFrame | None:
    """The table's rows, or None when its file is missing and the contract says warn (the
    previous rows are then kept)."""
    path = _path(source, spec)
    if not path.exists():
        load.files.append(FileLoad(source.name, spec.name, path.name, present=False))
        v(
            "missing_file",
            1,
            f"file {path} not found",
            file=path.name,
            hint="check `path` in sources.toml and `file` in the mapping",
        )
        if not raw.exists(con, source.name, spec.name):
            raise SourceError(
                f"file {path} not found and no earlier load of it to keep",
                source=source.name,
                table=spec.name,
                hint="check `path` in sources.toml and `file` in the mapping",
            )
        v.findings[-1].message += ": the rows of the last run are kept"
        return None
    if spec.format == "ctgov_v2":
        frame = records.registry_json(path, spec, source)
        _check_header(source, spec, list(spec.paths or {}), path.name, v, path.name)
    elif spec.format == "finess":
        frame = records.finess(path, spec, source, v)
        _check_header(source, spec, list(frame.columns), path.name, v, path.name, letters=False)
    elif spec.format in ("csv", "csv_latin1"):
        frame = _csv(path, spec, source, v)
    else:
        raise SourceError(
            f"unknown file format {spec.format!r}",
            source=source.name,
            table=spec.name,
            hint="use csv, csv_latin1, finess or ctgov_v2",
        )
    rejected = frame.height - frame[raw.REJECT].null_count() if raw.REJECT in frame.columns else 0
    load.files.append(
        FileLoad(source.name, spec.name, path.name, rows_read=frame.height, rejected=rejected)
    )
    return frame.with_columns(_file=pl.lit(path.name))


def _path(source: Source, spec: TableSpec) -> Path:
    return (source.path or Path()) / (spec.file or "")


def _inputs(
    con: duckdb.DuckDBPyConnection, source: Source, spec: TableSpec
) -> tuple[list[Path], list[str]]:
    """The files the table is read from, and the expected ones missing."""
    if source.kind == "spreadsheet":
        return _expected_files(con, source, spec)
    path = _path(source, spec)
    return ([path], []) if path.exists() else ([], [path.name])


def _read(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    inputs: tuple[list[Path], list[str]],
    load_id: str,
    now: datetime,
) -> raw.TableLoad:
    """Read the table's files and replace its raw table."""
    load = raw.TableLoad(source.name, spec.name)
    v = Violations(source.name, spec.name, source.mapping.contract, load.findings)
    if source.kind == "spreadsheet":
        frame: pl.DataFrame | None = _spreadsheet(con, source, spec, load, v, *inputs)
    else:
        frame = _file_table(con, source, spec, load, v)
    if frame is None:
        load.extracted = raw.count(con, source.name, spec.name)
        load.mode = "kept"
    else:
        load.read = sum(f.rows_read for f in load.files)
        con.register("_frame", frame.to_arrow())
        try:
            load.extracted = raw.replace(
                con, source.name, spec.name, "SELECT * FROM _frame", load_id, now
            )
        finally:
            con.unregister("_frame")
        keys.duplicates(con, source, spec, v)
    load.warnings += [f.message for f in load.findings if f.flags]
    return load


def extract(
    con: duckdb.DuckDBPyConnection, source: Source, *, load_id: str, **_ignored: object
) -> list[raw.TableLoad]:
    """Read every table of a file source whose files changed since the last run (all of them
    the first time) and replace its raw table; the others are left as they are
    (`fingerprint`)."""
    loads = []
    now = datetime.now().replace(microsecond=0)
    with raw.atomic(con):
        last = fingerprint.stored(con, source.name)
        for spec in source.mapping.tables.values():
            started = time.perf_counter()
            inputs = _inputs(con, source, spec)
            digest = fingerprint.digest(source, spec, *inputs)
            previous = last.get(spec.name)
            if previous and previous[0] == digest and raw.exists(con, source.name, spec.name):
                load = fingerprint.unchanged(con, previous[1], now)
            else:
                load = _read(con, source, spec, inputs, load_id, now)
                fingerprint.store(con, load, digest)
            load.seconds = time.perf_counter() - started
            loads.append(load)
    return loads
