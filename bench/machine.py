"""What the figures were measured on: machine, date, commit, and the load the machine was under."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def ram_gb() -> float:
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short=12", "HEAD") + (
        " (uncommitted changes in the tree)" if changed else ""
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def describe() -> list[str]:
    """Markdown lines: machine, date, commit."""
    return [
        f"- machine: {cpu_model()}, {os.cpu_count()} cores, {ram_gb():.0f} GB RAM "
        f"({platform.system()} {platform.release()})",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- git commit: {git_commit()}",
    ]
