"""The intervals, checked against values computed another way: Clopper-Pearson against the
binomial distribution summed by hand and against published values, the design-weighted interval
against its formula written out on literal data."""

from __future__ import annotations

import math

import pytest

from audits import stats


def binomial_tail(x: int, n: int, p: float, upper: bool) -> float:
    """P(X >= x) (upper) or P(X <= x) for X ~ Bin(n, p), summed term by term."""
    ks = range(x, n + 1) if upper else range(0, x + 1)
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in ks)


def solve(f, target: float) -> float:
    """The p in (0, 1) where the increasing function f reaches target, by bisection."""
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if f(mid) < target else (low, mid)
    return (low + high) / 2


@pytest.mark.parametrize(("x", "n"), [(8, 10), (1, 15), (14, 15), (37, 52), (0, 12), (12, 12)])
def test_clopper_pearson_is_the_binomial_inversion(x: int, n: int) -> None:
    low, high = stats.clopper_pearson(x, n)
    # the lower bound: P(X >= x | p) = 2.5 %; the upper: P(X <= x | p) = 2.5 %
    expected_low = 0.0 if x == 0 else solve(lambda p: binomial_tail(x, n, p, True), 0.025)
    expected_high = 1.0 if x == n else solve(lambda p: -binomial_tail(x, n, p, False), -0.025)
    assert low == pytest.approx(expected_low, abs=1e-9)
    assert high == pytest.approx(expected_high, abs=1e-9)


def test_clopper_pearson_published_values() -> None:
    # 8 of 10: 44.39 % to 97.48 % (the exact interval found in every table of it)
    low, high = stats.clopper_pearson(8, 10)
    assert (round(100 * low, 2), round(100 * high, 2)) == (44.39, 97.48)
    # 0 of 12: the "rule of three" neighbourhood, 0 to 26.46 %
    assert round(100 * stats.clopper_pearson(0, 12)[1], 2) == 26.46


def test_stratified_against_the_formula_written_out() -> None:
    # stratum 1: 100 fiches, 5 answers of which 4 compliant; stratum 2: 20 fiches, 4 answers,
    # 1 "sans objet", 2 compliant of the 3 that count
    s1 = stats.Stratum(100, [(True, True)] * 4 + [(True, False)])
    s2 = stats.Stratum(20, [(True, True)] * 2 + [(True, False), (False, False)])
    got = stats.stratified([s1, s2])
    w1, w2 = 100 / 5, 20 / 4
    r = (w1 * 4 + w2 * 2) / (w1 * 5 + w2 * 3)
    assert r == pytest.approx(90 / 115)  # 4*20 + 2*5 = 90 of 5*20 + 3*5 = 115
    a_hat = w1 * 5 + w2 * 3
    z1 = [(1 - r) / a_hat] * 4 + [(0 - r) / a_hat]
    z2 = [(1 - r) / a_hat] * 2 + [(0 - r) / a_hat, 0.0]

    def s2_of(z: list[float]) -> float:
        m = sum(z) / len(z)
        return sum((v - m) ** 2 for v in z) / (len(z) - 1)

    var = 100**2 * (1 - 5 / 100) * s2_of(z1) / 5 + 20**2 * (1 - 4 / 20) * s2_of(z2) / 4
    from scipy.stats import beta, t

    n_eff = r * (1 - r) / var * (t.ppf(0.025, 9 - 1) / t.ppf(0.025, 9 - 2)) ** 2
    low = beta.ppf(0.025, r * n_eff, n_eff - r * n_eff + 1)
    high = beta.ppf(0.975, r * n_eff + 1, n_eff - r * n_eff)
    assert got.proportion == pytest.approx(r)
    assert (got.low, got.high) == (pytest.approx(low), pytest.approx(high))
    assert (got.answered, got.compliant) == (8, 6)
    assert got.low < r < got.high


def test_one_stratum_of_a_large_frame_is_clopper_pearson_at_n_minus_1() -> None:
    s = stats.Stratum(10**9, [(True, True)] * 16 + [(True, False)] * 4)
    got = stats.stratified([s])
    # variance p(1-p)/(n-1): effective size n - 1 = 19, 16/20 of it compliant
    assert got.effective_n == pytest.approx(19, rel=1e-6)
    low, high = stats.clopper_pearson(0.8 * 19, 19)
    assert (got.low, got.high) == (pytest.approx(low), pytest.approx(high))


def test_nothing_that_counts_gives_no_rate() -> None:
    assert stats.stratified([stats.Stratum(10, [(False, False)])]).proportion is None
    assert stats.simple(0, 0).proportion is None
