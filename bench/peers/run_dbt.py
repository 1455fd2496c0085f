"""dbt-duckdb on the slice (`bench/peers/dbt_slice`, its models written from ours by
bench/engines.py): one `dbt run`, timed in this process.

    .venv-bench/bin/python -m bench.peers.run_dbt --db slice.duckdb --strategy merge \
        [--full-refresh] [--load-id ID --batch B]

Prints one JSON line: the seconds of `dbt run` (parse, compile and the SQL) and dbt's success.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--strategy", default="delete+insert")
    parser.add_argument("--load-id", default="")
    parser.add_argument("--batch", default="full")
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--target-path", required=True)
    parser.add_argument("--project", required=True, help="the slice's project (bench/engines.py)")
    args = parser.parse_args()
    os.environ["RRC_SLICE_DB"] = args.db
    started = time.perf_counter()
    from dbt.cli.main import dbtRunner

    imported = time.perf_counter() - started
    variables = {"strategy": args.strategy, "load_id": args.load_id, "batch": args.batch}
    command = [
        "run", "--project-dir", args.project, "--profiles-dir", args.project,
        "--target-path", args.target_path, "--vars", json.dumps(variables), "--quiet",
    ]  # fmt: skip
    if args.full_refresh:
        command.append("--full-refresh")
    started = time.perf_counter()
    result = dbtRunner().invoke(command)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "import": imported, "success": bool(result.success)}))


if __name__ == "__main__":
    main()
