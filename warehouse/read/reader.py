"""The boards' only way to the data: indicators of the catalogue and named read-only queries over
the published warehouse.

Indicators (config/indicators.toml) are read with `Reader.indicators`, whose SQL
`warehouse.read.indicators` writes from the catalogue; the other figures (lists, the map, the
trial registry, quality results) are named queries, each a `.sql` file in
`warehouse/read/queries/`. In both, DuckDB named parameters (`$year`) are bound, never formatted
into the SQL. The connection follows the published
snapshot: when a new run is published, the next query opens the new file (read-only).

Access is enforced here, for every query, on behalf of the principal of the current request
(`access.policy.current()`; none set means refused):
- a named query must be declared in config/secrecy.toml (deny by default); an indicator query
  takes its rules from the catalogue (counts of individuals, rates, statistics);
- a 3C user is held to its own 3C: the `$c3` parameter is forced, rows of `column`-scoped queries
  are filtered, and network-wide queries return no rows;
- row-level queries return no rows to roles without row-level rights, free-text ones (a survey's
  "Autre (préciser)") none to roles without `free_text`;
- for roles without nominative rights, small counts are masked (statistical secrecy); a survey's
  counts per territory and profession are read only through `Reader.survey`, which groups them
  as a view asks, merges the small groups and perturbs (warehouse/read/surveys.py).
- the anonymous visitor of the public pages runs the queries of the `public` scope only: any
  other query, any indicator and any raw read is refused (AccessDenied).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from access.policy import AccessDenied, Principal, current
from warehouse.publish import Warehouse
from warehouse.read import catalogue, indicators, secrecy, surveys
from warehouse.read.cache import ResultCache, cacheable
from warehouse.read.secrecy import Cell, QueryRules

QUERIES = Path(__file__).parent / "queries"


@cache
def query_text(name: str) -> tuple[str, frozenset[str]]:
    """A query's SQL and the named parameters it uses, read once per process."""
    sql = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
    return sql, frozenset(re.findall(r"\$([A-Za-z_]\w*)", sql))


@dataclass(frozen=True)
class Indicators:
    """Indicators by dimension: per dimension `<dim>` (its value) and `<dim>_label`; per
    indicator its value (None when masked or not available), `<id>__masked` (True when
    statistical secrecy masked it), `<id>__reason` (why: secrecy.SMALL, RATE or STATISTIC) and,
    for rates and statistics, what they rest on (`<id>__num`, `<id>__den`, `<id>__n`); `notes`
    says which filters did not apply; `perturbed` whether counts carry secrecy noise."""

    frame: pl.DataFrame
    notes: tuple[str, ...]
    # the notes of each indicator (the filters it could not follow)
    notes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    perturbed: bool = False

    @classmethod
    def join(
        cls,
        parts: list[tuple[pl.DataFrame, tuple[str, ...]]],
        by: tuple[str, ...],
        notes_of: dict[str, tuple[str, ...]] | None = None,
        perturbed: bool = False,
    ) -> Indicators:
        frame, notes = parts[0]
        labels = [f"{d}_label" for d in by]
        for i, (other, more) in enumerate(parts[1:]):
            if by:  # each part's labels kept apart (`__r<i>`), coalesced once at the end
                frame = frame.join(
                    other,
                    on=list(by),
                    how="full",
                    coalesce=True,
                    nulls_equal=True,
                    suffix=f"__r{i}",
                )
            else:
                frame = pl.concat([frame, other], how="horizontal")
            notes = (*notes, *more)
        if by and len(parts) > 1:
            apart = [[f"{label}__r{i}" for i in range(len(parts) - 1)] for label in labels]
            frame = frame.with_columns(
                pl.coalesce(label, *others).alias(label)
                for label, others in zip(labels, apart, strict=True)
            ).drop(c for others in apart for c in others)
        return cls(frame, tuple(dict.fromkeys(notes)), notes_of or {}, perturbed)

    def masked(self, id_: str) -> list[bool]:
        column = f"{id_}__masked"
        if column not in self.frame.columns:
            return [False] * self.frame.height
        return [bool(v) for v in self.frame[column].fill_null(False)]

    def shown(self, id_: str, threshold: int) -> list[Any]:
        """The values of indicator `id_` as they read: a masked one as its label ("< 11" for a
        small count, "–" for a rate or a statistic)."""
        if id_ not in self.frame.columns:
            return [None] * self.frame.height
        return [
            secrecy.masked_text(r, threshold) if r else v
            for v, r in zip(self.frame[id_].to_list(), self.reasons(id_), strict=True)
        ]

    def reasons(self, id_: str) -> list[str | None]:
        """Why each value of indicator `id_` is masked (secrecy.SMALL, RATE, STATISTIC), or None."""
        column = f"{id_}__reason"
        if column not in self.frame.columns:
            return [None] * self.frame.height
        return self.frame[column].to_list()


