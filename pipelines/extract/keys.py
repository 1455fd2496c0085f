"""Key reconciliation of an incremental extract: the watermark says what changed, the keys check it.

After each incremental (or backfill) extract of a SQL table, the store's keys are compared with
raw's (only the key columns cross the wire: the cost is measured in BENCHMARKS.md):

- keys in the store and not in raw: rows the watermark missed (inserted with a back-dated or
  NULL watermark); they are read and loaded, counted (`missed_rows`);
- keys in raw and not in the store: rows deleted outright; expected for `key_diff` tables
  (counted as deletes), a contract breach for the others (`hard_delete`, removed and warned);
- keys held by two or more rows of the store (`duplicate_key`): every row of the key is loaded
  and, when the contract says quarantine, marked so that the mapping quarantines each;
- rows quarantined by the last run's mapping are read again by key, so that a row the store
  fixed is loaded on the next incremental run, not on the next `--full`;
- a sample of rows (or all, `hash_check = "full"`) is compared by a hash of its columns: a row
  changed without its watermark moving (`changed_rows`) re-reads the table, or is warned.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import Violations
from pipelines.raw import key_match, quote
from rrc.duck import INTEGER_TYPES, column_types, differing_buckets, has_table

BIGINT = range(-(2**63), 2**63)  # what a store's query of sampled keys takes


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _shown(con: duckdb.DuckDBPyConnection, table: str, key: list[str], where: str = "") -> str:
    """A few keys of `table`, as `k=v, k2=v2`, to name rows in a message."""
    cols = ", ".join(quote(k) for k in key)
    rows = con.execute(f"SELECT {cols} FROM {table} {where} ORDER BY ALL LIMIT 5").fetchall()
    return "; ".join(", ".join(f"{k}={v}" for k, v in zip(key, r, strict=True)) for r in rows)


def _quarantined_keys(
    con: duckdb.DuckDBPyConnection, source: Source, spec: TableSpec, types: dict[str, str]
) -> None:
    """`_requar`: keys of the rows the last run's mapping quarantined (kept in the build, a copy
    of the published warehouse), to read again."""
    cols = ", ".join(
        f"TRY_CAST(json_extract_string(original_row, {raw_literal(k)}) AS {types[k]}) AS {quote(k)}"
        for k in spec.key
    )
    if has_table(con, "quality.quarantine"):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _requar AS SELECT DISTINCT {cols} "
            "FROM quality.quarantine WHERE check_name = 'mapping' AND source = ? "
            "AND source_table = ?",
            [source.name, spec.name],
        )
    else:
        keys = ", ".join(f"CAST(NULL AS {types[k]}) AS {quote(k)}" for k in spec.key)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _requar AS SELECT {keys} LIMIT 0")


def _requar_in_store(con: duckdb.DuckDBPyConnection, key: list[str], target: str) -> int:
    """Keep in `_requar` the keys the store still holds; return their number. A key is in the
    store when `_gap` says so (its count differs from raw's), else when raw holds it (same
    count on both sides)."""
    if not _count(con, "SELECT count(*) FROM _requar"):
        return 0
    in_gap = key_match(key, "q", "g")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _requar AS SELECT q.* FROM _requar q WHERE "
        f"EXISTS (SELECT 1 FROM _gap g WHERE {in_gap} AND g.n_src IS NOT NULL) OR "
        f"(NOT EXISTS (SELECT 1 FROM _gap g WHERE {in_gap}) "
        f"AND EXISTS (SELECT 1 FROM {target} t WHERE {key_match(key, 'q', 't')}))"
    )
    return _count(con, "SELECT count(*) FROM _requar")


def raw_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reconcile(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    relation: str,
    load: raw.TableLoad,
    v: Violations,
    reload: Callable[[], int],
    upsert: Callable[[str], int],
    load_id: str | None = None,
    sampled: Callable[[list[int]], str] | None = None,
) -> None:
    """Compare the store's keys (`relation` reads the store) with raw's; close every gap the
    contract allows, count and report each. `reload` re-reads the table whole, `upsert(select)`
    loads the rows of a SELECT over `relation` aliased `t`; `sampled(values)`, when the store
    can answer it, is a relation `t` of the store's rows whose first key column (an integer)
    is one of `values` (the hash check's sample)."""
    contract = source.mapping.contract
    target = raw.raw_name(source.name, spec.name)
    key = spec.key
    cols = ", ".join(quote(k) for k in key)
    types = dict(column_types(con, target))
    _quarantined_keys(con, source, spec, types)
    # each key's rows in the store and in raw, where they differ: one aggregation over the
    # keys of both sides (a full join of the two sides' counts took twice as long at 1M
    # dossiers), of the buckets of keys the two sides hold differently (grouping every key of
    # fiche_rcp at 1M, 0.7 to 1.2 s, became 0.04 s of buckets past the store's read)
    with_clause, store_keys, raw_keys = differing_buckets(cols, relation, target)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _gap AS {with_clause} SELECT {cols}, "
        "NULLIF(sum(_s), 0)::BIGINT AS n_src, NULLIF(sum(_r), 0)::BIGINT AS n_raw FROM "
        f"(SELECT {cols}, 1 AS _s, 0 AS _r FROM {store_keys} "
        f"UNION ALL SELECT {cols}, 0 AS _s, 1 AS _r FROM {raw_keys}) "
        "GROUP BY ALL HAVING sum(_s) <> sum(_r)"
    )
    missed = _count(con, "SELECT count(*) FROM _gap WHERE n_raw IS NULL")
    gone = _count(con, "SELECT count(*) FROM _gap WHERE n_src IS NULL")
    requar = _requar_in_store(con, key, target)
    if missed:
        v(
            "missed_rows",
            missed,
            f"{missed} row(s) of the store were missed by the watermark `{spec.watermark}` "
            f"(inserted with an earlier or no {spec.watermark}), e.g. "
            f"{_shown(con, '_gap', key, 'WHERE n_raw IS NULL')}: loaded by key reconciliation",
            hint="the store should stamp every insert; `rrc etl run --full` re-reads everything",
            done="loaded",
        )
    changed = _hash_check(con, source, spec, relation, target, types, sampled)
    if changed:
        action = contract.changed_rows
        v(
            "changed_rows",
            changed,
            f"{changed} row(s) of the store differ from raw although their `{spec.watermark}` "
            f"did not move (hash check, {contract.hash_check}), e.g. "
            f"{_shown(con, '_changed', key)}"
            + (": the table is re-read whole" if action == "reload" else ": loaded"),
            hint="the store should stamp every update",
            done="reloaded" if action == "reload" else "loaded",
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _refetch AS SELECT {cols} FROM _gap WHERE n_src IS NOT NULL "
        f"UNION SELECT {cols} FROM _changed UNION SELECT * FROM _requar"
    )
    refetch = _count(con, "SELECT count(*) FROM _refetch")
    if (changed and contract.changed_rows == "reload") or refetch > contract.refetch_limit:
        load.extracted = reload()
        load.mode = "reloaded"
    elif refetch:
        load.extracted += upsert(
            f"SELECT t.* FROM {relation} SEMI JOIN _refetch r ON {key_match(key, 't', 'r')}"
            if relation.endswith(" t")
            else f"SELECT t.* FROM {relation} t SEMI JOIN _refetch r ON {key_match(key, 't', 'r')}"
        )
    if requar:
        v(
            "reread",
            requar,
            f"{requar} row(s) quarantined by the last run read again from the store",
            done="loaded",
        )
    if gone:
        shown = _shown(con, "_gap", key, "WHERE n_src IS NULL")
        if spec.deletes != "key_diff":
            v(
                "hard_delete",
                gone,
                f"{gone} row(s) deleted outright from the store although the table marks "
                f"deletions with {'a tombstone' if spec.deletes == 'tombstone' else 'none'} "
                f"(e.g. {shown}): removed from raw",
                hint="a deletion should keep its row with its tombstone; check with the vendor",
            )
        gone_rows = (
            f"FROM {target} t WHERE EXISTS (SELECT 1 FROM _gap g WHERE g.n_src IS NULL "
            f"AND {key_match(key, 't', 'g')})"
        )
        raw.record_changed(
            con, source.name, spec.name, f"SELECT DISTINCT {raw.key_text(key, 't')} {gone_rows}"
        )
        con.execute(f"DELETE {gone_rows}")
        load.deleted += gone
    duplicates(con, source, spec, v, load_id)
    for name in ("_gap", "_changed", "_requar", "_refetch"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _hash_check(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    relation: str,
    target: str,
    types: dict[str, str],
    sampled: Callable[[list[int]], str] | None = None,
) -> int:
    """`_changed`: keys of sampled rows whose columns differ between the store and raw."""
    contract = source.mapping.contract
    key = spec.key
    cols = ", ".join(quote(k) for k in key)
    if contract.hash_check == "off":
        con.execute(f"CREATE OR REPLACE TEMP TABLE _changed AS SELECT {cols} FROM _gap LIMIT 0")
        return 0
    sample = "" if contract.hash_check == "full" else f"USING SAMPLE {contract.hash_sample} ROWS"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sample AS SELECT {cols} FROM {target} "
        f"WHERE {raw.REJECT if raw.REJECT in types else 'NULL'} IS NULL {sample}"
    )
    data = [c for c in types if c not in raw.META_COLUMNS and c != raw.REJECT]
    row_hash = "hash(" + ", ".join(f"t.{quote(c)}" for c in data) + ")"
    filter_first = ""
    first = quote(key[0])
    values = [r[0] for r in con.execute(f"SELECT DISTINCT {first} FROM _sample").fetchall()]
    params: list[object] = []
    store = relation if relation.endswith(" t") else f"{relation} t"
    if contract.hash_check == "sample" and values and None not in values:
        integers = types.get(key[0]) in INTEGER_TYPES and all(int(x) in BIGINT for x in values)
        if sampled is not None and integers:
            # one query the store answers from its index: the scanner sends an IN list as
            # its bounds, which for a sample spread over the table is the whole table (0.25 s
            # for fiche_rcp at 1M dossiers, every column of every row; this, 10 ms)
            store = sampled([int(x) for x in values])
        else:  # pushed to the store as a filter: the rows between the sample's bounds
            filter_first = f"WHERE t.{first} IN ({', '.join('?' for _ in values)})"
            params = list(values)
    t_keys = ", ".join(f"t.{quote(k)}" for k in key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _store_hash AS SELECT {t_keys}, "
        f"{row_hash} AS _h FROM {store} {filter_first}",
        params,
    )
    # each key's rows compared as a whole (sorted hashes): the rows of a key held twice are
    # not compared with each other's; a key held a different number of times (`_gap`) is
    # read again by key anyway
    h_keys = ", ".join(f"h.{quote(k)}" for k in key)
    r_keys = ", ".join(f"r.{quote(k)}" for k in key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _changed AS SELECT {r_keys} FROM "
        f"(SELECT {t_keys}, list_sort(list({row_hash})) AS _hs FROM {target} t "
        f"SEMI JOIN _sample s ON {key_match(key, 's', 't')} GROUP BY ALL) r JOIN "
        f"(SELECT {h_keys}, list_sort(list(h._h)) AS _hs FROM _store_hash h "
        f"SEMI JOIN _sample s ON {key_match(key, 's', 'h')} GROUP BY ALL) h "
        f"ON {key_match(key, 'r', 'h')} ANTI JOIN _gap g ON {key_match(key, 'r', 'g')} "
        "WHERE r._hs <> h._hs"
    )
    con.execute("DROP TABLE _sample")
    con.execute("DROP TABLE _store_hash")
    return _count(con, "SELECT count(*) FROM _changed")


