"""Extract a survey: the export of a questionnaire tool (CSV or XLSX, one row per respondent),
read with the survey's codebook (config/surveys/<survey>.toml, `warehouse/codebook.py`).

Every file of the source's folder that matches its pattern is read in full, every cell as text;
a row keeps its file and its row number as a spreadsheet shows it (the header is row 1). Each
file is held to the contract of `config/mappings/survey.toml`:

- headers: unique, every question's column and the respondent's present (else refused, naming
  the column), any other column neither a question's nor an `extras` one is `extra_column`;
- answers (`bad_value`, checked in `pipelines/extract/answers.py`): a choice outside its
  options or scale, a number that is not one or lies outside its range, an option cell neither
  checked nor unchecked, more options than `max`, one rank given twice, no respondent: the row
  is quarantined with every reason, naming the column and the value (or the source refused,
  naming the file, the row and the column);
- respondents (`duplicate_key`): one respondent on two rows, in one file or two, quarantines both.

The codebook and the answers go to normalised raw tables (`survey`, `question`, `option`,
`respondent`, `answer`, `text`) that `config/mappings/survey.toml` maps like any other source;
a quarantined respondent's answers are not offered (its row is, in `respondent`). Free text goes
to `text` only: it never leaves the staging layer (docs/access.md).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Violations
from pipelines.extract import answers, encoding
from rrc.errors import SourceError
from warehouse.codebook import Codebook

TABLES = ("survey", "question", "option", "respondent", "answer", "text")
ROWS = answers.ROWS  # the raw table of the export's rows: files are reconciled on it
EXCEL_WHOLE = r"^([+-]?[0-9]+)\.0$"  # a whole number a workbook stores as a float


def _text_frame(records: list[list[str]], first_row: int) -> tuple[list[str | None], pl.DataFrame]:
    """(header, rows as text with `_row`): the records under the first one, blank ones dropped."""
    header = [h.strip() or None for h in records[0]] if records else []
    width = len(header)
    data: dict[str, list[Any]] = {f"c{j}": [] for j in range(width)}
    rows, extra = [], []
    for i, record in enumerate(records[1:], start=first_row):
        cells = [c.strip() or None for c in record]
        if not any(cells):
            continue
        rows.append(i)
        extra.append(any(cells[width:]))
        for j in range(width):
            data[f"c{j}"].append(cells[j] if j < len(cells) else None)
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    return header, frame.with_columns(
        _row=pl.Series(rows, dtype=pl.Int64), _beyond=pl.Series(extra, dtype=pl.Boolean)
    )


def _records(path: Path, book: Codebook, source: Source, spec: TableSpec) -> list[list[str]]:
    """The file's records, every cell as text: a CSV in UTF-8 (strictly), or a workbook's sheet."""
    if path.suffix.lower() == ".xlsx":
        try:
            cells = pl.read_excel(
                path,
                **({"sheet_name": book.export.sheet} if book.export.sheet else {"sheet_id": 1}),
                read_options={"header_row": None},
                infer_schema_length=0,
                drop_empty_rows=False,
                raise_if_empty=False,
            )
        except Exception as exc:  # fastexcel raises its own types for missing sheets, bad files
            raise SourceError(
                f"cannot read {path.name}: {exc}",
                source=source.name,
                table=ROWS,
                hint="check the file opens in a spreadsheet program (and has the sheet named "
                "by `sheet` in the codebook's [export])",
            ) from exc
        cells = cells.with_columns(pl.all().str.replace(EXCEL_WHOLE, "$1"))
        return [["" if v is None else str(v) for v in row] for row in cells.iter_rows()]
    text = encoding.text(path, "utf-8", source, spec)
    return list(csv.reader(io.StringIO(text), delimiter=book.export.separator))


def _header(
    header: list[str | None], cells: pl.DataFrame, book: Codebook, source: Source, v: Violations,
    name: str,
) -> dict[str, int]:  # fmt: skip
    """{column: index}: unique, the codebook's columns present, the others `extra_column`."""
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        if h is None:
            continue
        if h in seen:
            raise SourceError(
                f"{name}: column {h!r} appears twice (columns {seen[h] + 1} and {j + 1}): which "
                "one holds the answers cannot be told",
                source=source.name,
                table=ROWS,
                column=h,
                hint="rename or remove one of the two columns in the export, then run again",
            )
        seen[h] = j
    needed = [book.export.respondent, *book.all_columns()]
    missing = [c for c in needed if c not in seen]
    if missing:
        raise SourceError(
            f"{name}: column(s) {', '.join(repr(c) for c in missing)} of the codebook "
            f"{book.path.name} missing from the export",
            source=source.name,
            table=ROWS,
            column=missing[0],
            hint=f"columns found: {', '.join(seen)}; export the survey again with every "
            "question, or remove the question from the codebook",
        )
    unknown = [c for c in seen if c not in needed and c not in book.export.extras]
    unnamed = sum(1 for j, h in enumerate(header) if h is None and cells[f"c{j}"].null_count()
                  < cells.height)  # fmt: skip
    parts = [
        f"colonne(s) {', '.join(unknown)} qu'aucune question de {book.path.name} ne lit"
    ] * bool(unknown) + [f"{unnamed} colonne(s) sans en-tête"] * bool(unnamed)
    if parts:
        v(
            "extra_column",
            len(unknown) + unnamed,
            f"{name} : {' ; '.join(parts)} : non chargée(s)",
            file=name,
            column=unknown[0] if unknown else None,
            hint=f"add the question to config/surveys/{book.path.name} (or list the column "
            'under `extras` of its [export]), or set extra_column = "warn" in the contract '
            f"of config/mappings/{source.mapping.path.name} to load the others",
        )
    return seen


