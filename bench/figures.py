"""Figures of a benchmark run: a value set against a limit measured in the same run, and a target.

Every figure is a ratio to something measured on the same machine at the same moment (the machine
is shared: absolute timings are noisy, ratios much less), plus, where the issue sets one, an
absolute target. `render` turns them into the Markdown table of BENCHMARKS.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Target:
    """What a figure should reach: `text` for the table, `met` decides pass or miss."""

    text: str
    met: Callable[[Figure], bool]
    scored: bool = True

    @staticmethod
    def report(text: str = "report it") -> Target:
        """No target: the figure is reported for what it says."""
        return Target(text, lambda _f: True, scored=False)

    @staticmethod
    def at_most(value: float, unit: str = "") -> Target:
        return Target(f"≤ {_num(value)}{unit}", lambda f: f.value <= value)

    @staticmethod
    def ratio_at_most(ratio: float) -> Target:
        return Target(f"≤ {ratio:g}×", lambda f: f.ratio is not None and f.ratio <= ratio)

    @staticmethod
    def ratio_at_least(ratio: float) -> Target:
        return Target(f"≥ {ratio:g}×", lambda f: f.ratio is not None and f.ratio >= ratio)

    @staticmethod
    def both(*targets: Target) -> Target:
        text = " and ".join(t.text for t in targets)
        return Target(text, lambda f: all(t.met(f) for t in targets))


REPORT_ONLY = Target.report()


@dataclass(frozen=True)
class Figure:
    """One row of the table. `ratio` is value / limit, unless the figure gives its own."""

    name: str
    value: float
    unit: str
    target: Target = REPORT_ONLY
    limit: float | None = None
    limit_text: str = "—"
    ratio_override: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ratio_override is not None:
            return self.ratio_override
        if self.limit is None or self.limit == 0:
            return None
        return self.value / self.limit

    @property
    def verdict(self) -> str:
        if not self.target.scored:
            return "—"
        return "pass" if self.target.met(self) else "**miss**"


def _num(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.3g}"


def row(f: Figure) -> str:
    """The figure's line of the Markdown table."""
    value = f"{_num(f.value)} {f.unit}".strip()
    ratio = "—" if f.ratio is None else f"{f.ratio:.2f}×"
    name = f"{f.name} ({f.note})" if f.note else f.name
    return f"| {name} | {value} | {f.limit_text} | {ratio} | {f.target.text} | {f.verdict} |"


def render(figures: Sequence[Figure] | Sequence[str]) -> str:
    """The Markdown table (figure, value, limit measured, ratio, target, pass/miss) of figures or
    of rows already rendered."""
    lines = [
        "| figure | value | limit measured (same run) | ratio | target | result |",
        "|---|---:|---|---:|---|---|",
    ]
    lines += [f if isinstance(f, str) else row(f) for f in figures]
    return "\n".join(lines) + "\n"
