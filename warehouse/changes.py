"""What an incremental run changed, table by table: the `changes` database of a build.

An incremental run attaches an in-memory database `changes` to its build. For each table the
run rewrote in part or in whole (a mapped entity, a model, the blocked rows of the quality
gate), `changes.<name>` holds the rows that differ between the table before and after: the old
version of each changed row and its new one (a row that appeared has only its new version, a
row that went only its old one). An incremental model reads them to know which of its keys a run
touched (`warehouse/incremental.py`); a table without changes was not changed by the run.
"""

from __future__ import annotations

import duckdb

from rrc.duck import differing_rows, has_table

SCHEMA = "changes"
IGNORED = ("_load_id",)  # which load brought a row is not a change of its content


def attach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCHEMA}")


def detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DETACH DATABASE IF EXISTS {SCHEMA}")


def attached(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [SCHEMA]
    ).fetchone()
    return bool(row and row[0])


def exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return has_table(con, f'{SCHEMA}."{name}"')


def count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    if not exists(con, name):
        return 0
    row = con.execute(f'SELECT count(*) FROM {SCHEMA}."{name}"').fetchone()
    return int(row[0]) if row else 0


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The columns of `relation` that say what a row holds (not which load brought it)."""
    return [
        r[0]
        for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        if r[0] not in IGNORED
    ]


def ensure(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """`changes.<name>` empty when the run changed nothing in that table (so that a rule can
    read it): its columns are those of the warehouse table of that name."""
    if exists(con, name):
        return
    row = con.execute(
        "SELECT schema_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name = ? AND schema_name IN ('mapped', 'staging', 'core', 'marts', 'quality')",
        [name],
    ).fetchone()
    if row is None:
        raise LookupError(f"no table {name} in the warehouse to read the changes of")
    relation = f'{row[0]}."{name}"'
    cols = ", ".join(f'"{c}"' for c in columns(con, relation))
    con.execute(f'CREATE TABLE {SCHEMA}."{name}" AS SELECT {cols} FROM {relation} LIMIT 0')


def record(con: duckdb.DuckDBPyConnection, name: str, old: str, new: str) -> int:
    """Add to `changes.<name>` the rows of `old` not in `new` and of `new` not in `old` (two
    relations of the same columns, compared without their load ids); return how many."""
    cols = ", ".join(f'"{c}"' for c in columns(con, new))
    target = f'{SCHEMA}."{name}"'
    if not exists(con, name):
        con.execute(f"CREATE TABLE {target} AS SELECT {cols} FROM {new} LIMIT 0")
    before = count(con, name)
    con.execute(f"INSERT INTO {target} {differing_rows(cols, old, new)}")
    return count(con, name) - before
