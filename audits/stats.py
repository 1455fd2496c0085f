"""Proportions and their confidence intervals under the draw's design (scipy.stats).

Within one stratum the fiches are a simple random sample: the share compliant x/n and its exact
(Clopper-Pearson) interval, from the beta distribution.

Over several strata, each fiche counts with its weight N_h/m_h (N_h fiches in the stratum's
frame, m_h returned answered): the design-weighted proportion R = sum(w y) / sum(w a), where y is
1 for a compliant answer and a is 1 for an answer that counts (not "sans objet", not blank), a
ratio estimator. Its variance is the linearised one of stratified sampling without replacement,
sum_h N_h^2 (1 - m_h/N_h) s_h^2 / m_h over the residuals z = (y - R a) / sum(w a); the interval
is Korn and Graubard's: Clopper-Pearson at the effective sample size R(1-R)/var, scaled by the
ratio of Student quantiles for n-1 and n-H degrees of freedom (what R's survey::svyciprop calls
method "beta"). With one stratum and no finite-population correction it is
Clopper-Pearson at n - 1 (the variance's degrees of freedom).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LEVEL = 0.95


def _scipy() -> Any:
    """scipy.stats, imported when an interval is computed (seconds to import: a draw or an
    import does not need it)."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class Estimate:
    proportion: float | None  # None: no answer counts
    low: float | None
    high: float | None
    answered: int  # answers that count (the unweighted denominator)
    compliant: int
    effective_n: float | None = None


def clopper_pearson(x: float, n: float, level: float = LEVEL) -> tuple[float, float]:
    """The exact interval of x successes out of n (x and n may be effective, non-integer)."""
    stats = _scipy()
    alpha = 1 - level
    low = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    high = 1.0 if x >= n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def simple(x: int, n: int, level: float = LEVEL) -> Estimate:
    """One stratum: x compliant of n answers that count."""
    if n == 0:
        return Estimate(None, None, None, 0, 0)
    low, high = clopper_pearson(x, n, level)
    return Estimate(x / n, low, high, n, x, float(n))


@dataclass(frozen=True)
class Stratum:
    """One stratum's answers: N fiches in the frame; per returned fiche, (counts, compliant)."""

    frame_size: int
    answers: Sequence[tuple[bool, bool]]  # (a: the answer counts, y: it is compliant)


def stratified(strata: Sequence[Stratum], level: float = LEVEL) -> Estimate:
    """The design-weighted proportion over strata, with Korn-Graubard's interval."""
    used = [s for s in strata if s.answers]
    a_total = sum(a for s in used for a, _ in s.answers)
    y_total = sum(1 for s in used for a, y in s.answers if a and y)
    if a_total == 0:
        return Estimate(None, None, None, 0, 0)
    weights = [s.frame_size / len(s.answers) for s in used]
    a_hat = sum(w * sum(a for a, _ in s.answers) for w, s in zip(weights, used, strict=True))
    y_hat = sum(
        w * sum(1 for a, y in s.answers if a and y) for w, s in zip(weights, used, strict=True)
    )
    r = y_hat / a_hat
    variance = 0.0
    for s in used:
        m = len(s.answers)
        if m < 2:
            continue  # one answer says nothing of its stratum's spread
        z = [((1.0 if a and y else 0.0) - r * (1.0 if a else 0.0)) / a_hat for a, y in s.answers]
        mean = sum(z) / m
        s2 = sum((v - mean) ** 2 for v in z) / (m - 1)
        fpc = max(0.0, 1 - m / s.frame_size)
        variance += s.frame_size**2 * fpc * s2 / m
    n_rows = sum(len(s.answers) for s in used)
    if variance > 0 and 0 < r < 1:
        n_eff = r * (1 - r) / variance
        df = n_rows - len(used)
        if df >= 1 and n_rows > 1:
            stats = _scipy()
            ratio = stats.t.ppf((1 - level) / 2, n_rows - 1) / stats.t.ppf((1 - level) / 2, df)
            n_eff *= float(ratio) ** 2
    else:
        n_eff = float(a_total)
    low, high = clopper_pearson(r * n_eff, n_eff, level)
    return Estimate(r, low, high, a_total, y_total, n_eff)
