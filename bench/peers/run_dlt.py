"""dlt on our PostgreSQL store: `sql_table` resources (pyarrow backend), incremental on the
watermark, merged by key into a DuckDB file; one pipeline per table so that each is timed.

    .venv-bench/bin/python -m bench.peers.run_dlt --url postgresql://... --db dlt.duckdb \
        --dir <pipelines dir> --table fiche_rcp:id_fiche,version:updated_at ...

The first run of a pipeline reads each table whole (dlt's full extraction); the next ones read
what changed since dlt's own last watermark and merge it (`write_disposition="merge"`). Prints
one JSON line: seconds and rows per table.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--table", action="append", required=True, help="name:key1,key2:watermark")
    args = parser.parse_args()
    import dlt
    from dlt.sources.sql_database import sql_table

    out: dict[str, dict[str, float]] = {}
    for spec in args.table:
        name, key, watermark = spec.split(":")
        incremental = dlt.sources.incremental(watermark) if watermark else None
        resource = sql_table(
            credentials=args.url,
            table=name,
            backend="pyarrow",
            incremental=incremental,
            chunk_size=100_000,
        )
        resource.apply_hints(
            write_disposition="merge" if watermark else "replace", primary_key=key.split(",")
        )
        pipeline = dlt.pipeline(
            pipeline_name=f"rrc_{name}",
            pipelines_dir=args.dir,
            destination=dlt.destinations.duckdb(args.db),
            dataset_name="dcc",
            progress=None,
        )
        started = time.perf_counter()
        info = pipeline.run(resource)
        seconds = time.perf_counter() - started
        info.raise_on_failed_jobs()
        counts = pipeline.last_trace.last_normalize_info.row_counts
        # dlt names tables in snake case (ONC_DOSSIER -> onc_dossier)
        rows = sum(n for table, n in counts.items() if table.lower() == name.lower())
        out[name] = {"seconds": seconds, "rows": rows}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
