"""DuckDB connections that can read the operational stores directly (the bulk fast path).

DuckDB 1.5.5 loads its postgres, mysql and sqlite scanners from PyPI wheels
(`duckdb-extension-*-scanner`), so nothing is downloaded at run time (docs/decisions.md, 1).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import sqlalchemy as sa

from rrc.errors import ConfigError

EXTENSIONS = {
    "postgres": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    "mysql": ("duckdb_extension_mysql_scanner", "mysql_scanner"),
    "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
}
BACKENDS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def load_extension(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Install and load a scanner from its wheel (idempotent)."""
    module_name, extension = EXTENSIONS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigError(
            f"the DuckDB {kind} scanner is not installed",
            hint=f"pip install {module_name.replace('_', '-')}==1.5.5 (see constraints.txt)",
        ) from exc
    files = sorted(Path(module.__file__ or "").parent.glob("extensions/*/*.duckdb_extension"))
    if not files:  # pragma: no cover - a broken install
        raise ConfigError(f"no extension file in {module_name}", hint="reinstall the package")
    con.execute(f"INSTALL '{files[-1]}'")
    con.execute(f"LOAD {extension}")


def attach_string(url: str) -> tuple[str, str]:
    """(DuckDB ATTACH string, scanner kind) for a SQLAlchemy URL."""
    u = sa.make_url(url)
    backend = u.get_backend_name()
    if backend not in BACKENDS:
        raise ConfigError(
            f"no DuckDB scanner for {backend} URLs",
            hint="use a postgresql, mysql/mariadb or sqlite URL",
        )
    kind = BACKENDS[backend]
    if kind == "sqlite":
        return u.database or "", kind
    parts = {
        "host": u.host or "127.0.0.1",
        "port": u.port,
        "user": u.username,
        "password": u.password,
        "dbname" if kind == "postgres" else "database": u.database,
    }
    text = " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))
    return text, kind


def attach(con: duckdb.DuckDBPyConnection, url: str, alias: str) -> None:
    """Attach the database of `url` read-only as `alias`."""
    target, kind = attach_string(url)
    load_extension(con, kind)
    literal = target.replace("'", "''")  # ATTACH takes no parameters; quote the literal
    con.execute(f"ATTACH '{literal}' AS {alias} (TYPE {kind}, READ_ONLY)")


@contextmanager
def one_query(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Reads of an attached PostgreSQL store made as one query each, not split by page ranges
    (ctid), so that the store can use an index for a filter: the day's rows by an indexed
    watermark in 1 to 2 ms instead of a scan of the table (0.2 to 0.5 s at 1M dossiers).
    Whole reads keep the split (no faster either way on two cores). No-op without the
    postgres scanner. An error inside the block is raised as it is."""
    row = con.execute(
        "SELECT value FROM duckdb_settings() WHERE name = 'pg_use_ctid_scan'"
    ).fetchone()
    if row is None:
        yield
        return
    con.execute("SET pg_use_ctid_scan = false")
    try:
        yield
    finally:
        # a read that failed inside a transaction aborts it, and no SET runs there: the error
        # raised is the read's; the connection's later reads go as one query each
        with contextlib.suppress(duckdb.TransactionException):
            con.execute(f"SET pg_use_ctid_scan = {row[0]}")


# DuckDB's integer types, by the names DESCRIBE gives
INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)


def has_table(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether `relation` (`schema.table`, or `database.schema.table`, quoted as needed) exists.

    A probe of the catalog: listing `duckdb_tables()` costs 2 to 16 ms in a build of 240 tables
    (it sizes every table of every attached database), which an incremental run paid a few
    hundred times (1.4 s at 1M dossiers); the probe costs a quarter of a millisecond. A binder
    error does not abort the transaction it happens in."""
    try:
        con.execute(f"SELECT 1 FROM {relation} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def stored_digest(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The digest a one-row table (`schema.table`) keeps of what a build part was made from
    (models, checks, reference tables), or None when there is none yet."""
    if not has_table(con, table):
        return None
    row = con.execute(f"SELECT digest FROM {table}").fetchone()
    return str(row[0]) if row else None


def store_digest(con: duckdb.DuckDBPyConnection, table: str, value: str) -> None:
    """Keep `value` as the digest of `table` (`schema.table`), in place of the last one."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.', 1)[0]}")
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT ? AS digest", [value])


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, type) of each column of `relation` (quoted as needed), in order; none when it does
    not exist. A DESCRIBE binds that relation alone (about 0.5 ms); a query of
    `information_schema.columns` lists every column of every attached database, the stores'
    included (8 to 20 ms), and an extraction asked it about a hundred times a run."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.CatalogException:
        return []
    return [(str(r[0]), str(r[1])) for r in rows]


