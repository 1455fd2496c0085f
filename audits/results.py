"""The results of an audit: per question and stratum, the share of compliant answers with its
interval (audits/stats.py), and beside it what the warehouse says: its figure over every fiche of
the frame (`frame.csv`, recorded at the draw) and, on the audited fiches where both exist, how
often the auditor's answer agrees with the warehouse's value (a check of the data's quality).

Unweighted counts (answered, compliant) are what statistical secrecy masks for roles without
nominative rights (`secret`): the catalogue's rule for a rate, applied per question to its
strata (secondary suppression: their counts add up to the question's) and to its total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from audits import stats
from audits.draw import Draw, load_frame, load_sample
from audits.grid import Grid, Question
from audits.sheet import prefilled
from warehouse.read.secrecy import QueryRules, Rate, SecrecyConfig, load_secrecy, protect

COUNTS = ("answered", "compliant")
ANSWER = "answer__"  # answers' columns once joined to the sample (whose prefills share names)
RATE = Rate("pct", "compliant", "answered")
WAREHOUSE_RATE = Rate("warehouse_pct", "warehouse_compliant", "warehouse_known")
AGREEMENT_RATE = Rate("agreement_pct", "agree", "both")


@dataclass(frozen=True)
class Results:
    draw_id: str
    overall: pl.DataFrame  # one row per question
    strata: pl.DataFrame  # one row per question and stratum
    returned: int
    masked: bool
    threshold: int


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def _outcomes(q: Question, rows: list[dict[str, Any]]) -> list[tuple[bool, bool]]:
    """(counts, compliant) of each returned fiche's answer to `q`."""
    out = []
    for r in rows:
        o = q.outcome(r.get(ANSWER + q.id), r["rcp_date"])
        out.append((o is not None, bool(o)))
    return out


def _agreement(q: Question, rows: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """(fiches where auditor and warehouse both judge `q`, fiches where they agree)."""
    if not q.prefill:
        return None, None
    both = agree = 0
    for r in rows:
        mine = q.outcome(r.get(ANSWER + q.id), r["rcp_date"])
        theirs = q.outcome(prefilled(q, r.get(q.prefill)), r["rcp_date"])
        if mine is not None and theirs is not None:
            both += 1
            agree += mine == theirs
    return both, agree


def compute(d: Draw, grid: Grid, answers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(overall, strata) unmasked."""
    sample = load_sample(d)
    figures = load_frame(d)
    labels = {str(s["stratum"]): str(s["label"]) for s in d.manifest["strata"]}
    sizes = {str(s["stratum"]): int(s["frame_size"]) for s in d.manifest["strata"]}
    drawn = {str(s["stratum"]): int(s["drawn"]) for s in d.manifest["strata"]}
    answers = answers.rename(
        {q.id: ANSWER + q.id for q in grid.questions if q.id in answers.columns}
    )
    joined = sample.join(answers, on="fiche_id", how="inner")
    by_stratum = {
        str(k[0]): g.to_dicts() for k, g in joined.group_by("stratum", maintain_order=True)
    }
    fig = {(r["question"], r["stratum"]): r for r in figures.to_dicts()}
    overall: list[dict[str, Any]] = []
    strata: list[dict[str, Any]] = []
    for q in grid.questions:
        parts = []
        for h in sorted(sizes):
            rows = by_stratum.get(h, [])
            answered = _outcomes(q, rows)
            parts.append(stats.Stratum(sizes[h], answered))
            a = sum(1 for c, _ in answered if c)
            x = sum(1 for c, y in answered if c and y)
            est = stats.simple(x, a)
            both, agree = _agreement(q, rows)
            f = fig.get((q.id, h), {})
            strata.append(
                {
                    "question": q.id,
                    "label": q.label,
                    "stratum": h,
                    "stratum_label": labels.get(h, h),
                    "frame_size": sizes[h],
                    "drawn": drawn[h],
                    "returned": len(rows),
                    "answered": a,
                    "compliant": x,
                    "pct": _pct(est.proportion),
                    "low": _pct(est.low),
                    "high": _pct(est.high),
                    "warehouse_known": f.get("known"),
                    "warehouse_compliant": f.get("compliant"),
                    "warehouse_pct": _pct(f["compliant"] / f["known"]) if f.get("known") else None,
                    "both": both,
                    "agree": agree,
                    "agreement_pct": _pct((agree or 0) / both) if both else None,
                }
            )
        est = stats.stratified(parts)
        rows_all = [r for rows in by_stratum.values() for r in rows]
        both, agree = _agreement(q, rows_all)
        known = sum(int(fig[(q.id, h)]["known"]) for h in sizes if (q.id, h) in fig)
        good = sum(int(fig[(q.id, h)]["compliant"]) for h in sizes if (q.id, h) in fig)
        overall.append(
            {
                "question": q.id,
                "label": q.label,
                "rule": q.rule(),
                "prefilled": q.prefill is not None,
                "answered": est.answered,
                "compliant": est.compliant,
                "pct": _pct(est.proportion),
                "low": _pct(est.low),
                "high": _pct(est.high),
                "effective_n": None if est.effective_n is None else round(est.effective_n, 1),
                "warehouse_known": known if q.prefill else None,
                "warehouse_compliant": good if q.prefill else None,
                "warehouse_pct": _pct(good / known) if q.prefill and known else None,
                "both": both,
                "agree": agree,
                "agreement_pct": _pct((agree or 0) / both) if both else None,
            }
        )
    return _frame(overall), _frame(strata)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    ints = (
        "frame_size",
        "drawn",
        "returned",
        "answered",
        "compliant",
        "warehouse_known",
        "warehouse_compliant",
        "both",
        "agree",
    )
    floats = ("pct", "low", "high", "effective_n", "warehouse_pct", "agreement_pct")
    if not rows:
        return pl.DataFrame()
    schema = {
        k: pl.Int64
        if k in ints
        else pl.Float64
        if k in floats
        else pl.Boolean
        if k == "prefilled"
        else pl.String
        for k in rows[0]
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def secret(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """`frame` with small counts and the rates and intervals resting on them masked."""
    if frame.height == 0:
        return frame
    counts = [
        c
        for c in (*COUNTS, "warehouse_known", "warehouse_compliant", "both", "agree")
        if c in frame.columns
    ]
    rules = QueryRules(
        "audit_results",
        counts=tuple(counts),
        rates=(RATE, WAREHOUSE_RATE, AGREEMENT_RATE),
    )
    # the platform's protection: small counts masked, the others perturbed, rates from them
    config = SecrecyConfig(threshold, load_secrecy().max_noise)
    masked = protect(frame, rules, config).frame
    masked = masked.with_columns(
        low=pl.when(pl.col("pct").is_null()).then(None).otherwise(pl.col("low")),
        high=pl.when(pl.col("pct").is_null()).then(None).otherwise(pl.col("high")),
    )
    if "effective_n" in masked.columns:
        masked = masked.with_columns(
            effective_n=pl.when(pl.col("pct").is_null()).then(None).otherwise(pl.col("effective_n"))
        )
    return masked
