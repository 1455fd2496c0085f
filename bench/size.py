"""The published file's size over incremental runs, against a fresh full build of the same stores.

A small demo region (SQLite stores) is generated into a temporary folder and built in full; then
`--runs` incremental runs follow, each after a few fiches of the DCC were touched (`updated_at`
moved, as an edit does); then the same stores are built in full into a new warehouse. The
issue's target: after 30 incremental runs, within 10 % of the fresh full build.

    python -m bench.size --runs 5
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from bench.figures import Figure, Target, render
from demo.dataset import Scale
from demo.generate import Request, generate
from rrc.settings import PROJECT_ROOT

KEY = "c4" * 32


def _touch(store: Path, stamp: datetime, n: int = 50) -> None:
    con = sqlite3.connect(store)
    con.execute(
        "UPDATE fiche_rcp SET updated_at = ? WHERE rowid IN "
        "(SELECT rowid FROM fiche_rcp ORDER BY random() LIMIT ?)",
        (stamp.strftime("%Y-%m-%d %H:%M:%S.000000"), n),
    )
    con.commit()
    con.close()


def measure(runs: int, scale: str = "0.2") -> list[Figure]:
    from pipelines.config import load_config
    from pipelines.run import run

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        generate(
            Request(out=demo, first_year=2013, last_year=2013, seed=21, scale=Scale.parse(scale))
        )
        os.environ.update(
            RRC_PSEUDONYM_KEY=KEY,
            RRC_CONFIG_DIR=str(PROJECT_ROOT / "config"),
            RRC_DEMO_DIR=str(demo),
            RRC_GREAT_EXPECTATIONS="off",
            RRC_WAREHOUSE_DIR=str(Path(tmp) / "incremental"),
        )
        first = run(load_config(), full=True)
        sizes = [Path(first.snapshot or "").stat().st_size]
        for i in range(runs):
            _touch(demo / "dcc.sqlite", datetime(2030, 1, 1) + timedelta(days=i))
            sizes.append(Path(run(load_config()).snapshot or "").stat().st_size)
        os.environ["RRC_WAREHOUSE_DIR"] = str(Path(tmp) / "fresh")
        fresh = Path(run(load_config(), full=True).snapshot or "").stat().st_size
    mb = 2**20
    return [
        Figure(
            f"published file after {runs} incremental runs (small demo, SQLite stores)",
            sizes[-1] / mb,
            "MB",
            Target.ratio_at_most(1.1),
            limit=fresh / mb,
            limit_text=f"fresh full build of the same stores {fresh / mb:,.1f} MB",
            note="sizes after each run: " + ", ".join(f"{s / mb:,.1f}" for s in sizes) + " MB",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", default="0.2")
    args = parser.parse_args()
    print(render(measure(args.runs, args.scale)))


if __name__ == "__main__":
    main()
