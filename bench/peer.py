"""dlt, the peer of our extraction, on the same PostgreSQL store in the same run.

`extraction` reads each benchmark table whole with dlt (`sql_table`, pyarrow backend, into a
DuckDB file; one pipeline per table, so each is timed); the watermarked DCC tables are declared
incremental on `updated_at` and merged by key. `day_merge` then runs those pipelines again after
the bench's day of changes (`bench/day.py`): dlt reads what changed since its own last watermark
and merges it — the figure the issue sets our incremental run against.

    python -m bench.peer --url postgresql+psycopg://postgres@127.0.0.1/rrc_bench_quick
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from bench import day
from bench.dataset import PROFILES
from bench.machine import ROOT

PEERS_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
# the tables of the extract step: key, and the watermark dlt merges on (none: replaced whole)
TABLES = {
    "fiche_rcp": ("id_fiche,version", "updated_at"),
    "fiche_proposition": ("id_fiche,code_traitement", ""),
    "pps_phase": ("id_pps,num_phase", ""),
    "patient_identite": ("id_identite", "updated_at"),
    "seance_presence": ("id_seance,id_professionnel", "updated_at"),
    "ONC_DOSSIER": ("NUM_DOSSIER", "DATE_MAJ"),
}
# what the day changes and our incremental run reads by watermark: dlt merges the same
DAY_TABLES = {
    "fiche_rcp": ("id_fiche,version", "updated_at"),
    "patient_identite": ("id_identite", "updated_at"),
    "rcp_seance": ("id_seance", "updated_at"),
    "seance_presence": ("id_seance,id_professionnel", "updated_at"),
    "pps": ("id_pps", "updated_at"),
}


def _dlt(url: str, workdir: Path, tables: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """One run of the dlt pipelines of `tables` (in `.venv-bench`); seconds and rows per table."""
    if not PEERS_PYTHON.exists():
        raise RuntimeError(
            f"{PEERS_PYTHON} is missing: `make bench-engines` installs the peers "
            "(bench/engines-requirements.txt)"
        )
    command = [
        str(PEERS_PYTHON), "-m", "bench.peers.run_dlt", "--url", url,
        "--db", str(workdir / "dlt.duckdb"), "--dir", str(workdir / "pipelines"),
    ]  # fmt: skip
    for name, (key, watermark) in tables.items():
        command += ["--table", f"{name}:{key}:{watermark}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    with (workdir / "dlt.log").open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr[-5000:]}\n")
    if done.returncode != 0:
        raise RuntimeError(f"dlt failed ({done.returncode}): {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def extraction(url: str, workdir: Path) -> dict[str, float]:
    """dlt's full extraction of each table, in rows per second (a new pipeline each time)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    done = _dlt(url, workdir, TABLES)
    return {t: v["rows"] / v["seconds"] for t, v in done.items() if v["seconds"] > 0}


def day_merge(url: str, workdir: Path) -> tuple[float, int]:
    """dlt's extract and merge of the day's changes of the watermarked DCC tables (seconds, rows
    merged). Pipelines that never ran read their tables whole first, untimed."""
    workdir.mkdir(parents=True, exist_ok=True)
    fresh = [t for t in DAY_TABLES if not (workdir / "pipelines" / f"rrc_{t}").exists()]
    if fresh:
        _dlt(url, workdir, {t: DAY_TABLES[t] for t in fresh})
    day.apply(url)
    try:
        done = _dlt(url, workdir, DAY_TABLES)
    finally:
        day.revert(url)
    # the pipelines' own time (pipeline.run), not the start of the Python that runs them
    seconds = sum(float(v["seconds"]) for v in done.values())
    return seconds, sum(int(v["rows"]) for v in done.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=PROFILES["quick"].url)
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench" / "dlt")
    args = parser.parse_args()
    print(json.dumps(extraction(args.url, args.workdir)))
    print(json.dumps(day_merge(args.url, args.workdir)))


if __name__ == "__main__":
    main()
