"""The quality suite against the same checks written as plain DuckDB SQL.

`quality.checks.run` (counts per source and 3C stored, violations kept, blocked rows quarantined)
runs on a writable copy of the published warehouse; the limit is the same checks' denominator and
grouped violation counts as bare queries on the same file. Each side runs twice, alternating, and
the faster of each is kept (the machine is shared).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

from quality import checks


def plain_sql(con: duckdb.DuckDBPyConnection) -> float:
    """Every check of the catalogue as two bare queries: its denominator and its violations."""
    types, thresholds = checks.catalog()
    started = time.perf_counter()
    for t in thresholds:
        denominator, violations = checks._sql(types[t.check], t)
        con.execute(denominator).fetchall()
        con.execute(f"SELECT source, c3_id, count(*) FROM ({violations}) GROUP BY ALL").fetchall()
    return time.perf_counter() - started


def suite(con: duckdb.DuckDBPyConnection, cadence: dict[str, float]) -> float:
    started = time.perf_counter()
    checks.run(con, "bench-quality", cadence)
    return time.perf_counter() - started


def measure(published: Path, workdir: Path, cadence: dict[str, float]) -> tuple[float, float]:
    """(suite seconds, plain SQL seconds), each the best of two alternating runs."""
    copy = workdir / "quality-bench.duckdb"
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published, copy)
    try:
        con = duckdb.connect(str(copy))
        ours, plain = [], []
        for _ in range(2):
            plain.append(plain_sql(con))
            ours.append(suite(con, cadence))
        con.close()
    finally:
        copy.unlink(missing_ok=True)
    return min(ours), min(plain)
