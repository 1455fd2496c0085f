"""Extract SQL stores into the raw layer.

SQLAlchemy connects and reflects (whatever the dialect) to check each table's columns against the
mapping; rows then move through DuckDB's scanner of the store (postgres, mysql, sqlite), the
fastest path measured on these machines. Tables with a watermark are extracted incrementally
(rows changed since the last load, minus a lag window); deletions come by tombstone (the rows
stay, marked) or by key diff; other tables are refreshed in full.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import duckdb
import sqlalchemy as sa

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.extract.columns import referenced_columns
from rrc.duck import attach
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


def _threshold_sql(spec: TableSpec, column_type: str, lag_hours: float) -> str:
    wm = raw.quote(spec.watermark or "")
    if column_type.startswith("TIMESTAMP") or column_type == "DATE":
        return f"(SELECT max({wm}) - to_seconds({int(lag_hours * 3600)}) FROM {{raw}})"
    # text watermarks (e.g. yyyymmddHHMMSS) compare as text once shifted in their own format
    fmt = "%Y%m%d%H%M%S"
    return (
        f"(SELECT strftime(strptime(max({wm}), '{fmt}') - to_seconds({int(lag_hours * 3600)}), "
        f"'{fmt}') FROM {{raw}})"
    )


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
    for attempt, wait in enumerate((0.0, *RETRIES)):
        if wait:
            time.sleep(wait)
        try:
            return _extract_once(
                con,
                source,
                load_id=load_id,
                full=full,
                lag_hours=lag_hours,
                since=since,
                until=until,
            )
        except SourceError:
            raise
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            sa.exc.OperationalError,
            OSError,
        ) as exc:
            last_error = exc
            if attempt == len(RETRIES):
                break
    raise SourceError(
        f"cannot read the store after {len(RETRIES) + 1} attempts: {last_error}",
        source=source.name,
        hint="check that the server runs and the URL in config/sources.toml is right",
    )


def _extract_once(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    *,
    load_id: str,
    full: bool,
    lag_hours: float,
    since: datetime | None,
    until: datetime | None,
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
    loads = []
    try:
        with raw.atomic(con):
            now = datetime.now().replace(microsecond=0)
            name = ""
            try:
                for name, spec in source.mapping.tables.items():
                    started = time.perf_counter()
                    load = raw.TableLoad(source.name, name)
                    if name in new_columns:
                        load.warnings.append(
                            f"new columns in the store: {', '.join(new_columns[name])}"
                        )
                    table = f"{alias}.{raw.quote(name)}"
                    incremental = spec.watermark and not full and raw.exists(con, source.name, name)
                    if incremental and spec.watermark:
                        wm = raw.quote(spec.watermark)
                        col_type = con.execute(
                            f"SELECT typeof({wm}) FROM {raw.raw_name(source.name, name)} LIMIT 1"
                        ).fetchone()
                        params: list[object] = []
                        if since is not None:
                            bounds = [since, until or now]
                            where = f"{wm} >= ? AND {wm} <= ?"
                            # a text watermark (YYYYMMDDHHMMSS) is compared as text
                            text = bool(col_type and col_type[0] == "VARCHAR")
                            params = [b.strftime("%Y%m%d%H%M%S") if text else b for b in bounds]
                        else:
                            threshold = _threshold_sql(
                                spec, col_type[0] if col_type else "TIMESTAMP", lag_hours
                            ).format(raw=raw.raw_name(source.name, name))
                            where = f"{wm} >= {threshold}"
                        load.extracted = raw.upsert(
                            con,
                            source.name,
                            name,
                            f"SELECT * FROM {table} WHERE {where}",
                            spec.key,
                            load_id,
                            now,
                            params,
                        )
                        load.mode = "incremental" if since is None else "backfill"
                    else:
                        load.extracted = raw.replace(
                            con, source.name, name, f"SELECT * FROM {table}", load_id, now
                        )
                    if spec.deletes == "key_diff" and load.mode != "full":
                        keys = ", ".join(raw.quote(k) for k in spec.key)
                        load.deleted = raw.delete_missing(
                            con, source.name, name, f"SELECT {keys} FROM {table}", spec.key
                        )
                    load.seconds = time.perf_counter() - started
                    loads.append(load)
            except (duckdb.ConversionException, duckdb.TypeMismatchException) as exc:
                raise SourceError(
                    f"a value does not fit the type its column declares: {exc}",
                    source=source.name,
                    table=name,
                    hint="correct the value in the store, or the column's declared type",
                ) from exc
    finally:
        con.execute(f"DETACH DATABASE IF EXISTS {alias}")
    return loads
