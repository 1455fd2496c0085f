"""Run a command as a child process and measure it: wall time and peak resident memory.

The peak is the child's own high-water mark (`VmHWM` in /proc, read every 50 ms until it exits).
Not `ru_maxrss` from `wait4`: Linux carries the forking process's RSS into the child's maxrss
across exec, so a child of this (large) benchmark process would report at least the benchmark's
own memory.
"""

from __future__ import annotations

import subprocess
import threading
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
        peak = [0.0]
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                try:  # the high-water mark only grows: the last read is the peak so far
                    peak[0] = max(peak[0], rss_mb(proc.pid)[1])
                except (OSError, ValueError):  # exited (or a zombie without memory)
                    return
                done.wait(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}):\n{tail}")
    return Measured(seconds, peak[0])


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a running process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount = line.split(":", 1)
            values[key] = int(amount.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)
