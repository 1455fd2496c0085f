"""The benchmark's memory figure is the child's own peak, not the benchmark process's."""

from __future__ import annotations

import sys
from pathlib import Path

from bench import child

GROW = (
    "x = bytearray({mb} * 2**20)\n"
    "for i in range(0, len(x), 4096): x[i] = 1\n"
    "import time; time.sleep(0.3)"
)


def test_a_childs_peak_rss_is_its_own_whatever_the_parents(tmp_path: Path) -> None:
    parent = bytearray(600 * 2**20)  # the benchmark process holds 600 MB
    for i in range(0, len(parent), 4096):
        parent[i] = 1
    small = child.run([sys.executable, "-c", GROW.format(mb=50)], {}, tmp_path / "log")
    large = child.run([sys.executable, "-c", GROW.format(mb=300)], {}, tmp_path / "log")
    assert 50 < small.peak_rss_mb < 150  # the interpreter and its 50 MB, not the parent's 600
    assert 300 < large.peak_rss_mb < 450
    del parent
