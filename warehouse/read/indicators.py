"""From a request for indicators of the catalogue to SQL over the marts: the one place where the
boards' filters become WHERE clauses.

The filter rule, written once (`_keep`): a filter left empty (NULL) means every value. A mart that
adds up (sessions, dossiers by month) is filtered on the column when the filter is set; a mart of
combinations (distinct patients, medians: one row per combination, '*' for "any value") takes the
row of the filter's value, or the '*' row when it is empty. A dimension the request splits by is
read from its own rows (never the '*' one).

Each request becomes one query per mart (indicators of one mart are read together, with the
totals their `parts` add up to, so that secrecy masks them consistently); the frames are joined on
the dimensions. Statistical secrecy rules are generated from the catalogue: counts of
individuals, rates with their numerator and denominator, statistics with the count they rest on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from warehouse.read.catalogue import IDENT, Catalogue, Dimension, Indicator, Mart
from warehouse.read.secrecy import QueryRules, Rate, Statistic

ANY = "*"


@dataclass(frozen=True)
class Compiled:
    """One query over one mart: its SQL, parameters, secrecy rules and the notes of the filters
    it could not apply."""

    mart: Mart
    indicators: tuple[Indicator, ...]
    sql: str
    params: dict[str, Any]
    rules: QueryRules
    notes: tuple[str, ...]
    # coordinates every row shares beside the bound filters: the mart's fixed columns, a span
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def values(self) -> list[str]:
        return [i.id for i in self.indicators]

    def coordinates(self, params: dict[str, Any]) -> dict[str, Any]:
        """What locates every row's cell, given the parameters bound (a filter left empty is
        every value: no coordinate); the year of `by`, when there is one, is the row's."""
        coords = {k: v for k, v in params.items() if k in self.params and v is not None}
        if "year" in self.rules.coordinates_or_empty():
            coords.pop("year", None)
        return {**coords, **dict(self.extra)}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _keep(column: str, parameter: str, combination: bool) -> str:
    """The filter rule: an empty filter keeps every value (the '*' row of a combination mart)."""
    if combination:
        return f"{column} = coalesce(${parameter}, '{ANY}')"
    return f"(${parameter} IS NULL OR {column} = ${parameter})"


def _label(dim: Dimension, mart: Mart, key: str, alias: str) -> tuple[str, str]:
    """(label expression, join) of a dimension's values."""
    missing = _literal(dim.missing) if dim.missing else "NULL"
    if dim.name in mart.labels:
        expr = " || ' ' || ".join(f"m.{c}" for c in mart.labels[dim.name].split(" || ' ' || "))
        return f"coalesce({expr}, {missing})", ""
    if dim.values:
        cases = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in dim.values.items())
        return f"CASE {key} {cases} ELSE coalesce({key}::VARCHAR, {missing}) END", ""
    if dim.lookup:
        table, lookup_key, label = dim.lookup
        join = f"LEFT JOIN {table} {alias} ON {alias}.{lookup_key} = {key}"
        return (
            f"CASE WHEN {key} IS NULL THEN {missing} ELSE coalesce({alias}.{label}, {key}) END",
            join,
        )
    return f"coalesce({key}::VARCHAR, {missing})", ""


def _aggregates(ind: Indicator) -> list[str]:
    if ind.kind == "count":
        value = "count(*)" if ind.aggregate == "rows" else f"sum(m.{ind.column})"
        return [f"{value}::BIGINT AS {ind.id}"]
    if ind.kind == "rate":
        num, den = f"sum(m.{ind.numerator})", f"sum(m.{ind.denominator})"
        return [
            f"{num}::BIGINT AS {ind.id}__num",
            f"{den}::BIGINT AS {ind.id}__den",
            f"{ind.scale!r} * {num} / nullif({den}, 0) AS {ind.id}",
        ]
    # a statistic of a combination mart: each group is one row of the mart
    return [f"any_value(m.{ind.column}) AS {ind.id}", f"sum(m.{ind.count})::BIGINT AS {ind.id}__n"]


def _rules(name: str, indicators: tuple[Indicator, ...], by: tuple[str, ...]) -> QueryRules:
    """Secrecy rules of one query: each count of individuals is perturbed under the name of the
    mart column it sums (so that the same count read from two marts, or as a rate's denominator,
    reads the same), rates and statistics follow their counts. A row's cell is located by the
    dimensions of `by` (and the request's filters, bound by the reader)."""
    counts: list[str] = []
    measures: dict[str, str] = {}
    rates, statistics = [], []
    for ind in indicators:
        if ind.kind == "count" and ind.secrecy == "individuals":
            counts.append(ind.id)
            measures[ind.id] = ind.column or "rows"
        elif ind.kind == "rate" and ind.secrecy != "none":
            counts += [f"{ind.id}__num", f"{ind.id}__den"]
            measures |= {
                f"{ind.id}__num": ind.numerator or "",
                f"{ind.id}__den": ind.denominator or "",
            }
            rates.append(Rate(ind.id, f"{ind.id}__num", f"{ind.id}__den"))
        elif ind.kind == "statistic" and ind.secrecy != "none":
            counts.append(f"{ind.id}__n")
            measures[f"{ind.id}__n"] = ind.count or ""
            statistics.append(Statistic(ind.id, f"{ind.id}__n"))
    scopes = {i.scope for i in indicators}
    scope = "network" if "network" in scopes else "public" if scopes == {"public"} else "c3"
    return QueryRules(
        name=name,
        counts=tuple(counts),
        rates=tuple(rates),
        statistics=tuple(statistics),
        scope=scope,
        measures=measures,
        coordinates=by,
    )


