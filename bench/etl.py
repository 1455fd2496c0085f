"""ETL runs over a profile's stores: `rrc etl run` as a child process, timed and measured.

The run reads the profile's PostgreSQL database (both SQL stores live there) and its file stores,
and publishes into the profile's own warehouse folder; the pseudonymisation and session keys are
fixed bench values, so nothing in config/ is touched.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import child
from bench.dataset import Profile
from bench.machine import ROOT

BENCH_KEY = "b3" * 32


def env(profile: Profile) -> dict[str, str]:
    return {
        **os.environ,
        "RRC_DCC_URL": profile.url,
        "RRC_VENDOR_B_URL": profile.url,
        "RRC_DEMO_DIR": str(profile.out),
        "RRC_WAREHOUSE_DIR": str(warehouse_dir(profile)),
        "RRC_PSEUDONYM_KEY": BENCH_KEY,
        "RRC_SESSION_KEY": BENCH_KEY,
        "RRC_ACCESS_DB": str(profile.workdir / "access.sqlite"),
    }


def warehouse_dir(profile: Profile) -> Path:
    return profile.workdir / "warehouse"


@dataclass(frozen=True)
class Run:
    measured: child.Measured
    log: dict[str, Any]

    @property
    def extract_seconds(self) -> float:
        return sum(load["seconds"] for load in self.log["loads"])

    def extract_by_table(self) -> dict[str, tuple[int, float]]:
        return {
            f"{x['source']}.{x['table']}": (x["extracted"], x["seconds"]) for x in self.log["loads"]
        }


def run(profile: Profile, *, full: bool, log: Path) -> Run:
    """One `rrc etl run` (`--full` or incremental); its wall time, peak RSS and run-log entry."""
    command = [str(Path(sys.executable).with_name("rrc")), "etl", "run"]
    if full:
        command.append("--full")
    measured = child.run(command, env(profile), log, cwd=ROOT)
    lines = (warehouse_dir(profile) / "run_log.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    if entry["status"] != "success":
        raise RuntimeError(f"ETL run {entry['run_id']} {entry['status']}: {entry.get('error')}")
    return Run(measured, entry)


def gx_outcome(profile: Profile, entry: dict[str, Any]) -> dict[str, Any]:
    """GX's record of a run: in the run log when GX ran in the build, else the verdicts it wrote
    beside the Data Docs after the publish (empty when it did not run)."""
    if "seconds" in (entry.get("gx") or {}):
        return entry["gx"]
    path = warehouse_dir(profile) / "data_docs" / "results" / f"{entry['run_id']}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def published(profile: Profile) -> Path:
    """The warehouse file the last run published."""
    return (warehouse_dir(profile) / "current.duckdb").resolve()
