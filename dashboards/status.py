"""Freshness and data-quality status of the sources behind each figure (shown on the tiles): the
catalogue names the canonical entities and staging tables behind each mart; the sources that
feed those entities (meta.reconciliation) must be fresh, and the checks on those tables within
their thresholds."""

from __future__ import annotations

import polars as pl

from dashboards.data import reader
from quality.checks import evaluate

KAHN = {"completeness": "Complétude", "conformance": "Conformité", "plausibility": "Plausibilité"}


def check_results() -> pl.DataFrame:
    """The last run's checks per source and 3C, evaluated against their thresholds."""
    raw = reader().query("quality_status")
    return evaluate(raw, by=("source", "c3_id")).with_columns(
        category=pl.col("category").replace_strict(KAHN, default=pl.col("category"))
    )


def failed_checks() -> pl.DataFrame:
    """(check, table, field) over their threshold, counts summed over sources and 3Cs."""
    return evaluate(reader().query("quality_status")).filter(pl.col("status") == "fail")


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
    failed = failed_all.filter(pl.col("table").is_in(tables))["check"].to_list()
    parts = [f"sources en retard : {', '.join(late)}" if late else "sources à jour"]
    parts.append(
        f"{len(failed)} contrôle(s) en échec ({', '.join(sorted(set(failed)))})"
        if failed
        else "contrôles qualité conformes"
    )
    return " · ".join(parts), bool(late or failed)


def sources_of(entities: tuple[str, ...], feeds: pl.DataFrame | None = None) -> list[str]:
    """The sources that fed `entities` in the last run (`feeds`: the source_entities query)."""
    feeds = reader().query("source_entities") if feeds is None else feeds
    return sorted(set(feeds.filter(pl.col("entity").is_in(list(entities)))["source"]))
