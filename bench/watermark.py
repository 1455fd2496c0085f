"""The incremental filter of one table, as the ETL sends it, against what it used to be.

Raw's watermark column is landed once (what the cut-off is computed from); then, alternately,
the rows after the cut-off are read into a DuckDB file with the cut-off computed first and
bound as a value (`pipelines.extract.sql.cutoff_filter`: the scanner sends the filter to the
store) and with the cut-off as a subquery beside `OR updated_at IS NULL` (the filter before:
the scanner reads the whole table and filters on our side). Same rows, same run, median of
`repeat` each.

    python -m bench.watermark --url postgresql+psycopg://postgres@127.0.0.1/rrc_bench_quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.dataset import PROFILES
from bench.figures import Figure, Target, render
from pipelines import raw
from pipelines.config import TableSpec
from pipelines.extract.sql import cutoff_filter
from rrc.duck import attach

LAG_HOURS = 48


def _timed(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list[object]) -> float:
    started = time.perf_counter()
    con.execute(
        f"CREATE OR REPLACE TABLE _rows AS SELECT t.* FROM src.{raw.quote(table)} t WHERE {where}",
        params,
    )
    return time.perf_counter() - started


def measure(url: str, table: str = "fiche_rcp", repeat: int = 3) -> list[Figure]:
    spec = TableSpec(name=table, key=[], watermark="updated_at")
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        attach(con, url, "src")
        con.execute("CREATE SCHEMA raw")
        target = raw.raw_name("bench", table)
        con.execute(f"CREATE TABLE {target} AS SELECT updated_at FROM src.{raw.quote(table)}")
        where, params = cutoff_filter(con, spec, target, "TIMESTAMP", LAG_HOURS)
        before = (
            f"(t.updated_at >= (SELECT max(updated_at) - to_seconds({LAG_HOURS * 3600}) "
            f"FROM {target}) OR t.updated_at IS NULL)"
        )
        bound, subquery = [], []
        for _ in range(repeat):
            bound.append(_timed(con, table, where, params))
            rows = con.execute("SELECT count(*) FROM _rows").fetchone()
            subquery.append(_timed(con, table, before, []))
            again = con.execute("SELECT count(*) FROM _rows").fetchone()
            if rows != again:
                raise RuntimeError(f"{table}: {rows} rows with the bound cut-off, {again} without")
        con.close()
    ours, old = statistics.median(bound), statistics.median(subquery)
    n = int(rows[0]) if rows else 0
    return [
        Figure(
            f"incremental filter of `{table}`: cut-off computed first, bound as a value",
            ours,
            "s",
            Target.ratio_at_most(0.5),
            limit=old,
            limit_text=f"the same filter as a subquery, read whole {old:,.2f} s",
            note=f"{n:,} rows after the cut-off (raw's last watermark − {LAG_HOURS} h), "
            f"median of {repeat}",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=PROFILES["quick"].url)
    parser.add_argument("--table", default="fiche_rcp")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(render(measure(args.url, args.table, args.repeat)))


if __name__ == "__main__":
    main()