def _files(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[Path], list[str]]:
    """(exports present, exports a previous run loaded that are gone)."""
    folder = source.path or Path()
    present = sorted(p for p in folder.glob(source.pattern or "*.csv") if p.is_file())
    loaded: set[str] = set()
    if raw.exists(con, source.name, ROWS):
        loaded = {
            str(f)
            for (f,) in con.execute(
                f"SELECT DISTINCT _file FROM {raw.raw_name(source.name, ROWS)}"
            ).fetchall()
        }
    return present, sorted(loaded - {p.name for p in present})


def _read_file(
    path: Path, book: Codebook, source: Source, v: Violations, load: raw.TableLoad
) -> pl.DataFrame:
    records = _records(path, book, source, source.mapping.tables[ROWS])
    header, cells = _text_frame(records, 2)
    columns = _header(header, cells, book, source, v, path.name)
    beyond = int(cells["_beyond"].sum())
    if beyond:
        v(
            "extra_column",
            beyond,
            f"{path.name} : {beyond} ligne(s) ont des valeurs au-delà de la dernière colonne : "
            "non lues",
            file=path.name,
            hint="give the column its header in the export (and a question in the codebook)",
        )
    kept = [c for c in columns if c == book.export.respondent or c in book.all_columns()]
    frame = cells.select(
        *(pl.col(f"c{columns[c]}").alias(c) for c in kept),
        _file=pl.lit(path.name),
        _row="_row",
    )
    blank = max(len(records) - 1 - frame.height, 0)
    load.files.append(
        FileLoad(
            source.name, ROWS, path.name, rows_read=len(records) - 1 if records else 0, blank=blank
        )
    )
    if blank:
        v("blank_rows", blank, f"{path.name} : {blank} ligne(s) vide(s) ignorée(s)", file=path.name,
          done="skipped")  # fmt: skip
    return frame


def _kept(con: duckdb.DuckDBPyConnection, source: Source, table: str, files: list[str]) -> Any:
    """The rows of `files` that the previous run loaded into raw table `table`."""
    if not files or not raw.exists(con, source.name, table):
        return None
    marks = ", ".join("?" for _ in files)
    return con.execute(
        f"SELECT * EXCLUDE (_load_id, _source, _extracted_at) FROM "
        f"{raw.raw_name(source.name, table)} WHERE _file IN ({marks})",
        files,
    ).pl()


