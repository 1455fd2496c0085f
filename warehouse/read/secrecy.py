"""Statistical secrecy: small counts of individuals are masked, and so is whatever would let a
reader recompute them.

Primary suppression masks every count in 1..threshold-1 (0 stays visible: it discloses nobody).
Secondary suppression then works on *linked sets* of cells whose sum is published or derivable:

- each count column, within a group of rows (the whole result by default): its total is public
  elsewhere (a tile, another chart), so a set with exactly one masked cell gives it away;
- each declared row relation `total = a + b` on the same row.

In a linked set, one masked cell is never left alone: the smallest visible non-zero cell of the set
is masked with it, and this repeats over all sets until nothing changes. A rate is masked when its
numerator, its denominator or their difference is a masked-size count.

What each query's columns mean is data, in `config/secrecy.toml`; an analyst reads and edits it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from rrc.errors import ConfigError
from rrc.settings import load_toml

Cell = tuple[int, str]  # (row index, column)


@dataclass(frozen=True)
class Relation:
    """`total = part + part + ...` on each row."""

    total: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, query: str) -> Relation:
        left, sep, right = text.partition("=")
        parts = tuple(p.strip() for p in right.split("+") if p.strip())
        if not sep or not left.strip() or len(parts) < 2:
            raise ConfigError(
                f"secrecy.toml [queries.{query}]: relation {text!r} is not 'total = a + b'"
            )
        return cls(left.strip(), parts)


@dataclass(frozen=True)
class Rate:
    """`column = numerator / denominator`: masked with the counts it is made of."""

    column: str
    numerator: str
    denominator: str

    @classmethod
    def parse(cls, column: str, text: str, query: str) -> Rate:
        num, sep, den = text.partition("/")
        if not sep or not num.strip() or not den.strip():
            raise ConfigError(
                f"secrecy.toml [queries.{query}]: rate {column} = {text!r} is not 'num / den'"
            )
        return cls(column, num.strip(), den.strip())


@dataclass(frozen=True)
class Statistic:
    """`column` (a median, a mean delay...) rests on the individuals of `count`: masked with it."""

    column: str
    count: str


@dataclass(frozen=True)
class QueryRules:
    """What a query's columns mean for secrecy and scope (one table of config/secrecy.toml)."""

    name: str
    counts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    rates: tuple[Rate, ...] = ()
    statistics: tuple[Statistic, ...] = ()
    scope: str = "c3"  # "c3": filtered by $c3 | "public": no individual data | "network"
    row_level: bool = False  # rows are individual records (quarantine): row-level roles only
    scope_column: str | None = None  # scope "column": rows filtered on this column


@dataclass(frozen=True)
class SecrecyConfig:
    threshold: int
    queries: dict[str, QueryRules] = field(default_factory=dict)

    @property
    def hidden(self) -> str:
        """How a masked cell reads: "< 11"."""
        return hidden_text(self.threshold)

    def rules(self, query: str) -> QueryRules:
        try:
            return self.queries[query]
        except KeyError:
            raise ConfigError(
                f"query {query!r} has no entry in secrecy.toml: it is refused until its columns "
                "are declared",
                hint=f"add a [queries.{query}] table to config/secrecy.toml",
            ) from None


SCOPES = ("c3", "public", "network", "column")


def load_secrecy(name: str = "secrecy.toml") -> SecrecyConfig:
    raw = load_toml(name)
    threshold = int(raw.get("threshold", 11))
    if threshold < 1:
        raise ConfigError(f"secrecy.toml: threshold must be at least 1, not {threshold}")
    queries: dict[str, QueryRules] = {}
    for qname, spec in raw.get("queries", {}).items():
        scope = spec.get("scope", "c3")
        if scope not in SCOPES:
            raise ConfigError(
                f"secrecy.toml [queries.{qname}]: scope {scope!r} is not one of {SCOPES}"
            )
        queries[qname] = QueryRules(
            name=qname,
            counts=tuple(spec.get("counts", ())),
            groups=tuple(spec.get("groups", ())),
            relations=tuple(Relation.parse(t, qname) for t in spec.get("relations", ())),
            rates=tuple(Rate.parse(c, t, qname) for c, t in spec.get("rates", {}).items()),
            scope=scope,
            row_level=bool(spec.get("row_level", False)),
            scope_column=spec.get("scope_column"),
        )
        if scope == "column" and not queries[qname].scope_column:
            raise ConfigError(f"secrecy.toml [queries.{qname}]: scope 'column' needs scope_column")
    return SecrecyConfig(threshold, queries)


