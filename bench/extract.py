"""Extraction speed, per table and path, against PostgreSQL's own binary COPY of the same table
by `psql` (the limit: the server's fastest way out, bytes read and dropped; psycopg's COPY, slower
on narrow tables, beside it), dlt (the peer) and pandas.read_sql on a 1M-row subset (what users
write by hand).

    python -m bench.extract --url postgresql+psycopg://postgres@127.0.0.1/rrc_bench
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy as sa

from bench.dataset import PROFILES, libpq
from bench.figures import Figure, Target, render
from rrc.duck import attach

TABLES = (
    "fiche_rcp",
    "fiche_proposition",
    "pps_phase",
    "patient_identite",
    "seance_presence",
    "ONC_DOSSIER",
)
SUBSET = 1_000_000
TARGET = Target.ratio_at_least(0.9)


def copy_binary(url: str, table: str) -> tuple[int, float]:
    """PostgreSQL's binary COPY of the whole table, bytes read and dropped."""
    with psycopg.connect(libpq(url)) as conn, conn.cursor() as cur:
        found = cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        started = time.perf_counter()
        with cur.copy(f'COPY (SELECT * FROM "{table}") TO STDOUT (FORMAT binary)') as cp:
            for _ in cp:
                pass
        return int(found[0]) if found else 0, time.perf_counter() - started


def psql_copy(url: str, table: str) -> tuple[int, float]:
    """`psql`'s binary COPY of the whole table to /dev/null: the fastest way out measured here
    (2 to 2.5 times psycopg's on narrow tables), the limit of every extraction figure."""
    with psycopg.connect(libpq(url)) as conn:
        found = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    started = time.perf_counter()
    subprocess.run(
        [
            "psql", libpq(url), "-q", "-v", "ON_ERROR_STOP=1", "-c",
            f"\\copy (SELECT * FROM \"{table}\") TO '/dev/null' (FORMAT binary)",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return int(found[0]) if found else 0, time.perf_counter() - started


def scanner(url: str, table: str) -> tuple[int, float]:
    """Our extraction path: the table into a DuckDB file through the postgres scanner."""
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "raw.duckdb"))
        attach(con, url, "src")
        started = time.perf_counter()
        con.execute(f'CREATE TABLE t AS SELECT * FROM src."{table}"')
        seconds = time.perf_counter() - started
        found = con.execute("SELECT count(*) FROM t").fetchone()
        con.close()
        return int(found[0]) if found else 0, seconds


def pandas_read_sql(url: str, table: str) -> tuple[int, float]:
    import pandas as pd

    engine = sa.create_engine(url)
    started = time.perf_counter()
    frame = pd.read_sql(f'SELECT * FROM "{table}" LIMIT {SUBSET}', engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    return len(frame), seconds


def rate_figure(
    name: str, rows: int, seconds: float, copy_rate: float, target: Target, note: str = ""
) -> Figure:
    return Figure(
        name,
        rows / seconds,
        "rows/s",
        target,
        limit=copy_rate,
        limit_text=f"psql binary COPY {copy_rate:,.0f} rows/s",
        note=f"{rows:,} rows" + (f"; {note}" if note else ""),
    )


def measure(
    url: str, tables: tuple[str, ...] = TABLES, peer: dict[str, float] | None = None
) -> tuple[list[Figure], dict[str, float]]:
    """Scanner, dlt (`peer`: rows/s per table, measured by bench/peer.py) and pandas figures per
    table against psql's binary COPY (psycopg's beside it), and the psql COPY rate of each (the
    limit of the other paths)."""
    figures: list[Figure] = []
    copy_rates: dict[str, float] = {}
    for table in tables:
        n, copy_s = psql_copy(url, table)
        copy_rates[table] = n / copy_s
        _, psycopg_s = copy_binary(url, table)
        m, ours_s = scanner(url, table)
        if m != n:
            raise RuntimeError(f"{table}: the scanner read {m} rows, COPY {n}")
        p, pandas_s = pandas_read_sql(url, table)
        dlt_rate = (peer or {}).get(table)
        figures.append(
            rate_figure(
                f"extract `{table}`, DuckDB scanner",
                n,
                ours_s,
                copy_rates[table],
                TARGET,
                note=f"psycopg's binary COPY {n / psycopg_s:,.0f} rows/s"
                + (f"; {n / ours_s / dlt_rate:.2f}× dlt" if dlt_rate else ""),
            )
        )
        if dlt_rate:
            figures.append(
                Figure(
                    f"extract `{table}`, dlt `sql_table` (pyarrow) into DuckDB, the peer",
                    dlt_rate,
                    "rows/s",
                    Target.report("report it (the peer)"),
                    limit=copy_rates[table],
                    limit_text=f"psql binary COPY {copy_rates[table]:,.0f} rows/s",
                )
            )
        figures.append(
            rate_figure(
                f"extract `{table}`, pandas.read_sql",
                p,
                pandas_s,
                copy_rates[table],
                Target.report("report it (what users write by hand)"),
            )
        )
        print(figures[-2].name, f"{figures[-2].ratio:.2f}x COPY", flush=True)
    return figures, copy_rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=PROFILES["national"].url)
    parser.add_argument("--table", action="append", help="only this table (repeatable)")
    args = parser.parse_args()
    figures, _ = measure(args.url, tuple(args.table) if args.table else TABLES)
    print(render(figures))


if __name__ == "__main__":
    main()