def _acting_anonymously() -> bool:
    try:
        who: Principal = current()
    except AccessDenied:  # checks and benchmarks read with no principal at all
        return False
    return who.is_anonymous


def _cache_key(path: Path | None, sql: str, used: dict[str, Any]) -> tuple[Any, ...] | None:
    """What identifies a statement's rows in the snapshot at `path`; None when they are not to
    be kept (a statement that reads the clock, or a parameter that cannot be a key)."""
    if path is None or not cacheable(sql):
        return None

    def frozen(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(frozen(v) for v in value)
        if isinstance(value, dict):
            return tuple(sorted((k, frozen(v)) for k, v in value.items()))
        return (type(value).__name__, value)  # 1 and "1", 1 and True bind differently

    try:
        key = (str(path), sql, tuple(sorted((k, frozen(v)) for k, v in used.items())))
        hash(key)
    except TypeError:
        return None
    return key


class Reader:
    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse = Warehouse(warehouse_dir)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self.cache = ResultCache()  # rows by statement and parameters, for the open snapshot

    @cached_property
    def secrecy(self) -> secrecy.SecrecyConfig:
        return secrecy.load_secrecy()

    @cached_property
    def catalogue(self) -> catalogue.Catalogue:
        return catalogue.load()

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, Path | None]:
        """A cursor on the published snapshot, and the snapshot's path."""
        current_path = self.warehouse.current()
        with self._lock:
            if self._con is None or current_path != self._path:
                # the previous snapshot's connection is not closed here: other threads may have
                # queries in flight on it; it closes when its last cursor is gone
                self._con = self.warehouse.connect()
                self._path = current_path
                self.cache.clear()  # its rows are keyed by the earlier path: never read again
            return self._con.cursor(), self._path  # one cursor per call: safe across threads

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        """The rows of query `name` that the current principal may see."""
        return self.query_masked(name, **params)[0]

    def query_masked(self, name: str, **params: Any) -> tuple[pl.DataFrame, dict[Cell, str]]:
        """`query`, with the (row, column) cells that statistical secrecy masked and why."""
        sql, names = query_text(name)

        def coordinates(bound: dict[str, Any]) -> dict[str, Any]:
            return {f"{name}:{k}": v for k, v in bound.items() if k in names}

        return self._read(sql, names, self.secrecy.rules(name), params, coordinates)

    def _read(
        self,
        sql: str,
        names: frozenset[str],
        rules: QueryRules,
        params: dict[str, Any],
        coordinates: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> tuple[pl.DataFrame, dict[Cell, str]]:
        """Rows of `sql` the current principal may see under `rules`, and the cells masked
        (`coordinates` says what locates every row's cell, from the parameters bound)."""
        principal = current()
        if principal.is_anonymous and rules.scope != "public":
            raise AccessDenied(
                f"the public pages read public queries only: {rules.name} is of scope "
                f"{rules.scope!r}"
            )
        if rules.survey and principal.secrecy:
            raise AccessDenied(
                f"query {rules.name}: a survey's counts per territory and profession are read "
                "through Reader.survey (small groups merged, counts perturbed)"
            )
        withheld = (
            (rules.row_level and not principal.role.row_level)
            or (rules.free_text and not principal.role.free_text)
            or (principal.c3_id is not None and rules.scope == "network")
        )
        if principal.c3_id is not None and rules.scope == "c3":
            params = {**params, "c3": principal.c3_id}
        frame = self._execute(sql, names, params, empty=withheld)
        if principal.c3_id is not None and rules.scope == "column" and rules.scope_column:
            frame = frame.filter(pl.col(rules.scope_column) == principal.c3_id)
        if principal.secrecy:
            done = secrecy.protect(frame, rules, self.secrecy, coordinates(params))
            return done.frame, done.masked
        return frame, {}

    def indicators(
        self,
        ids: Sequence[str],
        by: Sequence[str] = (),
        filters: Mapping[str, object] | None = None,
        *,
        years: int = 1,
    ) -> Indicators:
        """Indicators of the catalogue split by dimensions `by`, for the boards' `filters`, as
        the current principal may see them (one query per mart, joined on the dimensions)."""
        if current().is_anonymous:
            raise AccessDenied(f"the public pages read no indicator ({', '.join(ids)})")
        parts: list[tuple[pl.DataFrame, tuple[str, ...]]] = []
        notes_of: dict[str, tuple[str, ...]] = {}
        for q in indicators.plan(self.catalogue, tuple(ids), tuple(by), dict(filters or {}), years):
            notes_of |= {i.id: q.notes for i in q.indicators}
            frame, masked = self._read(q.sql, frozenset(q.params), q.rules, q.params, q.coordinates)
            flags = [
                pl.Series(f"{c}__masked", [(r, c) in masked for r in range(frame.height)])
                for c in q.values
            ] + [
                pl.Series(
                    f"{c}__reason", [masked.get((r, c)) for r in range(frame.height)], pl.String
                )
                for c in q.values
            ]
            parts.append((frame.with_columns(flags), q.notes))
        return Indicators.join(parts, tuple(by), notes_of, current().secrecy)

    def survey(self, view: surveys.View) -> surveys.Result:
        """A survey's answers for `view` (a selection of territory and profession, split by one
        of them or not) as the current principal may see them: for roles without nominative
        rights, groups under the threshold merged or masked and every count perturbed."""
        principal = current()
        questions = self.query("survey_questions", survey=view.survey)
        frames = {}
        for name in ("survey_respondents", "survey_answers"):
            rules = self.secrecy.rules(name)
            sql, names = query_text(name)
            withheld = principal.c3_id is not None and rules.scope == "network"
            frames[name] = self._execute(sql, names, {"survey": view.survey}, empty=withheld)
        return surveys.build(
            view,
            questions,
            frames["survey_respondents"],
            frames["survey_answers"],
            self.secrecy if principal.secrecy else None,
        )

    def raw(self, name: str, empty: bool = False, **params: Any) -> pl.DataFrame:
        """The query's rows with no access rule applied: for checks and benchmarks only."""
        if _acting_anonymously():
            raise AccessDenied(f"the public pages read no query without its rules ({name})")
        sql, names = query_text(name)
        return self._execute(sql, names, params, empty=empty)

    def _execute(
        self, sql: str, names: frozenset[str], params: dict[str, Any], empty: bool = False
    ) -> pl.DataFrame:
        if empty:
            sql = f"select * from ({sql}) limit 0"
        used = {k: v for k, v in params.items() if k in names}
        cursor, path = self._connection()
        try:
            key = _cache_key(path, sql, used)
            if key is None:
                return cursor.execute(sql, used).pl()
            return self.cache.get(key, lambda: cursor.execute(sql, used).pl())
        finally:
            cursor.close()

    def snapshot(self) -> str:
        current_path = self.warehouse.current()
        return current_path.stem if current_path else ""
