"""Extraction speed: our path (DuckDB's postgres scanner into the raw layer) against PostgreSQL's
own binary COPY of the same tables (the limit) and pandas.read_sql on a 1M-row subset (what users
write by hand). Run by `make bench`; writes the figures to BENCHMARKS.md.

    python -m bench.extract --url postgresql+psycopg://postgres@127.0.0.1/rrc_bench
    python -m bench.extract --generate 1     # first builds ~5 years of the region x1 in a new db
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy as sa

from rrc.duck import attach

TABLES = ("fiche_rcp", "seance_presence", "patient_identite", "pps_phase", "fiche_proposition")
SUBSET = 1_000_000


def _libpq(url: str) -> str:
    u = sa.make_url(url)
    return (
        f"host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username} dbname={u.database}"
    )


def copy_binary(url: str, table: str) -> tuple[int, float]:
    """PostgreSQL's binary COPY of the whole table, bytes read and dropped."""
    with psycopg.connect(_libpq(url)) as conn, conn.cursor() as cur:
        rows = cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        started = time.perf_counter()
        with cur.copy(f'COPY (SELECT * FROM "{table}") TO STDOUT (FORMAT binary)') as cp:
            for _ in cp:
                pass
        return rows, time.perf_counter() - started


def scanner(url: str, table: str) -> tuple[int, float]:
    """Our extraction path: the table into a DuckDB file through the postgres scanner."""
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "raw.duckdb"))
        attach(con, url, "src")
        started = time.perf_counter()
        con.execute(f'CREATE TABLE t AS SELECT * FROM src."{table}"')
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        con.close()
        return rows, seconds


def pandas_read_sql(url: str, table: str) -> tuple[int, float]:
    import pandas as pd

    engine = sa.create_engine(url)
    started = time.perf_counter()
    frame = pd.read_sql(f'SELECT * FROM "{table}" LIMIT {SUBSET}', engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    return len(frame), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "RRC_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/rrc_bench"
        ),
    )
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args()
    try:
        with psycopg.connect(_libpq(args.url)) as conn:
            conn.execute('SELECT 1 FROM "fiche_rcp" LIMIT 1')
    except psycopg.Error as exc:
        raise SystemExit(
            f"no demo stores in {args.url} ({exc.__class__.__name__}). Create them first, e.g.\n"
            "  createdb -h 127.0.0.1 -U postgres rrc_bench\n"
            "  rrc demo generate --out /tmp/nat --years 2016-2025 --scale national "
            f"--target {args.url}"
        ) from exc
    lines = [
        "## Extraction from PostgreSQL",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores, {platform.machine()}), `python -m bench.extract --url <db>`.",
        "",
        "| table | rows | binary COPY (limit) rows/s | our path (DuckDB scanner) rows/s "
        "| ratio to COPY | pandas.read_sql (1M subset) rows/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for table in TABLES:
        n, copy_s = copy_binary(args.url, table)
        m, ours_s = scanner(args.url, table)
        p, pandas_s = pandas_read_sql(args.url, table)
        assert m == n, f"{table}: scanner read {m} rows, COPY {n}"
        lines.append(
            f"| {table} | {n:,} | {n / copy_s:,.0f} | {n / ours_s:,.0f} | "
            f"{copy_s / ours_s:.2f}x | {p / pandas_s:,.0f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    previous = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n\n"
    head, _, rest = previous.partition("## Extraction from PostgreSQL")
    tail = rest.split("\n## ", 1)[1] if "\n## " in rest else ""
    out.write_text(head + text + ("\n## " + tail if tail else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