def _column(text: str) -> str:
    """A mart column of the catalogue (a name, or `year(month)`, `date_trunc('month', day)::date`)
    as an expression over the mart's alias `m`."""
    if IDENT.match(text):
        return f"m.{text}"
    return re.sub(r"(\(|, )([a-z_][a-z0-9_]*)\)", r"\1m.\2)", text)


def compile_mart(
    cat: Catalogue,
    mart: Mart,
    indicators: tuple[Indicator, ...],
    by: tuple[str, ...],
    filters: dict[str, Any],
    years: int = 1,
) -> Compiled:
    """The query of `indicators` (all on `mart`, honouring the same filters) split by `by`."""
    honoured = set(indicators[0].honours(mart))
    # the rows are grouped by the dimensions' keys; a label that is a function of its key (a
    # cast, a CASE, a lookup) is written after the grouping, once per group instead of once per
    # row (casting every row's year to text took three quarters of a 10-year query over a
    # monthly mart); a label the mart carries in its own columns is grouped with its key
    select, outer, joins, where = [], [], [], []
    for dim in by:
        key = _column(mart.year if dim == "year" else mart.columns[dim])
        name = f'"{dim}"'
        select.append(f"{key} AS {name}")
        outer.append(f"g.{name}")
        if dim in mart.labels:
            label, _ = _label(cat.dimensions[dim], mart, key, f"l_{dim}")
            select.append(f'{label} AS "{dim}_label"')
            outer.append(f'g."{dim}_label"')
        else:
            label, join = _label(cat.dimensions[dim], mart, f"g.{name}", f"l_{dim}")
            outer.append(f'{label} AS "{dim}_label"')
            joins += [join] if join else []
        if dim in mart.combinations:
            where.append(f"{key} IS DISTINCT FROM '{ANY}'")
        if any(i.known_only for i in indicators):
            where.append(f"{key} IS NOT NULL")
    where += [f"m.{column} = {_literal(value)}" for column, value in mart.fixed.items()]
    year = _column(mart.year)
    if years > 1:
        where.append(f"{year} BETWEEN $year - {years - 1} AND $year")
    else:  # split by year or not, one year: `years` counts the years up to $year
        where.append(f"{year} = $year")
    params: dict[str, Any] = {"year": filters.get("year")}
    notes: list[str] = []
    months = filters.get("months")
    if months is not None and "month" in mart.columns:
        where.append(f"month({_column(mart.columns['month'])}) BETWEEN $month_from AND $month_to")
        params |= {"month_from": int(months[0]), "month_to": int(months[1])}
    elif months is not None:
        notes.append(cat.period.not_followed)
    for f in ("c3", "organ", "finess", "department"):
        column = mart.columns.get(f)
        if column is None or f not in honoured:
            if filters.get(f) is not None:  # the catalogue makes sure each says so
                notes += [i.unfiltered for i in indicators if i.unfiltered]
            if column is not None and f in mart.combinations and f not in by:
                where.append(f"{_column(column)} = '{ANY}'")  # the row of any value
            continue
        where.append(_keep(_column(column), f, f in mart.combinations and f not in by))
        params[f] = filters.get(f)
    aggregates = [a for ind in indicators for a in _aggregates(ind)]
    inner = (
        f"SELECT {', '.join(select + aggregates)}\nFROM {mart.table} m\n"
        f"WHERE {' AND '.join(where)}\n" + ("GROUP BY ALL" if select else "")
    )
    if select:
        values = [f"g.{a.rsplit(' AS ', 1)[1]}" for a in aggregates]
        keys = ", ".join(f'g."{dim}"' for dim in by)
        sql = (
            f"SELECT {', '.join(outer + values)}\nFROM ({inner}) g\n"
            + "".join(f"{j}\n" for j in joins)
            + f"ORDER BY {keys}"
        )
    else:
        sql = inner
    name = f"indicators:{mart.name}:{','.join(i.id for i in indicators)}:{','.join(by)}"
    rules = _rules(name, indicators, by)
    extra: list[tuple[str, Any]] = [
        (f"fixed:{column}", value) for column, value in sorted(mart.fixed.items())
    ]
    if years > 1 and "year" not in by:
        extra.append(("years", years))
    return Compiled(mart, indicators, sql, params, rules, tuple(dict.fromkeys(notes)), tuple(extra))


def _mart_for(cat: Catalogue, ind: Indicator, by: tuple[str, ...], taken: list[str]) -> Mart:
    """The mart of the indicator that has every dimension of `by`, preferring one the request
    already reads."""
    usable = [m for m in ind.marts if all(d == "year" or d in cat.marts[m].columns for d in by)]
    if not usable:
        raise KeyError(f"indicator {ind.id} cannot be split by {', '.join(by)}")
    return cat.marts[next((m for m in usable if m in taken), usable[0])]


def plan(
    cat: Catalogue,
    ids: tuple[str, ...],
    by: tuple[str, ...] = (),
    filters: dict[str, Any] | None = None,
    years: int = 1,
) -> list[Compiled]:
    """The queries that read indicators `ids` split by `by`, for the boards' `filters`."""
    wanted = [cat.indicator(i) for i in ids]
    # the totals that parts of the request add up to come along, masked with them
    wanted += [
        t
        for t in cat.indicators.values()
        if t.id not in ids and any(set(g) & set(ids) for g in t.parts)
    ]
    groups: dict[tuple[str, tuple[str, ...], bool], list[Indicator]] = {}
    taken: list[str] = []
    for ind in wanted:
        mart = _mart_for(cat, ind, by, taken)
        taken.append(mart.name)
        groups.setdefault((mart.name, ind.honours(mart), ind.known_only), []).append(ind)
    return [
        compile_mart(cat, cat.marts[name], tuple(inds), by, filters or {}, years)
        for (name, _, _), inds in groups.items()
    ]
