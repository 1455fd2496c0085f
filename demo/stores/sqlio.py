"""Bulk-write polars frames into SQL tables through SQLAlchemy, whatever the dialect.

Tables are created from SQLAlchemy metadata (so the DDL is right for each dialect), then filled by
the fastest path each server offers: COPY for PostgreSQL, LOAD DATA LOCAL INFILE for MariaDB and
MySQL, executemany for SQLite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

import duckdb
import polars as pl
import sqlalchemy as sa

from rrc.duck import attach
from rrc.errors import TargetError

CHUNK_ROWS = 200_000


def make_engine(url: str) -> sa.Engine:
    """An engine for `url`; MariaDB/MySQL connections allow LOAD DATA LOCAL INFILE."""
    parsed = sa.make_url(url)
    kwargs: dict = {}
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"local_infile": True}
    try:
        return sa.create_engine(parsed, **kwargs)
    except Exception as exc:  # missing driver, malformed URL
        raise TargetError(
            f"cannot use target {parsed.render_as_string(hide_password=True)}: {exc}",
            hint="use sqlite, or a URL such as postgresql+psycopg://user@host/db or "
            "mysql+pymysql://root@127.0.0.1/db",
        ) from exc


def recreate(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Drop and create the tables of `metadata`: a generated store is rebuilt from scratch."""
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
    except sa.exc.OperationalError as exc:
        raise TargetError(
            f"cannot create tables in {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}",
            hint="check that the server runs and the database exists "
            "(PostgreSQL: createdb NAME; MariaDB: CREATE DATABASE NAME)",
        ) from exc


def _prepare(frame: pl.DataFrame, table: sa.Table) -> pl.DataFrame:
    missing = [c.name for c in table.columns if c.name not in frame.columns]
    if missing:
        raise ValueError(f"frame for {table.name} lacks columns {missing}")
    return frame.select([c.name for c in table.columns])


def write(engine: sa.Engine, table: sa.Table, frame: pl.DataFrame) -> int:
    """Append `frame` to `table` by the dialect's bulk path; return the number of rows."""
    frame = _prepare(frame, table)
    if frame.height == 0:
        return 0
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        _copy_postgres(engine, table, frame)
    elif backend in ("mysql", "mariadb"):
        _load_data_mysql(engine, table, frame)
    else:
        _executemany(engine, table, frame)
    return frame.height


def _csv_ready(frame: pl.DataFrame, booleans_as_int: bool) -> pl.DataFrame:
    if booleans_as_int:
        frame = frame.with_columns(pl.col(pl.Boolean).cast(pl.Int8))
    return frame


def _copy_postgres(engine: sa.Engine, table: sa.Table, frame: pl.DataFrame) -> None:
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None  # an open pool connection has its driver's connection
        with (
            driver.cursor() as cur,
            cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as cp,
        ):
            for chunk in frame.iter_slices(CHUNK_ROWS):
                cp.write(
                    chunk.write_csv(
                        include_header=False,
                        datetime_format="%Y-%m-%d %H:%M:%S",
                        date_format="%Y-%m-%d",
                        null_value="",
                    )
                )
        raw.commit()
    finally:
        raw.close()


def _load_data_mysql(engine: sa.Engine, table: sa.Table, frame: pl.DataFrame) -> None:
    frame = _csv_ready(frame, booleans_as_int=True)
    cols = ", ".join(f"`{c}`" for c in frame.columns)
    raw = engine.raw_connection()
    fd, path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cur:
            for chunk in frame.iter_slices(CHUNK_ROWS):
                chunk.write_csv(
                    path,
                    include_header=False,
                    datetime_format="%Y-%m-%d %H:%M:%S",
                    date_format="%Y-%m-%d",
                    null_value="NULL",
                    quote_style="non_numeric",
                )
                cur.execute(
                    f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table.name}` CHARACTER SET utf8mb4 "
                    "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                    f"LINES TERMINATED BY '\\n' ({cols})",
                    (path,),
                )
                if cur.connection.show_warnings():
                    raise TargetError(
                        f"MariaDB reported warnings loading {table.name}: "
                        f"{cur.connection.show_warnings()[:3]}"
                    )
        raw.commit()
    finally:
        raw.close()
        os.unlink(path)


def _executemany(engine: sa.Engine, table: sa.Table, frame: pl.DataFrame) -> None:
    temporal = [c for c, t in frame.schema.items() if t.is_temporal()]
    if temporal:
        frame = frame.with_columns(
            [
                pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S.000000")
                if frame.schema[c] == pl.Datetime
                else pl.col(c).dt.strftime("%Y-%m-%d")
                for c in temporal
            ]
        )
    placeholders = ", ".join("?" for _ in frame.columns)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for chunk in frame.iter_slices(CHUNK_ROWS):
            cur.executemany(
                f'INSERT INTO "{table.name}" ({cols}) VALUES ({placeholders})', chunk.rows()
            )
        raw.commit()
    finally:
        raw.close()


def _normalised(column: sa.Column) -> str:
    """SQL text of `column` as the same string on every dialect DuckDB scans."""
    name = '"' + column.name.replace('"', '""') + '"'
    if isinstance(column.type, sa.Boolean):
        text = f"CASE WHEN {name}::VARCHAR IN ('true', '1') THEN '1' ELSE '0' END"
    elif isinstance(column.type, sa.DateTime):
        text = f"strftime({name}::TIMESTAMP, '%Y-%m-%d %H:%M:%S')"
    elif isinstance(column.type, sa.Date):
        text = f"{name}::DATE::VARCHAR"
    else:
        text = f"{name}::VARCHAR"
    return f"coalesce({text}, chr(0))"


def analyze(url: str, tables: Iterable[sa.Table]) -> None:
    """The planner's statistics of each table, as a store in service has them (its server
    gathers them as rows arrive): without them, PostgreSQL plans the day's read of an indexed
    watermark as a scan of the table (18M fiches, 3.9 s instead of a few ms)."""
    engine = make_engine(url)
    mysql = engine.url.get_backend_name() in ("mysql", "mariadb")
    verb = "ANALYZE TABLE" if mysql else "ANALYZE"  # PostgreSQL and SQLite: ANALYZE <table>
    try:
        with engine.begin() as conn:
            for table in tables:
                name = engine.dialect.identifier_preparer.quote(table.name)
                conn.execute(sa.text(f"{verb} {name}"))
    finally:
        engine.dispose()


def checksums(url: str, tables: Iterable[sa.Table]) -> dict[str, dict[str, object]]:
    """Row count and an order-independent content hash of each table, computed by DuckDB
    scanning the store: the same data gives the same figures on SQLite, PostgreSQL and MariaDB."""
    con = duckdb.connect()
    try:
        attach(con, url, "store")
        out: dict[str, dict[str, object]] = {}
        for table in tables:
            row = " || chr(31) || ".join(_normalised(c) for c in table.columns)
            n, upper, lower = con.execute(
                f"SELECT count(*), sum(md5_number_upper({row})), sum(md5_number_lower({row})) "
                f'FROM store."{table.name}"'
            ).fetchone() or (0, 0, 0)
            out[table.name] = {"rows": n, "hash": f"{upper or 0:x}-{lower or 0:x}"}
        return out
    finally:
        con.close()
