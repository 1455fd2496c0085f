"""Fault injection around the ETL: helpers to run it as a real process, and the demo fixtures.

`RRC_STRESS=1` (set by `make stress`) scales the long runs up: 100 kills instead of 6, more
publishes under the concurrent readers. `RRC_STRESS_SEED` replays a failing random schedule.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

from tests.pipelines.conftest import Etl, etl_factory, small_demo  # noqa: F401 (fixtures)

STRESS = os.environ.get("RRC_STRESS", "") not in ("", "0")


def seed() -> int:
    """The seed of a random schedule: RRC_STRESS_SEED to replay one, else a new one."""
    env = os.environ.get("RRC_STRESS_SEED")
    return int(env) if env else random.SystemRandom().randrange(2**31)


def etl_command(*args: str) -> list[str]:
    """`rrc etl run ...` as its own process (so that it can be killed), with this Python."""
    return [sys.executable, "-m", "cli.main", "etl", "run", *args]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        etl_command(*args), capture_output=True, text=True, timeout=timeout, check=False
    )
