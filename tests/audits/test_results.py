"""Results: per question and stratum, checked against independent computations on the draw's
files and the warehouse; statistical secrecy for roles without nominative rights."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from access.policy import Principal, acting_as
from audits import draw, service, stats


@pytest.fixture
def done(warehouse: Path, admin: Principal) -> draw.Draw:
    d, got = service.demo_audit(warehouse)
    assert got.quarantine.height == 3  # the demo's auditors' mistakes, named
    return d


def test_the_demo_audit_against_an_independent_computation(
    done: draw.Draw, warehouse: Path, con: duckdb.DuckDBPyConnection, admin: Principal
) -> None:
    res = service.audit_results(done.id, warehouse)
    sample = draw.load_sample(done)
    answers, _, _ = service.imported(done)
    joined = sample.join(answers.rename({"quorum": "answer"}), on="fiche_id")
    # quorum: unweighted counts, then the weighted share from the sample's own weights
    row = res.overall.filter(question="quorum").row(0, named=True)
    weights = (
        joined["frame_size"]
        / joined.group_by("stratum")
        .len()
        .join(joined.select("stratum"), on="stratum", how="right")["len"]
    )  # N_h over the answers returned in the stratum
    yes = (joined["answer"] == "oui").cast(pl.Float64)
    assert row["answered"] == joined.height
    assert row["compliant"] == int(yes.sum())
    assert row["pct"] == pytest.approx(round(100 * (weights * yes).sum() / weights.sum(), 1))
    assert row["low"] < row["pct"] < row["high"]
    # per stratum: Clopper-Pearson on the stratum's own answers
    first = res.strata.filter(question="quorum").row(0, named=True)
    mine = joined.filter(pl.col("stratum") == first["stratum"])
    x, n = int((mine["answer"] == "oui").sum()), mine.height
    low, high = stats.clopper_pearson(x, n)
    assert (first["low"], first["high"]) == (round(100 * low, 1), round(100 * high, 1))
    # the warehouse's figure on every fiche of the frame, by SQL on the warehouse
    met, judged = con.execute(
        "select count(*) filter (where q.status = 'met'), "
        "count(*) filter (where q.status in ('met', 'not_met')) from core.fact_fiche f "
        "join core.fact_quorum_fiche q using (fiche_id) "
        "where f.c3_id = 'C3-01' and f.year = 2013"
    ).fetchone()
    assert (row["warehouse_compliant"], row["warehouse_known"]) == (met, judged)
    assert row["warehouse_pct"] == round(100 * met / judged, 1)
    # agreement: the auditors of the demo contradict the data on some fiches, not all
    assert 50 < row["agreement_pct"] < 100
    trial = res.overall.filter(question="trial_considered").row(0, named=True)
    assert trial["warehouse_pct"] is None and trial["agreement_pct"] is None


def test_secrecy_masks_small_counts_for_non_nominative_roles(
    done: draw.Draw, warehouse: Path
) -> None:
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        res = service.audit_results(done.id, warehouse)
    assert res.masked and res.threshold == 11
    strata = res.strata.filter(question="quorum")
    with acting_as(Principal.of("a1", "admin")):
        full = service.audit_results(done.id, warehouse)
    truth = full.strata.filter(question="quorum")
    assert strata.height == truth.height
    # 15 fiches drawn per RCP: a stratum's non-compliant answers are a handful, so its rate
    # gives them away and is masked with its interval (judged on the true counts: the published
    # ones carry the platform's noise)
    for s, t in zip(strata.iter_rows(named=True), truth.iter_rows(named=True), strict=True):
        gap = t["answered"] - t["compliant"]
        if s["pct"] is not None:
            assert t["answered"] >= 11 and (gap == 0 or gap >= 11)
        else:
            assert s["low"] is None and s["high"] is None
    assert strata["pct"].null_count() > 0
    assert not full.masked and full.strata["pct"].null_count() == 0