BUCKETS = 65_536  # of rows by their hash: what a comparison of two versions of a table sorts into


def differing_buckets(cols: str, old: str, new: str) -> tuple[str, str, str]:
    """A WITH clause and the rows of `old` and of `new` (relations with the columns `cols`)
    that fall in a bucket the two versions hold differently, by the count and the sum of the
    hashes of its rows; the rows of the other buckets are the same on both sides.

    Comparing two versions of a table row by row groups every row of both (the 1.5M proposals
    of raw and of the store at 1M dossiers: 0.45 to 0.55 s); grouping them into 65,536 buckets
    is cheaper, and only the buckets a day changed are compared row by row (0.19 to 0.25 s
    with 3,000 rows added). A bucket whose rows differ but whose count and sum of 64-bit hashes
    agree would be taken as unchanged: for one row replaced by another, that takes a collision
    of the hash. NULLs hash alike, as they group alike."""
    hashed = f"hash({cols}) AS _rrc_h"
    sums = "count(*) AS _rrc_n, sum(_rrc_h) AS _rrc_s"
    where = f"WHERE _rrc_h % {BUCKETS} IN (SELECT _rrc_b FROM _rrc_changed)"
    with_clause = (
        f"WITH _rrc_old AS (SELECT {cols}, {hashed} FROM {old}), "
        f"_rrc_new AS (SELECT {cols}, {hashed} FROM {new}), "
        "_rrc_changed AS (SELECT _rrc_b FROM ("
        f"SELECT _rrc_h % {BUCKETS} AS _rrc_b, {sums}, 1 AS _rrc_side FROM _rrc_old GROUP BY 1 "
        f"UNION ALL SELECT _rrc_h % {BUCKETS}, {sums}, -1 FROM _rrc_new GROUP BY 1) "
        "GROUP BY _rrc_b, _rrc_n, _rrc_s HAVING sum(_rrc_side) <> 0)"
    )
    return (
        with_clause,
        f"(SELECT {cols} FROM _rrc_old {where})",
        f"(SELECT {cols} FROM _rrc_new {where})",
    )


def differing_rows(cols: str, old: str, new: str) -> str:
    """The rows held a different number of times by `old` and `new` (relations with the columns
    `cols`), each as many times as the counts differ: what `(old EXCEPT ALL new) UNION ALL (new
    EXCEPT ALL old)` gives, in one aggregation instead of two hash joins of both sides (2.6
    times faster on the 1.5M proposals of raw at 1M dossiers), over the rows of the buckets
    that differ (`differing_buckets`). NULLs compare equal, as there."""
    with_clause, old_rows, new_rows = differing_buckets(cols, old, new)
    return (
        f"SELECT * FROM ({with_clause} "
        f"SELECT {cols} FROM (SELECT {cols}, unnest(range(_times)) AS _nth FROM "
        f"(SELECT {cols}, abs(sum(_side))::BIGINT AS _times FROM "
        f"(SELECT {cols}, 1 AS _side FROM {old_rows} "
        f"UNION ALL SELECT {cols}, -1 AS _side FROM {new_rows}) "
        f"GROUP BY ALL HAVING sum(_side) <> 0)))"
    )
