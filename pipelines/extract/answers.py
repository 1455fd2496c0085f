"""The codebook's checks of each row of a survey's export, and the export and codebook as the
normalised raw tables (pipelines/extract/survey.py reads the files and applies the contract).

Every check is a polars expression giving the French reason or null, naming the column and the
value (`colonne heures : « 168 » hors de l'intervalle 0 à 100 h`): a choice outside its options
or scale, a number that is none or out of range, an option cell neither ticked nor blank, more
options than `max`, one rank given twice, no respondent; and a respondent on two rows.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from pipelines.config import Source
from pipelines.contract import Violations
from rrc.errors import SourceError
from warehouse.codebook import FREE, Codebook, Question

ROWS = "respondent"  # the raw table of the export's rows
INTEGER = r"^[+-]?[0-9]+$"
DECIMAL = r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$"


def _cell(column: str) -> pl.Expr:
    return pl.col(column)


def _shown(column: str) -> pl.Expr:
    return pl.lit("« ") + pl.col(column) + pl.lit(" »")


def reasons(book: Codebook) -> list[pl.Expr]:
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


def duplicates(rows: pl.DataFrame, book: Codebook, v: Violations) -> pl.DataFrame:
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


def refuse_first(rows: pl.DataFrame, source: Source) -> None:
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


def answers(rows: pl.DataFrame, book: Codebook) -> pl.DataFrame:
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


def texts(rows: pl.DataFrame, book: Codebook) -> pl.DataFrame:
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
