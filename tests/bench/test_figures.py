"""The benchmark's arithmetic and its table (no timing here: the figures live in BENCHMARKS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.figures import Figure, Target, percentile, render


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_ratio_and_verdict() -> None:
    fast = Figure("build", 30, "s", Target.ratio_at_most(3), limit=12, limit_text="extract 12 s")
    assert fast.ratio == pytest.approx(2.5) and fast.verdict == "pass"
    slow = Figure("p95", 180, "ms", Target.both(Target.at_most(150), Target.ratio_at_most(2)), 100)
    assert slow.verdict == "**miss**"
    size = Figure("warehouse", 1234, "MB")
    assert size.ratio is None and size.verdict == "—"


def test_table_rows() -> None:
    table = render([Figure("rows/s", 500_000, "rows/s", Target.ratio_at_least(0.9), 1e6)])
    assert table.splitlines()[2] == "| rows/s | 500,000 rows/s | — | 0.50× | ≥ 0.9× | **miss** |"


def test_sections_are_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Findings\n\nhand-written\n", encoding="utf-8")
    report.write(path, "quick", "Quick", "first")
    report.write(path, "quick", "Quick", "second")
    text = path.read_text(encoding="utf-8")
    assert "second" in text and "first" not in text and "hand-written" in text
    assert text.index("## Quick") < text.index("## Findings")
