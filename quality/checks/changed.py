"""The checks of an incremental run, read over what the run changed.

The published warehouse holds no violation of a blocking grain, not-null or relationship check
of its core tables and marts (a run with one is not published). After an incremental run, a new
violation can therefore only sit in a row the run wrote, or, for a relationship, in a row whose
value its referenced table lost: such a check reads the keys of `changes.<table>` (the rows that
differ, `warehouse/changes.py`) instead of every row (its template's section `-- violations
among changes`), and a check none of whose tables changed keeps its previous counts.

A check runs over every row when the changes of one of its tables are not known (a model rebuilt
whole without comparing), when it had violations at the previous run (a warning relationship:
those rows are not in the changes), when its template has no section for changes, or when the
checks themselves changed since the previous run (their templates, the declared grain and links:
`digest`, stored in `quality.built_checks`).

The checks of staging may hold violations in the published warehouse (quarantined rows under the
threshold). A staging template whose section `-- rows to check again among changes` names the
rows of its table whose verdict a change can move (a changed fiche's, or every fiche of the
patient, session and version it left or joins) is run over those rows only (its violations
section reads them as `{rows}`); the previous run's violations of the other rows are kept. A
template without that section runs whole: one that reads the day's date (its verdicts move
without a change), or one that checks each row alone (selecting the rows to check again costs
the scan the check itself costs). A template none of whose staging tables changed keeps its
violations (`staging_plan`, digest in `quality.staging_checks`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

import duckdb

from rrc import duck
from rrc.duck import has_table


class Declared(Protocol):
    """What the plan reads of a declared check (a `quality.checks.Threshold`)."""

    @property
    def check(self) -> str: ...
    @property
    def table(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def reference(self) -> str | None: ...


T = TypeVar("T", bound=Declared)

# how a check is run: over every row, over the changed keys, or its previous counts kept
WHOLE, CHANGED, KEPT = "whole", "changed", "kept"
SECTION = "violations among changes"
SCOPE = "rows to check again among changes"  # a staging template's section (module docstring)
STAGING_DIGEST = "quality.staging_checks"
BUILT_DIGEST = "quality.built_checks"


def digest(built: Iterable[Declared], texts: Mapping[str, str]) -> str:
    """The declared checks and the text of their templates (`texts`, by check): when it changes,
    every check runs whole."""
    h = hashlib.sha256()
    for c in sorted(built, key=lambda c: (c.check, c.table, c.field)):
        h.update(f"{c.check}|{c.table}|{c.field}|{c.reference}\n".encode())
    for name in sorted({c.check for c in built}):
        h.update(texts[name].encode())
    return h.hexdigest()


def store_digest(con: duckdb.DuckDBPyConnection, value: str) -> None:
    duck.store_digest(con, BUILT_DIGEST, value)


def previous_run(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The run whose checks the warehouse holds last (the one that published it)."""
    row = con.execute(
        "SELECT run_id FROM quality.check_results WHERE run_id <> ? ORDER BY run_at DESC LIMIT 1",
        [run_id],
    ).fetchone()
    return str(row[0]) if row else None


def plan(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    built: list[T],
    texts: Mapping[str, str],
    changed: Mapping[str, str | None] | None,
) -> tuple[dict[T, str], str | None]:
    """How each declared check runs (WHOLE, CHANGED or KEPT), and the previous run whose counts
    a KEPT check repeats. `texts`: each check's template; `changed` gives, for each table whose
    changes this run knows, the relation of its changed rows, or None when the run left it as it
    was; None: a full build."""
    whole = dict.fromkeys(built, WHOLE)
    if changed is None or duck.stored_digest(con, BUILT_DIGEST) != digest(built, texts):
        return whole, None
    previous = previous_run(con, run_id)
    if previous is None:
        return whole, None
    clean = {
        (r[0], r[1], r[2])
        for r in con.execute(
            "SELECT check_name, table_name, field FROM quality.check_results WHERE run_id = ? "
            "GROUP BY ALL HAVING sum(num_violated_rows) = 0",
            [previous],
        ).fetchall()
    }
    out: dict[T, str] = {}
    for c in built:
        tables = [c.table] + ([_ref_table(c.reference)] if c.reference else [])
        if (c.check, c.table, c.field) not in clean or any(t not in changed for t in tables):
            out[c] = WHOLE
        elif all(changed[t] is None for t in tables):
            out[c] = KEPT
        else:
            out[c] = CHANGED if f"-- {SECTION}" in texts[c.check] else WHOLE
    return out, previous