def duplicates(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    spec: TableSpec,
    v: Violations,
    load_id: str | None = None,
) -> None:
    """Keys held by two or more rows of raw (raw mirrors the store): refused, quarantined (each
    row marked with the reason) or warned, as the contract says.

    Quarantined, every row of a duplicated key is marked, and `meta.duplicate_checks` says
    under which contract and key the table was last checked: a key can then be held twice after
    the run of `load_id` only if it was marked before or one of its rows was loaded by this run,
    and only those keys are grouped, not the whole table (an incremental run then costs what it
    loaded, not the table's history). Another contract or key since groups the whole table."""
    target = raw.raw_name(source.name, spec.name)
    present = [name for name, _ in column_types(con, target)]
    has_reject = raw.REJECT in present
    # one workbook per year lists the same physicians again: a key is unique within its file
    key = [*spec.key, "_file"] if "_file" in present else spec.key
    cols = ", ".join(quote(k) for k in key)
    reject_sql = f"{quote(raw.REJECT)} LIKE 'duplicate key%'"
    marked = (
        f"SELECT {raw.key_text(spec.key, 't')} AS k, {quote(raw.REJECT)} AS r FROM {target} t "
        f"WHERE {reject_sql}"
    )
    contract = source.mapping.contract.duplicate_key
    stamp = f"duplicate keys checked: {contract}, by {', '.join(key)}"
    among = ""
    checked = _checked(con, target)
    if load_id is not None and contract == "quarantine" and checked == stamp:
        or_marked = f" OR {reject_sql}" if has_reject else ""
        candidates = f"_load_id = {raw_literal(load_id)}{or_marked}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dup_candidates AS SELECT DISTINCT {cols} "
            f"FROM {target} WHERE {candidates}"
        )
        among = f"SEMI JOIN _dup_candidates c ON {key_match(key, 't', 'c')} "
    if has_reject:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dups_before AS {marked}")
        con.execute(f"UPDATE {target} SET {quote(raw.REJECT)} = NULL WHERE {reject_sql}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT {', '.join(f't.{quote(k)}' for k in key)}, "
        f"count(*) AS _n FROM {target} t {among}"
        # a row without a key is quarantined for it by the mapping, not a duplicate
        f"WHERE {' AND '.join(f't.{quote(k)} IS NOT NULL' for k in key)} "
        "GROUP BY ALL HAVING count(*) > 1"
    )
    con.execute("DROP TABLE IF EXISTS _dup_candidates")
    keys = _count(con, "SELECT count(*) FROM _dups")
    if keys:
        rows = _count(con, "SELECT sum(_n) FROM _dups")
        v(
            "duplicate_key",
            rows,
            f"{keys} key(s) held by two or more rows of the store ({rows} rows), e.g. "
            f"{_shown(con, '_dups', key)}"
            + (
                ": every row of them quarantined"
                if source.mapping.contract.duplicate_key == "quarantine"
                else ": all kept"
            ),
            hint="a key names one row: remove the duplicates in the store",
        )
        if source.mapping.contract.duplicate_key == "quarantine":
            if not has_reject:  # rebuilt, not altered: DuckDB refuses to commit an ALTER of
                # a table this transaction has already written (an incremental run's upsert)
                con.execute(
                    f"CREATE OR REPLACE TABLE {target} AS "
                    f"SELECT *, CAST(NULL AS VARCHAR) AS {quote(raw.REJECT)} FROM {target}"
                )
            label = ", ".join(spec.key)
            con.execute(
                f"UPDATE {target} t SET {quote(raw.REJECT)} = 'duplicate key ' || "
                f"{raw_literal(label)} || ': ' || d._n || ' rows in the store' "
                f"FROM _dups d WHERE {key_match(key, 't', 'd')}"
            )
            has_reject = True
    if has_reject:  # rows marked or unmarked: the mapping reads their keys again
        before = "_dups_before" if _exists_temp(con, "_dups_before") else f"({marked} LIMIT 0)"
        raw.record_changed(
            con,
            source.name,
            spec.name,
            f"SELECT k FROM (({marked}) EXCEPT (SELECT * FROM {before})) "
            f"UNION SELECT k FROM ((SELECT * FROM {before}) EXCEPT ({marked}))",
        )
        con.execute("DROP TABLE IF EXISTS _dups_before")
    con.execute("DROP TABLE _dups")
    con.execute("DELETE FROM meta.duplicate_checks WHERE raw_table = ?", [target])
    con.execute("INSERT INTO meta.duplicate_checks VALUES (?, ?)", [target, stamp])


def _checked(con: duckdb.DuckDBPyConnection, target: str) -> str | None:
    """How raw table `target` was last checked for duplicate keys (contract and key), if it
    was."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta.duplicate_checks (raw_table VARCHAR, checked VARCHAR)"
    )
    row = con.execute(
        "SELECT checked FROM meta.duplicate_checks WHERE raw_table = ?", [target]
    ).fetchone()
    return str(row[0]) if row else None


def _exists_temp(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        _count(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [name],
        )
    )
