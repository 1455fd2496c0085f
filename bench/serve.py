"""`rrc serve` (gunicorn, 2 workers) over a warehouse, for the time of a `with` block."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.child import rss_mb


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def workers(self) -> list[int]:
        """The gunicorn workers: the processes whose parent is the master."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                found.append(int(stat.parent.name))
        return found

    def worker_rss(self) -> list[tuple[float, float]]:
        """(RSS, peak RSS) in MB of each worker."""
        return [rss_mb(pid) for pid in self.workers()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[Server]:
    port = _free_port()
    rrc = Path(sys.executable).with_name("rrc")
    command = [str(rrc), "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc.pid)
    try:
        deadline = time.monotonic() + 60
        while len(server.workers()) < workers or not _answers(server.url + "/login"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the boards did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False
