"""Extract a survey: the export of a questionnaire tool (CSV or XLSX, one row per respondent),
read with the survey's codebook (config/surveys/<survey>.toml, `warehouse/codebook.py`).

Every file of the source's folder that matches its pattern is read in full, every cell as text;
a row keeps its file and its row number as a spreadsheet shows it (the header is row 1). Each
file is held to the contract of `config/mappings/survey.toml`:

- headers: unique, every question's column and the respondent's present (else refused, naming
  the column), any other column neither a question's nor an `extras` one is `extra_column`;
- answers (`bad_value`): a choice outside its options or scale, a number that is not one or lies
  outside its range, an option cell neither checked nor unchecked, more options than `max`, one
  rank given twice, no respondent: the row is quarantined with every reason, naming the column
  and the value (or the source refused, naming the file, the row and the column);
- respondents (`duplicate_key`): one respondent on two rows, in one file or two, quarantines both.

The codebook and the answers go to normalised raw tables (`survey`, `question`, `option`,
`respondent`, `answer`, `text`) that `config/mappings/survey.toml` maps like any other source;
a quarantined respondent's answers are not offered (its row is, in `respondent`). Free text goes
to `text` only: it never leaves the staging layer (docs/access.md).
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Violations
from pipelines.extract import encoding
from rrc.errors import SourceError
from warehouse.codebook import FREE, Codebook, Question

TABLES = ("survey", "question", "option", "respondent", "answer", "text")
ROWS = "respondent"  # the raw table of the export's rows: files are reconciled on it
INTEGER = r"^[+-]?[0-9]+$"
DECIMAL = r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$"
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


def _cell(column: str) -> pl.Expr:
    return pl.col(column)


def _shown(column: str) -> pl.Expr:
    return pl.lit("« ") + pl.col(column) + pl.lit(" »")


def _reasons(book: Codebook) -> list[pl.Expr]:
    """One expression per check, each the French reason or null."""
    out: list[pl.Expr] = [
        pl.when(_cell(book.export.respondent).is_null()).then(
            pl.lit(f"colonne {book.export.respondent} : répondant sans identifiant")
        )
    ]
    for q in book.questions:
        if q.type in ("single", "likert"):
            codes = [o.code for o in q.options]
            what = "une réponse de l'échelle" if q.type == "likert" else "une option de la question"
            out.append(
                pl.when(_cell(q.column).is_not_null() & ~_cell(q.column).is_in(codes)).then(
                    pl.lit(f"colonne {q.column} : ")
                    + _shown(q.column)
                    + pl.lit(f" n'est pas {what} ({', '.join(codes)})")
                )
            )
        elif q.type == "number":
            out.append(_number_reason(q))
        elif q.type == "multiple":
            out += _multiple_reasons(book, q)
    return out


def _number(q: Question) -> pl.Expr:
    return _cell(q.column).str.replace(",", ".").cast(pl.Float64, strict=False)


def _number_reason(q: Question) -> pl.Expr:
    shape = INTEGER if q.integer else DECIMAL
    kind = "un nombre entier" if q.integer else "un nombre"
    value = _number(q)
    low, high = f"{q.minimum:g}", f"{q.maximum:g}"
    return (
        pl.when(_cell(q.column).is_null())
        .then(None)
        .when(~_cell(q.column).str.contains(shape))
        .then(pl.lit(f"colonne {q.column} : ") + _shown(q.column) + pl.lit(f" n'est pas {kind}"))
        .when((value < (q.minimum or 0)) | (value > (q.maximum or 0)))
        .then(
            pl.lit(f"colonne {q.column} : ")
            + _shown(q.column)
            + pl.lit(f" hors de l'intervalle {low} à {high}{' ' + q.unit if q.unit else ''}")
        )
    )


def _multiple_reasons(book: Codebook, q: Question) -> list[pl.Expr]:
    columns = list(book.columns(q))
    out: list[pl.Expr] = []
    if q.ranked:
        ranks = [str(r) for r in range(1, (q.max_choices or 1) + 1)]
        allowed, what = ranks, f"n'est pas un rang de 1 à {q.max_choices}"
    else:
        allowed = [*book.export.checked, *book.export.unchecked]
        what = f"n'est ni coché ({', '.join(book.export.checked)}) ni décoché " + (
            f"({', '.join(book.export.unchecked)} ou vide)"
        )
    for c in columns:
        out.append(
            pl.when(_cell(c).is_not_null() & ~_cell(c).is_in(allowed)).then(
                pl.lit(f"colonne {c} : ") + _shown(c) + pl.lit(f" {what}")
            )
        )
    chosen = pl.sum_horizontal(_chosen(book, q, c).cast(pl.Int32) for c in columns)
    if q.max_choices is not None:
        out.append(
            pl.when(chosen > q.max_choices).then(
                pl.lit(f"colonnes {columns[0]}…{columns[-1]} : ")
                + chosen.cast(pl.String)
                + pl.lit(f" options choisies, {q.max_choices} au plus")
            )
        )
    if q.ranked:
        for r in range(1, (q.max_choices or 1) + 1):
            twice = pl.sum_horizontal((_cell(c) == str(r)).fill_null(False) for c in columns)
            out.append(
                pl.when(twice > 1).then(
                    pl.lit(f"colonnes {columns[0]}…{columns[-1]} : rang {r} donné à ")
                    + twice.cast(pl.String)
                    + pl.lit(" options")
                )
            )
    return out


def _chosen(book: Codebook, q: Question, column: str) -> pl.Expr:
    if q.ranked:
        return _cell(column).is_not_null()
    return _cell(column).is_in(list(book.export.checked)).fill_null(False)


def _duplicates(rows: pl.DataFrame, book: Codebook, v: Violations) -> pl.DataFrame:
    """A respondent on two rows (in one file or two): each row quarantined (or refused)."""
    rid = book.export.respondent
    where = pl.col("_file") + pl.lit(" ligne ") + pl.col("_row").cast(pl.String)
    dup = rows.filter(pl.col(rid).is_not_null() & pl.col(rid).is_duplicated())
    if dup.height == 0:
        return rows
    places = dup.group_by(rid).agg(where.sort_by("_file", "_row").alias("_places"))
    shown = "; ".join(
        f"{r[rid]} ({', '.join(r['_places'])})"
        for r in places.sort(rid).head(5).iter_rows(named=True)
    )
    v(
        "duplicate_key",
        dup.height,
        f"{places.height} répondant(s) sur plusieurs lignes ({dup.height} lignes) : {shown}"
        + (" : chacune en quarantaine" if v.contract.duplicate_key == "quarantine" else ""),
        file=", ".join(sorted(set(dup["_file"]))),
        column=rid,
        hint=f"a respondent answers once: remove the extra rows from the export (column {rid})",
    )
    reason = (
        pl.lit(f"colonne {rid} : le répondant ")
        + pl.col(rid)
        + pl.lit(" figure sur plusieurs lignes (")
        + pl.col("_places").list.join(", ")
        + pl.lit(")")
    )
    return (
        rows.join(places, on=rid, how="left", nulls_equal=False)
        .with_columns(
            _reject=pl.concat_str(
                [pl.col("_reject"), pl.when(pl.col("_places").is_not_null()).then(reason)],
                separator="; ",
                ignore_nulls=True,
            ).replace("", None)
        )
        .drop("_places")
    )


def _refuse_first(rows: pl.DataFrame, source: Source) -> None:
    """`bad_value = "refuse"`: the first row that breaks the codebook stops the source."""
    bad = rows.filter(pl.col("_reject").is_not_null()).sort("_file", "_row")
    if bad.height:
        first = bad.row(0, named=True)
        column = re.match(r"colonnes? (\S+)", first["_reject"])
        raise SourceError(
            f"{first['_file']}, ligne {first['_row']}: {first['_reject']} ({bad.height} row(s) "
            "break the codebook)",
            source=source.name,
            table=ROWS,
            column=column.group(1) if column else None,
            hint="correct the answer in the export (or the scale in the codebook), or set "
            'bad_value = "quarantine" in the contract of '
            f"config/mappings/{source.mapping.path.name} to load the other respondents",
        )


def _answers(rows: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """One row per answer of an accepted respondent: the option chosen (a number's class, with
    its value), each option of a multiple choice (with its rank)."""
    ok = rows.filter(pl.col("_reject").is_null())
    rid, parts = book.export.respondent, []
    base = [pl.lit(book.id).alias("survey_id"), pl.col(rid).alias("respondent_id")]
    tail = [pl.col("_file"), pl.col("_row")]
    for q in book.questions:
        if q.type in ("single", "likert"):
            parts.append(
                ok.filter(_cell(q.column).is_not_null()).select(
                    *base,
                    pl.lit(q.id).alias("question_id"),
                    _cell(q.column).alias("option_code"),
                    pl.lit(None, pl.Int64).alias("rank"),
                    pl.lit(None, pl.Float64).alias("value"),
                    *tail,
                )
            )
        elif q.type == "number":
            value = _number(q)
            code = pl.lit(None, pl.String)
            for o in reversed(q.options):
                code = (
                    pl.when((value >= o.low) & (value < o.high))
                    .then(pl.lit(o.code))
                    .otherwise(code)
                )
            parts.append(
                ok.filter(_cell(q.column).is_not_null()).select(
                    *base,
                    pl.lit(q.id).alias("question_id"),
                    code.alias("option_code"),
                    pl.lit(None, pl.Int64).alias("rank"),
                    value.alias("value"),
                    *tail,
                )
            )
        elif q.type == "multiple":
            for column, option in book.columns(q).items():
                assert option is not None
                parts.append(
                    ok.filter(_chosen(book, q, column)).select(
                        *base,
                        pl.lit(q.id).alias("question_id"),
                        pl.lit(option.code).alias("option_code"),
                        (
                            _cell(column).cast(pl.Int64) if q.ranked else pl.lit(None, pl.Int64)
                        ).alias("rank"),
                        pl.lit(None, pl.Float64).alias("value"),
                        *tail,
                    )
                )
    return pl.concat(parts) if parts else _empty("answer")


def _texts(rows: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    ok = rows.filter(pl.col("_reject").is_null())
    parts = [
        ok.filter(_cell(q.column).is_not_null()).select(
            pl.lit(book.id).alias("survey_id"),
            pl.col(book.export.respondent).alias("respondent_id"),
            pl.lit(q.id).alias("question_id"),
            _cell(q.column).alias("text"),
            pl.col("_file"),
            pl.col("_row"),
        )
        for q in book.questions
        if q.type in FREE
    ]
    return pl.concat(parts) if parts else _empty("text")


SCHEMAS: dict[str, dict[str, Any]] = {
    "answer": {
        "survey_id": pl.String,
        "respondent_id": pl.String,
        "question_id": pl.String,
        "option_code": pl.String,
        "rank": pl.Int64,
        "value": pl.Float64,
        "_file": pl.String,
        "_row": pl.Int64,
    },
    "text": {
        "survey_id": pl.String,
        "respondent_id": pl.String,
        "question_id": pl.String,
        "text": pl.String,
        "_file": pl.String,
        "_row": pl.Int64,
    },
}


def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[table])


def codebook_frames(book: Codebook) -> dict[str, pl.DataFrame]:
    """The codebook as the raw tables `survey`, `question` and `option`."""
    questions = pl.DataFrame(
        [
            {
                "survey_id": book.id,
                "question_id": q.id,
                "position": i,
                "section": q.section,
                "label": q.label,
                "qtype": q.type,
                "max_choices": q.max_choices,
                "ranked": q.ranked,
                "reverse": q.reverse,
                "unit": q.unit or None,
                "of_question": q.of,
            }
            for i, q in enumerate(book.questions, start=1)
        ],
        schema_overrides={"max_choices": pl.Int64, "of_question": pl.String, "unit": pl.String},
    )
    options = pl.DataFrame(
        [
            {
                "survey_id": book.id,
                "question_id": q.id,
                "option_code": o.code,
                "position": j,
                "label": o.label,
                "side": o.side,
                "low": o.low,
                "high": o.high,
            }
            for q in book.questions
            for j, o in enumerate(q.options, start=1)
        ],
        schema_overrides={"side": pl.String, "low": pl.Float64, "high": pl.Float64},
    )
    survey = pl.DataFrame(
        [
            {
                "survey_id": book.id,
                "title": book.title,
                "year": book.year,
                "territory_question": book.territory,
                "profession_question": book.profession,
            }
        ]
    )
    return {"survey": survey, "question": questions, "option": options}


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
        _reject=pl.concat_str(_reasons(book), separator="; ", ignore_nulls=True).replace("", None)
    )
    rows = _duplicates(rows, book, v)
    if source.mapping.contract.bad_value == "refuse":
        _refuse_first(rows, source)
    rejected = rows.group_by("_file").agg(pl.col("_reject").is_not_null().sum())
    for f in loads[ROWS].files:
        f.rejected = int(dict(rejected.iter_rows()).get(f.file, 0))
    rid = book.export.respondent
    tables = {
        **codebook_frames(book),
        ROWS: rows.select(
            survey_id=pl.lit(book.id),
            respondent_id=pl.col(rid),
            territory=pl.col(book.question(book.territory).column),
            profession=pl.col(book.question(book.profession).column),
            _file="_file",
            _row="_row",
            _reject="_reject",
        ),
        "answer": _answers(rows, book),
        "text": _texts(rows, book),
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
