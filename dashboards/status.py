"""Freshness and data-quality status of the sources behind each figure (shown on the tiles): the
catalogue names the canonical entities and staging tables behind each mart; the sources that
feed those entities (meta.reconciliation) must be fresh, and the checks on those tables within
their thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def freshness() -> list[dict[str, Any]]:
    """Each source's last load, age and expected cadence (hours): read once per request, as
    its age follows the clock and is never kept between requests."""
    return list(reader().query("freshness").iter_rows(named=True))


def late(source: dict[str, Any]) -> bool:
    """A source is late when it never loaded or its last load is older than its cadence."""
    age, cadence = source["age_hours"], source["cadence_hours"]
    return age is None or (cadence is not None and age > cadence)


@dataclass(frozen=True)
class Badges:
    """What the tiles' badges say, read once for a page of tiles: the sources late (in the
    freshness table's order), the failed checks by staging table, the sources of each entity.
    Each tile's badge is then a lookup, not a filter of three frames."""

    late: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (table, check) of each failed check
    feeds: tuple[tuple[str, str], ...]  # (entity, source) of the last run

    @classmethod
    def read(cls, sources: list[dict[str, Any]] | None = None) -> Badges:
        """The badges' inputs; `sources` is the freshness already read for this request."""
        behind = tuple(
            r["source"] for r in (freshness() if sources is None else sources) if late(r)
        )
        failed = failed_checks().select("table", "check").rows()
        feeds = reader().query("source_entities").select("entity", "source").rows()
        return cls(behind, tuple(failed), tuple(feeds))

    def sources_of(self, entities: tuple[str, ...]) -> list[str]:
        """The sources that fed `entities` in the last run."""
        return sorted({source for entity, source in self.feeds if entity in entities})

    def badge(self, sources: list[str], tables: list[str]) -> tuple[str, bool]:
        """(text, alert) for a figure built from `sources` and staging `tables`."""
        late = [s for s in self.late if s in sources]
        failed = [check for table, check in self.failed if table in tables]
        parts = [f"sources en retard : {', '.join(late)}" if late else "sources à jour"]
        parts.append(
            f"{len(failed)} contrôle(s) en échec ({', '.join(sorted(set(failed)))})"
            if failed
            else "contrôles qualité conformes"
        )
        return " · ".join(parts), bool(late or failed)
