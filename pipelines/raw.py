"""The raw layer: tables as extracted, plus load id, source and extraction time.

`raw."<source>__<table>"` holds the current state of each source table: incremental extracts are
upserted by key, deletions applied by tombstone or key diff, small tables replaced.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from pipelines.contract import FileLoad, Finding
from rrc.duck import column_types, differing_rows, has_table

META_COLUMNS = ("_load_id", "_source", "_extracted_at")
# set on a raw row that breaks its source's contract (wrong JSON type, unknown record type,
# duplicate key, a value that does not fit its column): the mapping quarantines it with this reason
REJECT = "_reject"
# a `_reject` that begins so sets the row aside rather than in breach (a copy of a document read
# elsewhere): the mapping counts it as skipped, and does not quarantine it
ASIDE = "écartée : "


def raw_name(source: str, table: str) -> str:
    return f'raw."{source}__{table}"'


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def key_text(key: list[str], alias: str) -> str:
    """A row's key as text (`id_fiche=12, version=2`): how the quarantine names a SQL row, and how
    an incremental run names the raw rows it changed (`changed`, `mapped._key`)."""
    return " || ', ' || ".join(
        "'" + k.replace("'", "''") + f"=' || coalesce(CAST({alias}.{quote(k)} AS VARCHAR), 'NULL')"
        for k in key
    )


def key_match(key: list[str], left: str, right: str) -> str:
    """Rows of aliases `left` and `right` with the same key (a NULL key matches a NULL key)."""
    return " AND ".join(f"{left}.{quote(k)} IS NOT DISTINCT FROM {right}.{quote(k)}" for k in key)


# rows of raw an extract changed without stamping them with its load id (deleted, or marked as
# duplicates): the mapping re-reads these keys along with the rows the run loaded
CHANGED = "_raw_changed"


def record_changed(
    con: duckdb.DuckDBPyConnection, source: str, table: str, select_keys: str
) -> None:
    """Remember raw keys changed without a new load id (`select_keys` gives their `key_text`)."""
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {CHANGED} "
        "(source VARCHAR, source_table VARCHAR, key VARCHAR)"
    )
    con.execute(f"INSERT INTO {CHANGED} SELECT ?, ?, k FROM ({select_keys}) s(k)", [source, table])


@dataclass
class TableLoad:
    """What one extraction did to one raw table (the run log's reconciliation rows)."""

    source: str
    table: str
    extracted: int = 0
    deleted: int = 0
    mode: str = "full"
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    read: int = 0  # rows read from the store or the files (blank rows included)
    findings: list[Finding] = field(default_factory=list)
    files: list[FileLoad] = field(default_factory=list)


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One source's extract as one transaction: if it fails half-way (the store went away after
    some tables), its raw tables are left as they were, never half refreshed."""
    con.begin()
    try:
        yield
    except BaseException:
        _rollback(con)
        raise
    con.commit()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:
        # a store that went away fails its own ROLLBACK, after DuckDB rolled back its side:
        # then a second rollback finds no transaction left
        with suppress(duckdb.TransactionException):
            con.rollback()


def exists(con: duckdb.DuckDBPyConnection, source: str, table: str) -> bool:
    return has_table(con, raw_name(source, table))


def typed_columns(con: duckdb.DuckDBPyConnection, source: str, table: str) -> list[tuple[str, str]]:
    """The raw table's columns of the store (not the load's nor the contract's), with their
    types, in order."""
    return [
        (name, kind)
        for name, kind in column_types(con, raw_name(source, table))
        if name not in META_COLUMNS and name != REJECT
    ]


def columns(con: duckdb.DuckDBPyConnection, source: str, table: str) -> list[str]:
    return [name for name, _ in typed_columns(con, source, table)]


def replace(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: str,
    select_sql: str,
    load_id: str,
    extracted_at: datetime,
    params: Sequence[object] = (),
) -> int:
    """Replace the raw table by the rows of `select_sql`; return their number."""
    con.execute(
        f"CREATE OR REPLACE TABLE {raw_name(source, table)} AS SELECT *, ? AS _load_id, "
        f"? AS _source, ?::TIMESTAMP AS _extracted_at FROM ({select_sql})",
        [load_id, source, extracted_at, *params],
    )
    return count(con, source, table)


def replace_changed(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: str,
    select_sql: str,
    key: list[str],
    load_id: str,
    extracted_at: datetime,
    *,
    marked: bool = False,
) -> tuple[int, bool]:
    """Replace the raw table by the rows of `select_sql`, writing only what changed: the rows of
    every key whose rows differ from raw's (added, changed, gone, or held a different number of
    times) are replaced and recorded as changed (`record_changed`), so that the mapping re-reads
    those keys alone; the other rows keep their load id. Every row's extraction time is set:
    the table was read whole. Falls back to `replace` (False) when raw has no such table, or
    its columns or their types differ from the rows read (the store's own `_reject` column
    would be one); returns the rows read and whether they were compared. `marked`: the rows read
    carry their reasons in `_reject` (a CDA document's), compared with raw's as a column."""
    target = raw_name(source, table)
    if not key or not exists(con, source, table):
        return replace(con, source, table, select_sql, load_id, extracted_at), False
    con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {select_sql}")
    incoming = column_types(con, "temp._incoming")
    names = {c for c, _ in incoming}
    store = [c for c in incoming if not (marked and c[0] == REJECT)]
    if store != typed_columns(con, source, table) or not set(key) <= names:
        # the rows read replace raw as they are (not read from the store a second time)
        n = replace(con, source, table, "SELECT * FROM _incoming", load_id, extracted_at)
        con.execute("DROP TABLE _incoming")
        return n, False
    cols = ", ".join(quote(c) for c, _ in incoming)
    keys = ", ".join(quote(k) for k in key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT {keys} "
        f"FROM ({differing_rows(cols, target, '_incoming')}) d"
    )
    touched = con.execute("SELECT count(*) FROM _touched").fetchone()
    if touched and touched[0]:
        # matched by the key's columns, not by the key as text (building that text for every
        # row of raw took 0.4 s on the 1.5M proposals at 1M dossiers)
        con.execute(
            f"DELETE FROM {target} t "
            f"WHERE EXISTS (SELECT 1 FROM _touched d WHERE {key_match(key, 't', 'd')})"
        )
        con.execute(
            f"INSERT INTO {target} BY NAME SELECT i.*, ? AS _load_id, ? AS _source, "
            f"?::TIMESTAMP AS _extracted_at FROM _incoming i "
            f"WHERE EXISTS (SELECT 1 FROM _touched d WHERE {key_match(key, 'i', 'd')})",
            [load_id, source, extracted_at],
        )
        record_changed(con, source, table, f"SELECT {key_text(key, 'd')} FROM _touched d")
    con.execute(f"UPDATE {target} SET _extracted_at = ?::TIMESTAMP", [extracted_at])
    read = con.execute("SELECT count(*) FROM _incoming").fetchone()
    con.execute("DROP TABLE _incoming")
    con.execute("DROP TABLE _touched")
    return (int(read[0]) if read else 0), True


def upsert(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: str,
    select_sql: str,
    key: list[str],
    load_id: str,
    extracted_at: datetime,
    params: Sequence[object] = (),
) -> int:
    """Insert or replace rows by `key`; return how many rows the extract brought."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT *, ? AS _load_id, ? AS _source, "
        f"?::TIMESTAMP AS _extracted_at FROM ({select_sql})",
        [load_id, source, extracted_at, *params],
    )
    target = raw_name(source, table)
    present = {name for name, _ in column_types(con, target)}
    for name, ctype in column_types(con, "temp._incoming"):
        if name not in present and name not in META_COLUMNS:  # a column new in the store
            con.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {ctype}")
    # a NULL key matches a NULL key: the store's rows without a key are re-read whole each run
    on = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM i.{quote(k)}" for k in key)
    con.execute(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {on})")
    con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _incoming")
    n = con.execute("SELECT count(*) FROM _incoming").fetchone()
    con.execute("DROP TABLE _incoming")
    return int(n[0]) if n else 0


def delete_missing(
    con: duckdb.DuckDBPyConnection, source: str, table: str, keys_sql: str, key: list[str]
) -> int:
    """Key diff: delete raw rows whose key is no longer in the store."""
    target = raw_name(source, table)
    on = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in key)
    before = count(con, source, table)
    con.execute(
        f"DELETE FROM {target} t WHERE NOT EXISTS (SELECT 1 FROM ({keys_sql}) s WHERE {on})"
    )
    return before - count(con, source, table)


def count(con: duckdb.DuckDBPyConnection, source: str, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {raw_name(source, table)}").fetchone()
    return int(row[0]) if row else 0