def extract(
    con: duckdb.DuckDBPyConnection, source: Source, *, load_id: str, **_ignored: object
) -> list[raw.TableLoad]:
    """Read every export of the survey and replace the source's raw tables."""
    book = source.codebook
    if book is None:  # load_config gives every survey source its codebook
        raise SourceError("no codebook", source=source.name)
    started = time.perf_counter()
    now = datetime.now().replace(microsecond=0)
    loads = {t: raw.TableLoad(source.name, t) for t in TABLES}
    v = Violations(source.name, ROWS, source.mapping.contract, loads[ROWS].findings)
    present, gone = _files(con, source)
    for name in gone:
        loads[ROWS].files.append(FileLoad(source.name, ROWS, name, present=False))
        v(
            "missing_file",
            1,
            f"l'export {name}, chargé par une exécution précédente, manque dans {source.path}",
            file=name,
            hint='put the export back, or set missing_file = "warn" in the contract of '
            f"config/mappings/{source.mapping.path.name} to publish with its last rows; an "
            "export withdrawn on purpose is forgotten by `rrc etl run --full`",
        )
    if not present and not gone:
        raise SourceError(
            f"no export matches {source.pattern} in {source.path}",
            source=source.name,
            table=ROWS,
            hint="check `path` and `pattern` of the source in sources.toml",
        )
    frames = [_read_file(p, book, source, v, loads[ROWS]) for p in present]
    columns = [book.export.respondent, *book.all_columns(), "_file", "_row"]
    rows = (
        pl.concat([f.select(c for c in columns if c in f.columns) for f in frames], how="diagonal")
        if frames
        else pl.DataFrame(schema={c: pl.String for c in columns} | {"_row": pl.Int64})
    )
    for c in columns:
        if c not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.String).alias(c))
    rows = rows.with_columns(
        _reject=pl.concat_str(answers.reasons(book), separator="; ", ignore_nulls=True).replace(
            "", None
        )
    )
    rows = answers.duplicates(rows, book, v)
    if source.mapping.contract.bad_value == "refuse":
        answers.refuse_first(rows, source)
    rejected = rows.group_by("_file").agg(pl.col("_reject").is_not_null().sum())
    for f in loads[ROWS].files:
        f.rejected = int(dict(rejected.iter_rows()).get(f.file, 0))
    rid = book.export.respondent
    tables = {
        **answers.codebook_frames(book),
        ROWS: rows.select(
            survey_id=pl.lit(book.id),
            respondent_id=pl.col(rid),
            territory=pl.col(book.question(book.territory).column),
            profession=pl.col(book.question(book.profession).column),
            _file="_file",
            _row="_row",
            _reject="_reject",
        ),
        "answer": answers.answers(rows, book),
        "text": answers.texts(rows, book),
    }
    with raw.atomic(con):
        for table, frame in tables.items():
            kept = _kept(con, source, table, gone) if table in (ROWS, "answer", "text") else None
            if kept is not None and kept.height:
                frame = pl.concat([frame, kept], how="diagonal_relaxed")
                if table == ROWS:
                    for f in loads[ROWS].files:
                        if f.file in gone:
                            f.kept_previous = int((kept["_file"] == f.file).sum())
            con.register("_frame", frame.to_arrow())
            try:
                loads[table].extracted = raw.replace(
                    con, source.name, table, "SELECT * FROM _frame", load_id, now
                )
            finally:
                con.unregister("_frame")
    loads[ROWS].read = sum(f.rows_read for f in loads[ROWS].files)
    for load in loads.values():
        load.read = load.read or load.extracted
        load.warnings += [f.message for f in load.findings if f.flags]
        load.seconds = time.perf_counter() - started
    return list(loads.values())
