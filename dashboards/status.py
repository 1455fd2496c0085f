"""Freshness and data-quality status of the sources behind each figure (shown on the tiles)."""

from __future__ import annotations

import polars as pl

from dashboards.data import reader
from quality.checks import catalog

KAHN = {"completeness": "Complétude", "conformance": "Conformité", "plausibility": "Plausibilité"}


def check_results() -> pl.DataFrame:
    """The last run's counts per check, source and 3C, with category and threshold."""
    types, thresholds = catalog()
    limits = pl.DataFrame(
        [(t.check, t.table, t.field, t.max_violated_pct) for t in thresholds],
        schema=["check_name", "table_name", "field", "max_pct"],
        orient="row",
    )
    raw = reader().query("quality_status").with_columns(pl.col("field").fill_null(""))
    return raw.join(limits, on=["check_name", "table_name", "field"], how="left").with_columns(
        category=pl.col("check_name").replace_strict(
            {n: KAHN[t.kahn_category] for n, t in types.items()}
        ),
        pct=100 * pl.col("num_violated_rows") / pl.col("num_denominator_rows"),
    )


def failed_checks() -> pl.DataFrame:
    """(check, table, field) over their threshold, counts summed over sources and 3Cs."""
    return (
        check_results()
        .group_by("check_name", "table_name", "field", "max_pct")
        .agg(pl.col("num_violated_rows").sum(), pl.col("num_denominator_rows").sum())
        .with_columns(pct=100 * pl.col("num_violated_rows") / pl.col("num_denominator_rows"))
        .filter(pl.col("pct") > pl.col("max_pct"))
    )


def badge(
    sources: list[str],
    tables: list[str],
    *,
    fresh: pl.DataFrame | None = None,
    failed_all: pl.DataFrame | None = None,
) -> tuple[str, bool]:
    """(text, alert) for a figure built from `sources` and staging `tables`. A page showing many
    badges passes `fresh` (the freshness query) and `failed_all` (`failed_checks()`), read once."""
    fresh = reader().query("freshness") if fresh is None else fresh
    failed_all = failed_checks() if failed_all is None else failed_all
    late = fresh.filter(
        pl.col("source").is_in(sources)
        & (pl.col("age_hours").is_null() | (pl.col("age_hours") > pl.col("cadence_hours")))
    )["source"].to_list()
    failed = failed_all.filter(pl.col("table_name").is_in(tables))["check_name"].to_list()
    parts = [f"sources en retard : {', '.join(late)}" if late else "sources à jour"]
    parts.append(
        f"{len(failed)} contrôle(s) en échec ({', '.join(sorted(set(failed)))})"
        if failed
        else "contrôles qualité conformes"
    )
    return " · ".join(parts), bool(late or failed)
