"""Extract SQL stores into the raw layer.

SQLAlchemy connects and reflects (whatever the dialect) to check each table's columns against the
mapping; rows then move through DuckDB's scanner of the store (postgres, mysql, sqlite), the
fastest path measured on these machines. Tables with a watermark are extracted incrementally
(rows changed since the last load, minus a lag window); deletions come by tombstone (the rows
stay, marked) or by key diff; other tables are refreshed in full.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime

import duckdb
import sqlalchemy as sa

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import Violations
from pipelines.extract import keys
from pipelines.extract.columns import referenced_columns
from rrc.duck import attach, attach_string, column_types, one_query
from rrc.errors import SourceError

RETRIES = (1.0, 2.0, 4.0)  # seconds to wait before each new attempt


def reflect(source: Source) -> dict[str, list[str]]:
    """Columns of every table of the store, by SQLAlchemy reflection."""
    engine = sa.create_engine(source.url or "")
    try:
        inspector = sa.inspect(engine)
        return {
            t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
        }
    finally:
        engine.dispose()


def check_drift(
    source: Source, found: dict[str, list[str]], previous: Callable[[str], list[str]]
) -> dict[str, list[str]]:
    """Fail on missing tables or columns; return new columns (warnings) by table."""
    warnings: dict[str, list[str]] = {}
    for name, spec in source.mapping.tables.items():
        if name not in found:
            raise SourceError(
                "table missing from the store",
                source=source.name,
                table=name,
                hint=f"tables found: {', '.join(sorted(found)) or 'none'}",
            )
        needed = referenced_columns(source.mapping, spec)
        missing = [c for c in needed if c not in found[name]]
        if missing:
            raise SourceError(
                "column missing or renamed",
                source=source.name,
                table=name,
                column=missing[0],
                hint=f"columns found: {', '.join(found[name])}; update "
                f"config/mappings/{source.mapping.path.name} if the vendor renamed it",
            )
        before = previous(name)
        new = [c for c in found[name] if before and c not in before]
        if new:
            warnings[name] = new
    return warnings


# per scanner: how the store quotes a name, asks for rows by a list of integers, and the
# DuckDB function that sends it a query of its own SQL
_BY_VALUES = {
    "postgres": ('"', "{column} = ANY('{{{listed}}}'::bigint[])", "postgres_query"),
    "mysql": ("`", "{column} IN ({listed})", "mysql_query"),
}


def _sampled(kind: str, alias: str, table: str, column: str) -> Callable[[list[int]], str] | None:
    """A relation `t` of the store's rows whose integer `column` is one of the values, as one
    query in the store's own SQL (answered from its index), or None for a store without one
    (SQLite: a local file, read as fast by the scanner)."""
    if kind not in _BY_VALUES:
        return None
    mark, test, function = _BY_VALUES[kind]

    def ident(name: str) -> str:
        return mark + name.replace(mark, mark * 2) + mark

    def query(values: list[int]) -> str:
        listed = ",".join(str(int(v)) for v in values)
        where = test.format(column=ident(column), listed=listed)
        remote = f"SELECT * FROM {ident(table)} WHERE {where}"
        return f"{function}('{alias}', {keys.raw_literal(remote)}) t"

    return query


def _threshold_sql(spec: TableSpec, column_type: str, lag_hours: float) -> str:
    wm = raw.quote(spec.watermark or "")
    if column_type.startswith("TIMESTAMP") or column_type == "DATE":
        return f"SELECT max({wm}) - to_seconds({int(lag_hours * 3600)}) FROM {{raw}}"
    # text watermarks (e.g. yyyymmddHHMMSS) compare as text once shifted in their own format
    fmt = "%Y%m%d%H%M%S"
    return (
        f"SELECT strftime(strptime(max({wm}), '{fmt}') - to_seconds({int(lag_hours * 3600)}), "
        f"'{fmt}') FROM {{raw}}"
    )


def cutoff_filter(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, target: str, col_type: str, lag_hours: float
) -> tuple[str, list[object]]:
    """The incremental filter: the cut-off (raw's last watermark minus the lag) computed first
    and bound as a value, so that the scanner hands `watermark >= value` to the store (a
    subquery in the filter, or an `OR ... IS NULL`, makes it read the whole table and filter
    here: 4 to 10 times slower on `fiche_rcp`, BENCHMARKS.md). Rows of the store without a
    watermark are read every run only while raw holds some (a full scan, as they cannot be
    filtered at the source); a new one is otherwise loaded by the key reconciliation."""
    wm = raw.quote(spec.watermark or "")
    row = con.execute(_threshold_sql(spec, col_type, lag_hours).format(raw=target)).fetchone()
    cutoff = row[0] if row else None
    nulls = con.execute(f"SELECT count(*) FROM {target} WHERE {wm} IS NULL").fetchone()
    with_nulls = f" OR t.{wm} IS NULL" if nulls and nulls[0] else ""
    if cutoff is None:  # nothing stamped in raw yet: what has no watermark, then keys
        return f"t.{wm} IS NULL", []
    return f"(t.{wm} >= ?{with_nulls})", [cutoff]


class _Loose(Exception):
    """A value of `table` does not fit its column's type: read the table again value by value."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


def extract(
    con: duckdb.DuckDBPyConnection,
    source: str | Source,
    *,
    load_id: str,
    full: bool,
    lag_hours: float,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[raw.TableLoad]:
    """Extract every mapped table of a SQL source, retrying with backoff if it is unreachable."""
    assert isinstance(source, Source)
    last_error: Exception | None = None
    loose: set[str] = set()
    attempt = 0
    waits = (0.0, *RETRIES)
    while attempt < len(waits):
        if waits[attempt]:
            time.sleep(waits[attempt])
        try:
            return _extract_once(
                con,
                source,
                load_id=load_id,
                full=full,
                lag_hours=lag_hours,
                since=since,
                until=until,
                loose=loose,
            )
        except _Loose as exc:  # rolled back: again, that table read value by value
            loose.add(exc.table)
            continue
        except SourceError:
            raise
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            sa.exc.OperationalError,
            OSError,
        ) as exc:
            last_error = exc
            attempt += 1
    raise SourceError(
        f"cannot read the store after {len(RETRIES) + 1} attempts: {last_error}",
        source=source.name,
        hint="check that the server runs and the URL in config/sources.toml is right",
    )


def _loose_relation(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    table: str,
    v: Violations,
    sqlite: bool,
) -> str:
    """The table read as text and cast value by value to its column's type (raw's, else the
    store's declared one): a value that does not fit is NULL in its row and the row carries the
    reason (`_reject`), named by key; or the source stops there when the contract refuses."""
    declared = dict((r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall())
    if sqlite:  # the declared types are known: now read every value as text, then cast it
        con.execute("SET sqlite_all_varchar = true")
        path = (sa.make_url(source.url or "").database or "").replace("'", "''")
        table = f"sqlite_scan('{path}', '{spec.name.replace(chr(39), chr(39) * 2)}')"
    if raw.exists(con, source.name, spec.name):
        declared |= dict(column_types(con, raw.raw_name(source.name, spec.name)))
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    casts, reasons = [], []
    for c in names:
        q = raw.quote(c)
        ctype = declared[c]
        casts.append(f"TRY_CAST(s.{q} AS {ctype}) AS {q}")
        label = c.replace("'", "''")
        reasons.append(
            f"CASE WHEN s.{q} IS NOT NULL AND TRY_CAST(s.{q} AS {ctype}) IS NULL THEN "
            f"'{label}: cannot read ' || CAST(s.{q} AS VARCHAR) || ' as {ctype.lower()}' END"
        )
    relation = (
        f"(SELECT {', '.join(casts)}, NULLIF(concat_ws('; ', {', '.join(reasons)}), '') "
        f"AS {raw.quote(raw.REJECT)} FROM {table} s) t"
    )
    if source.mapping.contract.bad_value == "refuse":
        keys = ", ".join(raw.quote(k) for k in spec.key)
        row = con.execute(
            f"SELECT {keys}, {raw.quote(raw.REJECT)} FROM {relation} "
            f"WHERE {raw.quote(raw.REJECT)} IS NOT NULL LIMIT 1"
        ).fetchone()
        if row:
            at = ", ".join(f"{k}={val}" for k, val in zip(spec.key, row, strict=False))
            raise SourceError(
                f"row {at}: {row[-1]}: a value does not fit the type its column declares",
                source=source.name,
                table=spec.name,
                hint="correct the value in the store, or its column's declared type; or set "
                'bad_value = "quarantine" in the contract of '
                f"config/mappings/{source.mapping.path.name} to load the other rows",
            )
    bad = con.execute(
        f"SELECT count(*) FROM {relation} WHERE {raw.quote(raw.REJECT)} IS NOT NULL"
    ).fetchone()
    if bad and bad[0]:
        v(
            "bad_value",
            int(bad[0]),
            f"{bad[0]} row(s) hold a value that does not fit the type its column declares: "
            "quarantined, named by key",
        )
    return relation


def _extract_once(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    *,
    load_id: str,
    full: bool,
    lag_hours: float,
    since: datetime | None,
    until: datetime | None,
    loose: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[raw.TableLoad]:
    found = reflect(source)
    new_columns = check_drift(
        source,
        found,
        lambda t: raw.columns(con, source.name, t) if raw.exists(con, source.name, t) else [],
    )
    alias = f"src_{source.name}"
    con.execute(f"DETACH DATABASE IF EXISTS {alias}")
    attach(con, source.url or "", alias)
    kind = attach_string(source.url or "")[1]
    sqlite = kind == "sqlite"
    loads = []
    try:
        with raw.atomic(con):
            if sqlite:
                # within a transaction the SQLite catalog keeps each table's column types from
                # the moment it is first bound; bound while a value-by-value read has set
                # sqlite_all_varchar (a lookup of another schema's table can bind them all), a
                # table would be read as text for the rest of the run and its watermark filter
                # fail. Bound here, every table keeps its declared types.
                con.execute(
                    "SELECT count(*) FROM duckdb_columns() WHERE database_name = ?", [alias]
                )
            now = datetime.now().replace(microsecond=0)
            name = ""
            try:
                for name, spec in source.mapping.tables.items():
                    started = time.perf_counter()
                    load = raw.TableLoad(source.name, name)
                    v = Violations(source.name, name, source.mapping.contract, load.findings)
                    if name in new_columns:
                        load.warnings.append(
                            f"new columns in the store: {', '.join(new_columns[name])}"
                        )
                    table = f"{alias}.{raw.quote(name)}"
                    if name in loose:
                        try:
                            table = _loose_relation(con, source, spec, table, v, sqlite)
                            _table_load(
                                con,
                                source,
                                spec,
                                table,
                                load,
                                v,
                                load_id,
                                now,
                                full=full,
                                lag_hours=lag_hours,
                                since=since,
                                until=until,
                            )
                        finally:
                            if sqlite:
                                with contextlib.suppress(duckdb.Error):
                                    con.execute("SET sqlite_all_varchar = false")
                    else:
                        _table_load(
                            con,
                            source,
                            spec,
                            table,
                            load,
                            v,
                            load_id,
                            now,
                            full=full,
                            lag_hours=lag_hours,
                            since=since,
                            until=until,
                            sampled=_sampled(kind, alias, name, spec.key[0]) if spec.key else None,
                        )
                    load.warnings += [f.message for f in load.findings if f.flags]
                    load.seconds = time.perf_counter() - started
                    loads.append(load)
            except (duckdb.ConversionException, duckdb.TypeMismatchException) as exc:
                if name not in loose:
                    raise _Loose(name) from exc
                raise SourceError(
                    f"a value does not fit the type its column declares: {exc}",
                    source=source.name,
                    table=name,
                    hint="correct the value in the store, or the column's declared type",
                ) from exc
    finally:
        if sqlite:
            with contextlib.suppress(duckdb.Error):
                con.execute("SET sqlite_all_varchar = false")
        con.execute(f"DETACH DATABASE IF EXISTS {alias}")
    return loads


def _table_load(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    table: str,
    load: raw.TableLoad,
    v: Violations,
    load_id: str,
    now: datetime,
    *,
    full: bool,
    lag_hours: float,
    since: datetime | None,
    until: datetime | None,
    sampled: Callable[[list[int]], str] | None = None,
) -> None:
    """One table: incremental by watermark then reconciled by key, or replaced whole.
    `sampled`: the store's rows by their first key column, as the store's own query."""
    name = spec.name
    rel = table if table.endswith(" t") else f"{table} t"

    def reload() -> int:
        return raw.replace(con, source.name, name, f"SELECT * FROM {rel}", load_id, now)

    def upsert(select: str, params: list[object] | None = None) -> int:
        return raw.upsert(con, source.name, name, select, spec.key, load_id, now, params or [])

    incremental = spec.watermark and not full and raw.exists(con, source.name, name)
    if incremental and spec.watermark:
        wm = raw.quote(spec.watermark)
        col_type = con.execute(
            f"SELECT typeof({wm}) FROM {raw.raw_name(source.name, name)} "
            f"WHERE {wm} IS NOT NULL LIMIT 1"
        ).fetchone()
        params: list[object] = []
        if since is not None:
            bounds = [since, until or now]
            where = f"t.{wm} >= ? AND t.{wm} <= ?"
            # a text watermark (YYYYMMDDHHMMSS) is compared as text
            text = bool(col_type and col_type[0] == "VARCHAR")
            params = [b.strftime("%Y%m%d%H%M%S") if text else b for b in bounds]
        else:
            where, params = cutoff_filter(
                con,
                spec,
                raw.raw_name(source.name, name),
                col_type[0] if col_type else "TIMESTAMP",
                lag_hours,
            )
        with one_query(con):  # the store's index on the watermark can serve the filter
            load.extracted = upsert(f"SELECT t.* FROM {rel} WHERE {where}", params)
        load.mode = "incremental" if since is None else "backfill"
        # a row new in the store without a watermark is loaded by the key reconciliation
        keys.reconcile(con, source, spec, rel, load, v, reload, upsert, load_id, sampled)
        nulls = con.execute(
            f"SELECT count(*) FROM {raw.raw_name(source.name, name)} WHERE {wm} IS NULL"
        ).fetchone()
        if nulls and nulls[0]:
            v(
                "null_watermark",
                int(nulls[0]),
                f"{nulls[0]} row(s) have no {spec.watermark}: read again at every run",
                done="loaded",
            )
    elif not full:  # read whole, compared with raw: the mapping re-reads the keys that changed
        load.extracted, compared = raw.replace_changed(
            con, source.name, name, f"SELECT * FROM {rel}", spec.key, load_id, now
        )
        load.mode = "compared" if compared else load.mode
        keys.duplicates(con, source, spec, v, load_id)
    else:
        load.extracted = reload()
        keys.duplicates(con, source, spec, v)
    load.read = load.extracted
