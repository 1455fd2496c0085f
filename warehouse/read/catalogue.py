"""The catalogue of indicators (config/indicators.toml): each figure of the boards, exports and
reports defined once — label, definition, unit, format, the mart it reads, the filters it honours,
its secrecy rule and what stands behind it. Read and checked here; `warehouse.read.indicators`
turns a request for indicators into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError
from rrc.settings import config_dir, load_toml

FILTERS = ("year", "c3", "organ", "finess", "department")
KINDS = ("count", "rate", "statistic")
FORMATS = ("count", "percent", "days", "rate")
SECRECY = ("individuals", "rate", "statistic", "none")
STYLES = ("bars", "stacked", "horizontal", "stacked-horizontal", "lines", "calendar")
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
# a mart column as the catalogue may name it: a column, or a date expression of one
COLUMN = re.compile(r"^([a-z_][a-z0-9_]*|date_trunc\('month', [a-z_]+\)::date|year\([a-z_]+\))$")


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    url: str


@dataclass(frozen=True)
class Period:
    """The months of the chosen year a request may narrow to (`?mois=3-6`): followed by the
    indicators of marts with a `month` column; the others give the whole year and say so."""

    label: str = "Mois"
    url: str = "mois"
    start: str = "Du mois"
    end: str = "au mois"
    not_followed: str = "Chiffre de l'année entière : il ne se décline pas par mois."


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    lookup: tuple[str, str, str] | None = None  # table, key column, label column
    values: dict[str, str] = field(default_factory=dict)
    missing: str | None = None
    format: str | None = None  # "month", "day"


@dataclass(frozen=True)
class Mart:
    name: str
    year: str
    columns: dict[str, str]
    combinations: frozenset[str]
    entities: tuple[str, ...]
    tables: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)  # dimension -> label expression
    fixed: dict[str, str] = field(default_factory=dict)  # column -> the only value read

    @property
    def table(self) -> str:
        return f"marts.{self.name}"


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    short: str
    definition: str
    unit: str
    format: str
    marts: tuple[str, ...]
    kind: str
    secrecy: str
    column: str | None = None
    aggregate: str = "sum"
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    count: str | None = None
    parts: tuple[tuple[str, ...], ...] = ()
    filters: tuple[str, ...] | None = None  # None: every filter its mart has a column for
    unfiltered: str = ""
    when_filtered: str = ""  # shown when an organ, establishment or department filter is set
    beside: str | None = None  # an indicator shown beside it (on its tile)
    known_only: bool = False  # split by a dimension, rows of no recorded value are left out
    scope: str = "c3"

    def honours(self, mart: Mart) -> tuple[str, ...]:
        """The filters this indicator applies on `mart`."""
        own = tuple(f for f in FILTERS[1:] if f in mart.columns)
        return own if self.filters is None else tuple(f for f in own if f in self.filters)

    @property
    def columns(self) -> tuple[str, ...]:
        """The mart columns the indicator reads."""
        return tuple(
            c for c in (self.column, self.numerator, self.denominator, self.count) if c is not None
        )


@dataclass(frozen=True)
class Chart:
    page: str
    id: str
    title: str
    series: tuple[str, ...]
    by: str
    style: str
    order: str = "key"
    target: float | None = None  # a line at this value (a rate's target), drawn on the chart


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    columns: dict[str, str]  # column -> French header, in order
    values: dict[str, str]  # coded column -> the dimension whose values translate it


@dataclass(frozen=True)
class Catalogue:
    path: Path
    filters: dict[str, Filter]
    dimensions: dict[str, Dimension]
    marts: dict[str, Mart]
    indicators: dict[str, Indicator]
    charts: dict[str, dict[str, Chart]]
    overview: tuple[str, ...]
    report: tuple[str, ...]
    tables: dict[str, Table] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    period: Period = field(default_factory=Period)

    def text(self, key: str) -> str:
        try:
            return self.texts[key]
        except KeyError:
            raise ConfigError(f"no text {key!r} under [texts] in {self.path}") from None

    def indicator(self, id_: str) -> Indicator:
        try:
            return self.indicators[id_]
        except KeyError:
            raise ConfigError(
                f"indicator {id_!r} is not in {self.path}",
                hint=f"add an [indicators.{id_}] table to it, or use one of "
                f"{', '.join(sorted(self.indicators))}",
            ) from None

    def chart(self, page: str, id_: str) -> Chart:
        try:
            return self.charts[page][id_]
        except KeyError:
            raise ConfigError(f"no [charts.{page}.{id_}] in {self.path}") from None

    def labels(self) -> set[str]:
        """Every text the catalogue gives the screens (labels, titles, units, definitions)."""
        out = {f.label for f in self.filters.values()}
        for d in self.dimensions.values():
            out |= {d.label, *d.values.values(), *([d.missing] if d.missing else [])}
        for i in self.indicators.values():
            out |= {
                i.label,
                i.short,
                i.unit,
                i.definition,
                *(x for x in (i.unfiltered, i.when_filtered) if x),
            }
        out |= {c.title for page in self.charts.values() for c in page.values()}
        for table in self.tables.values():
            out |= {table.title, *table.columns.values()}
        return out | set(self.texts.values())

    def translate(self, table: str, column: str, value: object) -> object:
        """A coded value of a table's column in French (its dimension's `values`)."""
        dim = self.dimensions.get(self.tables[table].values.get(column, ""))
        if dim is None:
            return value
        if value is None or value == "":
            return dim.missing or ""
        return dim.values.get(str(value), value)


def _where(path: Path, table: str) -> str:
    return f"{path} [{table}]"


def _mart(path: Path, name: str, spec: dict[str, Any], dimensions: dict[str, Dimension]) -> Mart:
    where = _where(path, f"marts.{name}")
    if not IDENT.match(name):
        raise ConfigError(f"{where}: {name!r} is not a mart name")
    columns = dict(spec.get("columns", {}))
    unknown = set(columns) - set(dimensions) - set(FILTERS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown dimensions {sorted(unknown)}",
            hint=f"dimensions: {', '.join(dimensions)}",
        )
    bad = [c for c in [spec.get("year", ""), *columns.values()] if not COLUMN.match(str(c))]
    if bad:
        raise ConfigError(f"{where}: {bad[0]!r} is not a column (or a month/year of one)")
    combinations = frozenset(spec.get("combinations", ()))
    if not combinations <= set(columns):
        raise ConfigError(f"{where}: combinations must be dimensions of `columns`")
    labels = dict(spec.get("labels", {}))
    for dim, expr in labels.items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]*( \|\| ' ' \|\| [a-z_][a-z0-9_]*)?", expr):
            raise ConfigError(f"{where}: label of {dim} must be `col` or `a || ' ' || b`")
    fixed = {str(k): str(v) for k, v in spec.get("fixed", {}).items()}
    if not all(IDENT.match(k) for k in fixed):
        raise ConfigError(f"{where}: fixed names columns: {sorted(fixed)}")
    return Mart(
        name,
        str(spec["year"]),
        columns,
        combinations,
        tuple(spec.get("entities", ())),
        tuple(spec.get("tables", ())),
        labels,
        fixed,
    )


def _indicator(path: Path, id_: str, spec: dict[str, Any], marts: dict[str, Mart]) -> Indicator:
    where = _where(path, f"indicators.{id_}")
    if not IDENT.match(id_):
        raise ConfigError(f"{where}: an indicator id is lower-case letters, digits and _")
    missing = [
        k for k in ("label", "definition", "unit", "format", "mart", "kind") if k not in spec
    ]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    names = spec["mart"] if isinstance(spec["mart"], list) else [spec["mart"]]
    unknown = [m for m in names if m not in marts]
    if unknown:
        raise ConfigError(f"{where}: mart {unknown[0]!r} has no [marts.{unknown[0]}] table")
    kind, fmt, secrecy = spec["kind"], spec["format"], spec.get("secrecy", "individuals")
    for value, allowed, what in ((kind, KINDS, "kind"), (fmt, FORMATS, "format")):
        if value not in allowed:
            raise ConfigError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")
    if secrecy not in SECRECY:
        raise ConfigError(f"{where}: secrecy {secrecy!r} is not one of {', '.join(SECRECY)}")
    need = {"count": ("column",), "rate": ("numerator", "denominator"), "statistic": ("column",)}
    for key in need[kind]:
        if key not in spec:
            raise ConfigError(f"{where}: a {kind} indicator needs `{key}`")
    if kind == "statistic" and "count" not in spec:
        raise ConfigError(f"{where}: a statistic rests on a count: give `count` (a column)")
    for key in ("column", "numerator", "denominator", "count"):
        if key in spec and not IDENT.match(str(spec[key])):
            raise ConfigError(f"{where}: {key} {spec[key]!r} is not a column name")
    filters = spec.get("filters")
    if filters is not None and not set(filters) <= set(FILTERS):
        raise ConfigError(f"{where}: filters must be among {', '.join(FILTERS)}")
    return Indicator(
        id=id_,
        label=spec["label"],
        short=spec.get("short", spec["label"]),
        definition=spec["definition"],
        unit=spec["unit"],
        format=fmt,
        marts=tuple(names),
        kind=kind,
        secrecy=secrecy,
        column=spec.get("column"),
        aggregate=spec.get("aggregate", "sum"),
        numerator=spec.get("numerator"),
        denominator=spec.get("denominator"),
        scale=float(spec.get("scale", 1)),
        count=spec.get("count"),
        parts=tuple(tuple(p) for p in spec.get("parts", ())),
        filters=tuple(filters) if filters is not None else None,
        unfiltered=spec.get("unfiltered", ""),
        when_filtered=spec.get("when_filtered", ""),
        beside=spec.get("beside"),
        known_only=bool(spec.get("known_only", False)),
        scope=spec.get("scope", "c3"),
    )


def parse(raw: dict[str, Any], path: Path) -> Catalogue:
    filters = {n: Filter(n, s["label"], s.get("url", n)) for n, s in raw.get("filters", {}).items()}
    if set(filters) != set(FILTERS):
        raise ConfigError(f"{path}: [filters] must define {', '.join(FILTERS)}")
    dimensions = {}
    for name, s in raw.get("dimensions", {}).items():
        lookup = tuple(s["lookup"].rsplit(".", 2)) if "lookup" in s else None
        if lookup is not None and (len(lookup) != 3 or not all(IDENT.match(p) for p in lookup[1:])):
            raise ConfigError(f"{path}: dimension {name}: lookup is schema.table.key.label")
        dimensions[name] = Dimension(
            name, s["label"], lookup, dict(s.get("values", {})), s.get("missing"), s.get("format")
        )
    marts = {n: _mart(path, n, s, dimensions) for n, s in raw.get("marts", {}).items()}
    indicators = {i: _indicator(path, i, s, marts) for i, s in raw.get("indicators", {}).items()}
    labels: dict[str, str] = {}
    for ind in indicators.values():
        if ind.label in labels:  # exports and reports head their columns with it
            raise ConfigError(
                f"{path}: indicators {labels[ind.label]} and {ind.id} have the same label "
                f"{ind.label!r}: their columns could not be told apart in an export",
                hint="say in the label what sets them apart (`short` may stay the same)",
            )
        labels[ind.label] = ind.id
        for part in (p for group in ind.parts for p in group):
            if part not in indicators:
                raise ConfigError(f"{path}: indicator {ind.id}: part {part!r} is not an indicator")
        if ind.beside is not None and ind.beside not in indicators:
            raise ConfigError(f"{path}: indicator {ind.id}: beside {ind.beside!r} is unknown")
        for name in ind.marts:
            mart = marts[name]
            if len(ind.honours(mart)) < len(FILTERS) - 1 and not ind.unfiltered:
                raise ConfigError(
                    f"{path}: indicator {ind.id} does not follow every filter on {name}: say so "
                    "to the reader",
                    hint="give it `unfiltered`, the sentence shown when such a filter is set",
                )
            if ind.scope == "c3" and "c3" not in ind.honours(mart):
                raise ConfigError(
                    f"{path}: indicator {ind.id} does not follow the 3C filter on {name}: a 3C "
                    "user would see the whole network",
                    hint='declare scope = "public" for a figure about no one (a registry), or '
                    "give the mart a c3 column",
                )
            if ind.kind == "statistic" and set(mart.columns) - set(mart.combinations):
                raise ConfigError(
                    f"{path}: indicator {ind.id}: a statistic (a median...) does not add up, "
                    f"so every dimension of {name} must be a combination (one row each)"
                )
    charts: dict[str, dict[str, Chart]] = {}
    for page, specs in raw.get("charts", {}).items():
        for cid, s in specs.items():
            where = _where(path, f"charts.{page}.{cid}")
            unknown = [x for x in s.get("series", []) if x not in indicators]
            if unknown or not s.get("series"):
                raise ConfigError(f"{where}: series {unknown or '[]'} are not indicators")
            if s.get("by") not in dimensions:
                raise ConfigError(f"{where}: by {s.get('by')!r} is not a dimension")
            if s.get("style") not in STYLES:
                raise ConfigError(f"{where}: style {s.get('style')!r} is not one of {STYLES}")
            order = s.get("order", "key")
            if order not in ("key", "value") and order not in indicators:
                raise ConfigError(f"{where}: order {order!r}: key, value or an indicator")
            target = s.get("target")
            if target is not None and not isinstance(target, int | float):
                raise ConfigError(f"{where}: target {target!r} is not a number")
            charts.setdefault(page, {})[cid] = Chart(
                page, cid, s["title"], tuple(s["series"]), s["by"], s["style"], order, target
            )
    for listing in ("overview", "report"):
        unknown = [x for x in raw.get(listing, []) if x not in indicators]
        if unknown:
            raise ConfigError(f"{path}: {listing} lists unknown indicators {unknown}")
    tables = {}
    for tid, s in raw.get("tables", {}).items():
        values = dict(s.get("values", {}))
        unknown = [d for d in values.values() if d not in dimensions]
        if unknown:
            raise ConfigError(f"{path} [tables.{tid}]: values name unknown dimensions {unknown}")
        tables[tid] = Table(tid, s["title"], dict(s["columns"]), values)
    return Catalogue(
        path,
        filters,
        dimensions,
        marts,
        indicators,
        charts,
        tuple(raw.get("overview", ())),
        tuple(raw.get("report", ())),
        tables,
        {str(k): str(v) for k, v in raw.get("texts", {}).items()},
        Period(**{k: str(v) for k, v in raw.get("period", {}).items()}),
    )


@cache
def _load(directory: Path) -> Catalogue:
    return parse(load_toml("indicators.toml", directory), directory / "indicators.toml")


def load(directory: Path | None = None) -> Catalogue:
    """The catalogue of the configuration folder (read once per process and folder)."""
    return _load((directory or config_dir()).resolve())
