"""The filter a DataTable sends when it filters on the server (`filter_action="custom"`), read
and applied to a polars frame.

The table's filter row writes one expression per column, joined by `&&`:
`{reason} icontains "même fiche" && {lignes} > 10`. The operators are the table's own
(dash_table's query syntax): `contains`, `=`, `!=`, `<`, `<=`, `>`, `>=` (or `eq`, `ne`, `lt`,
`le`, `gt`, `ge`), each with an `i` (case-insensitive) or `s` (case-sensitive) prefix,
`datestartswith`, and `is blank` / `is nil`. A value is a bare word or quoted with `"`, `'` or a
backtick, `\\` escaping the quote. What the filter row cannot write (`||`, parentheses, `!`) is
refused with a message in French, never ignored: a table that silently showed every row would
say the filter matched them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from dash import Input, ctx

RELATIONS = {
    "=": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    **{name: name for name in ("eq", "ne", "lt", "le", "gt", "ge")},
}
COLUMN = re.compile(r"\{((?:[^}\\]|\\.)+)\}\s*")
OPERATOR = re.compile(
    r"(?:(?P<case>[is])?(?P<rel>contains|eq|ne|lt|le|gt|ge|<=|>=|!=|=|<|>)"
    r"|(?P<date>datestartswith)|(?P<unary>is blank|is nil))(?=\s|$|[\"'`])\s*",
    re.IGNORECASE,
)
VALUE = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|`((?:[^`\\]|\\.)*)`|([^\s]+)")
AND = re.compile(r"\s*(?:&&|and\s)\s*", re.IGNORECASE)
ESCAPE = re.compile(r"\\(.)")


class FilterError(ValueError):
    """A filter the server does not read; its message says so in French."""


@dataclass(frozen=True)
class Term:
    column: str
    operator: str  # contains, eq, ne, lt, le, gt, ge, datestartswith, blank
    value: str = ""
    case_sensitive: bool = False


def parse(query: str | None, default_insensitive: bool = True) -> list[Term]:
    """The terms of a table's `filter_query` (all must hold); [] for no filter."""
    text = (query or "").strip()
    terms: list[Term] = []
    while text:
        column = COLUMN.match(text)
        if column is None:
            raise FilterError(f"filtre non compris : « {text[:60]} » (attendu : {{colonne}} …)")
        text = text[column.end() :]
        op = OPERATOR.match(text)
        if op is None:
            raise FilterError(f"opérateur de filtre non compris : « {text[:40]} »")
        text = text[op.end() :]
        name = ESCAPE.sub(r"\1", column.group(1))
        if op.group("unary"):
            terms.append(Term(name, "blank"))
        else:
            value = VALUE.match(text)
            if value is None:
                raise FilterError(f"valeur de filtre absente pour la colonne {name}")
            text = text[value.end() :]
            quoted = next(g for g in value.groups() if g is not None)
            case = (op.group("case") or "").lower()
            sensitive = case == "s" or (case == "" and not default_insensitive)
            kind = "datestartswith" if op.group("date") else op.group("rel").lower()
            operator = "contains" if kind == "contains" else RELATIONS.get(kind, kind)
            terms.append(Term(name, operator, ESCAPE.sub(r"\1", quoted), sensitive))
        text = text.lstrip()
        if text:
            joined = AND.match(text)
            if joined is None:
                raise FilterError(
                    f"seuls les filtres par colonne, tous vérifiés (&&), sont lus : « {text[:40]} »"
                )
            text = text[joined.end() :]
    return terms


def apply(frame: pl.DataFrame, terms: list[Term]) -> pl.DataFrame:
    """The rows of `frame` for which every term holds (a number compared as a number in a
    numeric column, as text otherwise)."""
    for term in terms:
        if term.column not in frame.columns:
            raise FilterError(f"colonne de filtre inconnue : {term.column}")
        frame = frame.filter(_predicate(term, frame.schema[term.column]))
    return frame


def _predicate(term: Term, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(term.column)
    if term.operator == "blank":
        return column.is_null() | (column.cast(pl.String).str.strip_chars() == "")
    if dtype.is_numeric() and term.operator not in ("contains", "datestartswith"):
        try:
            number = float(term.value.replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError as exc:
            raise FilterError(f"la colonne {term.column} attend un nombre : {term.value}") from exc
        return _compare(column.cast(pl.Float64), term.operator, pl.lit(number)).fill_null(False)
    text, value = column.cast(pl.String), term.value
    if not term.case_sensitive:
        text, value = text.str.to_lowercase(), value.lower()
    if term.operator == "contains":
        return text.str.contains(value, literal=True).fill_null(False)
    if term.operator == "datestartswith":
        return text.str.starts_with(value).fill_null(False)
    return _compare(text, term.operator, pl.lit(value)).fill_null(False)


def _compare(left: pl.Expr, operator: str, right: pl.Expr) -> pl.Expr:
    return {
        "eq": left == right,
        "ne": left != right,
        "lt": left < right,
        "le": left <= right,
        "gt": left > right,
        "ge": left >= right,
    }[operator]


@dataclass(frozen=True)
class Page:
    rows: pl.DataFrame  # the page's rows
    matched: int  # rows that pass the filter
    page_count: int  # pages of `matched` rows (at least 1)
    current: int  # the page shown (0 for the first)


def page(
    frame: pl.DataFrame,
    query: str | None,
    sort_by: list[dict[str, str]] | None,
    current: int | None,
    size: int | None,
    default_size: int = 10,
) -> Page:
    """The page `current` of `frame` filtered by the table's `filter_query` and sorted by its
    `sort_by` (`[{"column_id": …, "direction": "asc" | "desc"}]`, nulls last), as a table
    paged, filtered and sorted on the server shows it (the last page when `current` is past
    it); raises FilterError on a filter it does not read."""
    size = max(size or default_size, 1)
    matched = apply(frame, parse(query))
    pages = page_count(matched.height, size)
    order = [s for s in sort_by or [] if s.get("column_id") in matched.columns]
    if order:
        matched = matched.sort(
            [s["column_id"] for s in order],
            descending=[s.get("direction") == "desc" for s in order],
            nulls_last=True,
            maintain_order=True,
        )
    shown = min(max(current or 0, 0), pages - 1)  # past the last page: the last one
    return Page(matched.slice(shown * size, size), matched.height, pages, shown)


def requested_page(current: int | None, table_id: str) -> int:
    """The page a table asks for: the first one when its filter or its sort just changed (the
    rows are others; the table itself stays on the page it was on)."""
    changed = {f"{table_id}.filter_query", f"{table_id}.sort_by"}
    if ctx.triggered_prop_ids and changed & set(ctx.triggered_prop_ids):
        return 0
    return max(current or 0, 0)


def page_count(rows: int, size: int) -> int:
    """Pages of `size` rows that `rows` fill (one when there is none)."""
    return max(-(-rows // size), 1)


def inputs(table_id: str, sort: bool = True) -> list[Input]:
    """What a table paged, filtered (and sorted) by the server sends to its callback, in the
    order of `page`'s arguments: the page, its size, the filter (and the sort)."""
    props = ["page_current", "page_size", "filter_query", *(["sort_by"] if sort else [])]
    return [Input(table_id, p) for p in props]
