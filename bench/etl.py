"""ETL runs over a profile's stores: `rrc etl run` as a child process, timed and measured.

The run reads the profile's PostgreSQL database (both SQL stores live there) and its file stores,
and publishes into the profile's own warehouse folder; the pseudonymisation and session keys are
fixed bench values, so nothing in config/ is touched.
"""

from __future__ import annotations

import json
import os
import subprocess
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
    """One `rrc etl run` (`--full` or incremental) to its publish, Great Expectations left to
    `validate` (run apart, so that its time and memory are not the build's); the run's wall
    time, peak RSS and run-log entry."""
    command = [str(Path(sys.executable).with_name("rrc")), "etl", "run"]
    if full:
        command.append("--full")
    measured = child.run(command, {**env(profile), "RRC_GREAT_EXPECTATIONS": "off"}, log, cwd=ROOT)
    lines = (warehouse_dir(profile) / "run_log.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    if entry["status"] != "success":
        raise RuntimeError(f"ETL run {entry['run_id']} {entry['status']}: {entry.get('error')}")
    return Run(measured, entry)


def validate(profile: Profile, log: Path) -> child.Measured:
    """`rrc quality validate`: what `rrc etl run` does after its publish by default."""
    command = [str(Path(sys.executable).with_name("rrc")), "quality", "validate"]
    return child.run(command, env(profile), log, cwd=ROOT)


def published(profile: Profile) -> Path:
    """The warehouse file the last run published."""
    return (warehouse_dir(profile) / "current.duckdb").resolve()


# libraries an ETL run with Great Expectations off has no use for (the boards, reports, GX and
# its pandas, scipy's statistics; lxml unless a CDA source is configured)
UNUSED = ("pandas", "great_expectations", "scipy", "dash", "plotly", "reportlab", "lxml")


def imports(profile: Profile) -> tuple[float, list[str]]:
    """What `rrc etl run` loads before it starts (GX off): seconds to import its modules, and
    the libraries of UNUSED among them."""
    code = (
        "import sys, time; t = time.perf_counter(); import cli.main, pipelines.run; "
        "print(time.perf_counter() - t); "
        f"print(','.join(m for m in {UNUSED!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env(profile), "RRC_GREAT_EXPECTATIONS": "off"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    seconds, loaded = [*done.stdout.strip().splitlines(), ""][:2]
    return float(seconds), [m for m in loaded.split(",") if m]