def small(value: Any, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def linked_sets(
    frame: pl.DataFrame, counts: Sequence[str], groups: Sequence[str], relations: Iterable[Relation]
) -> list[list[Cell]]:
    """The sets of cells whose sum is published: per count column within a group, per relation."""
    sets: list[list[Cell]] = []
    indexed = frame.with_row_index("__row")
    partitions = (
        [indexed["__row"].to_list()]
        if not groups
        else [g["__row"].to_list() for _, g in indexed.group_by(list(groups), maintain_order=True)]
    )
    for col in counts:
        for rows in partitions:
            if len(rows) > 1:
                sets.append([(r, col) for r in rows])
    for rel in relations:
        for r in range(frame.height):
            sets.append([(r, rel.total), *((r, p) for p in rel.parts)])
    return sets


def suppress(
    frame: pl.DataFrame,
    counts: Sequence[str],
    threshold: int,
    groups: Sequence[str] = (),
    relations: Sequence[Relation] = (),
) -> set[Cell]:
    """The cells to mask: primary (small counts) then secondary, to a fixed point."""
    values = {c: frame[c].to_list() for c in counts if c in frame.columns}
    for rel in relations:
        for c in (rel.total, *rel.parts):
            if c not in values:
                raise ConfigError(f"secrecy relation uses column {c!r}, absent from the result")
    masked: set[Cell] = {
        (r, c) for c, col in values.items() for r, v in enumerate(col) if small(v, threshold)
    }
    sets = linked_sets(frame, list(values), groups, relations)
    totals = {rel.total for rel in relations}
    changed = True
    while changed:
        changed = False
        for cells in sets:
            hidden = [cell for cell in cells if cell in masked]
            if len(hidden) != 1:
                continue
            candidates = [
                cell for cell in cells if cell not in masked and (values[cell[1]][cell[0]] or 0) > 0
            ]
            parts = [cell for cell in candidates if cell[1] not in totals]
            candidates = parts or candidates  # a total is likely published elsewhere: keep it
            if candidates:
                masked.add(min(candidates, key=lambda cell: (values[cell[1]][cell[0]], cell)))
                changed = True
    return masked


def apply(frame: pl.DataFrame, rules: QueryRules, threshold: int) -> pl.DataFrame:
    """The frame with masked counts and rates set to null."""
    return apply_masked(frame, rules, threshold)[0]


def apply_masked(
    frame: pl.DataFrame, rules: QueryRules, threshold: int
) -> tuple[pl.DataFrame, set[Cell]]:
    """The frame with masked counts and rates set to null, and the cells masked."""
    if not (rules.counts or rules.statistics) or frame.height == 0:
        return frame, set()
    masked = suppress(frame, rules.counts, threshold, rules.groups, rules.relations)
    columns: dict[str, list[Any]] = {}
    for col in {c for _, c in masked}:
        values = frame[col].to_list()
        for r, c in masked:
            if c == col:
                values[r] = None
        columns[col] = values
    for rate in rules.rates:
        if rate.column not in frame.columns:
            continue
        if rate.numerator not in frame.columns or rate.denominator not in frame.columns:
            columns[rate.column] = [None] * frame.height  # cannot be judged: withheld
            masked |= {(r, rate.column) for r in range(frame.height)}
            continue
        num, den = frame[rate.numerator].to_list(), frame[rate.denominator].to_list()
        values = frame[rate.column].to_list()
        for r in range(frame.height):
            gap = None if num[r] is None or den[r] is None else den[r] - num[r]
            if (
                (r, rate.numerator) in masked
                or (r, rate.denominator) in masked
                or small(num[r], threshold)
                or small(den[r], threshold)
                or small(gap, threshold)
            ):
                values[r] = None
                masked.add((r, rate.column))
        columns[rate.column] = values
    for stat in rules.statistics:
        counts = frame[stat.count].to_list()
        values = frame[stat.column].to_list()
        for r in range(frame.height):
            if (r, stat.count) in masked or small(counts[r], threshold):
                values[r] = None
                masked.add((r, stat.column))
        columns[stat.column] = values
    out = frame.with_columns(
        pl.Series(col, vals, dtype=frame.schema[col]) for col, vals in columns.items()
    )
    return out, masked


def mask_count(value: int | None, threshold: int) -> int | None:
    """A single published count (a cohort size, an attrition step): None when small."""
    return None if small(value, threshold) else value


def hidden_text(threshold: int) -> str:
    return f"< {threshold}"


def label(value: Any, threshold: int) -> str:
    """How a masked cell reads in French tables and reports."""
    return hidden_text(threshold) if value is None else str(value)
