"""Run a command as a child process and measure it: wall time and peak resident memory.

`os.wait4` returns the rusage of that one child (ru_maxrss, its peak RSS, in KiB on Linux): no
polling, nothing missed between samples, and other children of the benchmark do not count.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mb: float


def run(command: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> Measured:
    """Run `command` to its end (output appended to `log`); raise if it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}):\n{tail}")
    return Measured(seconds, usage.ru_maxrss / 1024)


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a running process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount = line.split(":", 1)
            values[key] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)
