"""Statistical secrecy on literal tables: small counts masked with a true label, the others
perturbed consistently (the same cell reads the same), rates and statistics following their
counts."""

from __future__ import annotations

import polars as pl
import pytest

from rrc.errors import ConfigError
from warehouse.read import secrecy
from warehouse.read.secrecy import QueryRules, SecrecyConfig, protect

CFG = SecrecyConfig(11, 3)


def test_small_counts_are_masked_zero_stays_and_the_others_move_a_little() -> None:
    frame = pl.DataFrame({"c3": ["A", "B", "C", "D"], "dossiers": [120, 4, 0, 11]})
    done = protect(frame, QueryRules("q", counts=("dossiers",)), CFG)
    shown = done.frame["dossiers"].to_list()
    assert shown[1] is None and shown[2] == 0
    assert done.masked == {(1, "dossiers"): secrecy.SMALL}
    assert abs(shown[0] - 120) <= 3
    assert 11 <= shown[3] <= 14  # never below the threshold: "< 11" keeps its meaning


def test_the_same_cell_reads_the_same_wherever_it_is_asked_for() -> None:
    # dossiers of 3C A in organ "sein": asked as a row of A's organs and as a row of the
    # organ's 3Cs, with the other coordinate as a filter
    by_organ = pl.DataFrame({"organ": ["sein", "poumon"], "dossiers": [240, 97]})
    by_c3 = pl.DataFrame({"c3": ["A", "B"], "dossiers": [240, 130]})
    a = protect(by_organ, QueryRules("x", counts=("dossiers",)), CFG, {"c3": "A"})
    b = protect(by_c3, QueryRules("y", counts=("dossiers",)), CFG, {"organ": "sein"})
    assert a.frame["dossiers"][0] == b.frame["dossiers"][0]


def test_different_cells_carry_independent_noise() -> None:
    values = list(range(100, 400))
    frame = pl.DataFrame({"k": [str(v) for v in values], "n": values})
    shown = protect(frame, QueryRules("q", counts=("n",)), CFG).frame["n"].to_list()
    noise = [s - v for s, v in zip(shown, values, strict=True)]
    assert set(noise) == set(range(-3, 4))  # every value of the range occurs
    assert 0.08 < noise.count(0) / len(noise) < 0.22  # about 1 in 7, not always 0


def test_the_noise_depends_on_the_key() -> None:
    before = secrecy.noise("dossiers|c3=A", 500, 11, 3)
    others = []
    for k in ("11" * 32, "22" * 32, "33" * 32, "44" * 32):
        secrecy.cell_key.cache_clear()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("RRC_SECRECY_KEY", k)
            others.append(secrecy.noise("dossiers|c3=A", 500, 11, 3))
    secrecy.cell_key.cache_clear()
    assert len(set(others) | {before}) > 1  # without the key, the noise cannot be taken off


def test_rates_follow_their_perturbed_counts_and_read_as_rates() -> None:
    frame = pl.DataFrame(
        {
            "c3": ["A", "B", "C", "D"],
            "met": [95, 5, 60, 200],
            "dossiers": [100, 50, 60, 220],
            "pct": [95.0, 10.0, 100.0, 90.9],
        }
    )
    rules = QueryRules(
        "q",
        counts=("met", "dossiers"),
        rates=(secrecy.Rate.parse("pct", "met / dossiers", "q"),),
    )
    done = protect(frame, rules, CFG)
    pct = done.frame["pct"].to_list()
    # A: 5 not met is a small count; B: 5 met; C: 0 not met (not small): published
    assert pct[0] is None and pct[1] is None
    assert done.masked[(0, "pct")] == done.masked[(1, "pct")] == secrecy.RATE
    met, den = done.frame["met"].to_list(), done.frame["dossiers"].to_list()
    assert pct[3] == pytest.approx(100 * met[3] / den[3], abs=0.01)
    assert secrecy.masked_text(secrecy.RATE, 11) == "–"
    assert secrecy.masked_text(secrecy.SMALL, 11) == "< 11"


def test_statistics_are_masked_with_their_count() -> None:
    frame = pl.DataFrame({"c3": ["A", "B"], "median": [12.0, 30.0], "n": [7, 80]})
    rules = QueryRules("q", counts=("n",), statistics=(secrecy.Statistic("median", "n"),))
    done = protect(frame, rules, CFG)
    assert done.frame["median"].to_list() == [None, 30.0]
    assert done.masked[(0, "median")] == secrecy.STATISTIC


def test_unknown_query_and_unknown_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"secrecy\.toml"):
        SecrecyConfig(11).rules("nowhere")


def test_the_shipped_rules_load() -> None:
    cfg = secrecy.load_secrecy()
    assert cfg.threshold == 11 and cfg.max_noise >= 1 and cfg.daily_counts > 0


def test_a_rate_over_a_population_follows_its_perturbed_count_only() -> None:
    frame = pl.DataFrame(
        {"dep": ["03", "63"], "dossiers": [400, 6], "population": [300_000, 600_000]}
    ).with_columns((100_000 * pl.col("dossiers") / pl.col("population")).alias("per_100k"))
    rules = QueryRules(
        "q",
        counts=("dossiers",),
        rates=(secrecy.Rate.parse("per_100k", "dossiers / population", "q"),),
    )
    done = protect(frame, rules, CFG)
    shown = done.frame
    assert shown["population"].to_list() == [300_000, 600_000]  # public: as it is
    assert shown["per_100k"][0] == pytest.approx(100_000 * shown["dossiers"][0] / 300_000)
    assert shown["per_100k"][1] is None and done.masked[(1, "per_100k")] == secrecy.RATE
