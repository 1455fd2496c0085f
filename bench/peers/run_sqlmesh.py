"""SQLMesh on the slice (its project written from our models by bench/engines.py): the first
`plan` (a backfill: the full build) or a `run` (the intervals since), timed in this process.

    .venv-bench/bin/python -m bench.peers.run_sqlmesh --project <dir> --plan|--run \
        --execution-time "2026-12-06 04:00:00"

Prints one JSON line: the seconds of the plan or run, and whether it completed.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--execution-time", required=True)
    parser.add_argument("--plan", action="store_true")
    args = parser.parse_args()
    from sqlmesh import Context

    started = time.perf_counter()
    context = Context(paths=args.project)
    if args.plan:
        context.plan(auto_apply=True, no_prompts=True, execution_time=args.execution_time)
        ok = True
    else:
        ok = bool(context.run(execution_time=args.execution_time))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "success": ok}))


if __name__ == "__main__":
    main()