def values(check: Declared, changed: Mapping[str, str | None]) -> dict[str, str]:
    """The placeholders of a template's section for changes: `changes` and `ref_changes` (the
    changed rows of the table and of its reference, an empty relation when it did not change),
    `key_match` (a changed row's grain equal to the table's row `t`)."""
    out = {"changes": _relation(check.table, changed[check.table])}
    if check.reference:
        table = _ref_table(check.reference)
        out["ref_changes"] = _relation(table, changed[table])
    out["key_match"] = " AND ".join(
        f"c.{col} IS NOT DISTINCT FROM t.{col}" for col in check.field.split(", ")
    )
    return out


def keep(
    con: duckdb.DuckDBPyConnection, run_id: str, previous: str, kept: Sequence[Declared]
) -> None:
    """The previous run's counts of the checks whose tables did not change, as this run's."""
    if not kept:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _kept (check_name VARCHAR, table_name VARCHAR, field VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _kept VALUES (?, ?, ?)", [[c.check, c.table, c.field] for c in kept]
    )
    con.execute(
        "INSERT INTO quality.check_results SELECT ?, current_timestamp::TIMESTAMP, r.check_name, "
        "r.table_name, r.field, r.source, r.c3_id, r.num_violated_rows, r.num_denominator_rows "
        "FROM quality.check_results r SEMI JOIN _kept k ON k.check_name = r.check_name "
        "AND k.table_name = r.table_name AND k.field = r.field WHERE r.run_id = ?",
        [run_id, previous],
    )
    con.execute("DROP TABLE _kept")


def _ref_table(reference: str) -> str:
    layer, table, _column = reference.split(".")
    return f"{layer}.{table}"


def _relation(table: str, changes: str | None) -> str:
    return changes or f"(SELECT * FROM {table} WHERE false)"


def staging_tables(text: str, table: str) -> set[str]:
    """The staging tables a staging template reads: its own, and those it names."""
    return {f"staging.{n}" for n in {*re.findall(r"\bstaging\.(\w+)", text), table}}


def staging_plan(
    con: duckdb.DuckDBPyConnection,
    checks: Sequence[T],
    texts: Mapping[str, str],
    changed: Mapping[str, str | None] | None,
) -> dict[T, str]:
    """How each staging check runs (module docstring): WHOLE, CHANGED (over the rows its
    section names, the previous violations of the others kept) or KEPT. `changed`: the staging
    models' changes as `Build.changed` gives them, None for a full build. Reads the previous
    run's violations: call before `quality.check_violations` is emptied for this run."""
    whole = dict.fromkeys(checks, WHOLE)
    if (
        changed is None
        or not has_table(con, "quality.check_violations")
        or duck.stored_digest(con, STAGING_DIGEST) != digest(checks, texts)
    ):
        return whole
    out: dict[T, str] = {}
    for c in checks:
        text = texts[c.check]
        tables = staging_tables(text, c.table)
        if f"-- {SCOPE}" not in text or any(t not in changed for t in tables):
            out[c] = WHOLE
        elif all(changed[t] is None for t in tables):
            out[c] = KEPT
        else:
            out[c] = CHANGED
    return out


def store_staging_digest(
    con: duckdb.DuckDBPyConnection, checks: Sequence[Declared], texts: Mapping[str, str]
) -> None:
    duck.store_digest(con, STAGING_DIGEST, digest(checks, texts))


def staging_values(changed: Mapping[str, str | None]) -> dict[str, str]:
    """The placeholders of a staging section: `changes_<table>`, the changed rows of each
    staging table (an empty relation when it did not change)."""
    return {
        f"changes_{t.split('.', 1)[1]}": _relation(t, rel)
        for t, rel in changed.items()
        if t.startswith("staging.")
    }
