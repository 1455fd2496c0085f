"""One ETL run: extract every source into raw, map, build staging -> core -> marts, publish.

The run works on a new file; it is published only if every step succeeded, so a failed run
leaves the previous warehouse in place. Each run is recorded in the run log (`run_log.jsonl`
beside the snapshots, and `meta.run_*` tables inside the published warehouse).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import pseudonym
from pipelines.config import Config, Source
from pipelines.extract import files as file_extract
from pipelines.extract import sql as sql_extract
from pipelines.raw import TableLoad
from quality import checks, expectations, quorum
from rrc.errors import RRCError, SourceError
from warehouse import mapped, models, reference
from warehouse.publish import Warehouse

RUN_LOG = "run_log.jsonl"


@dataclass
class RunResult:
    run_id: str
    status: str
    started_at: str
    seconds: float = 0.0
    loads: list[TableLoad] = field(default_factory=list)
    reconciliation: list[mapped.Reconciliation] = field(default_factory=list)
    stale_sources: list[str] = field(default_factory=list)
    model_seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    snapshot: str | None = None
    quality: pl.DataFrame | None = None
    sql_check_seconds: float = 0.0
    gx: expectations.GxOutcome | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "snapshot": self.snapshot,
            "error": self.error,
            "stale_sources": self.stale_sources,
            "quality": self.quality.to_dicts() if self.quality is not None else [],
            "sql_check_seconds": round(self.sql_check_seconds, 3),
            "gx": None
            if self.gx is None
            else {
                "success": self.gx.success,
                "seconds": round(self.gx.seconds, 3),
                "data_docs": str(self.gx.docs) if self.gx.docs else None,
            },
            "loads": [asdict(x) for x in self.loads],
            "reconciliation": [asdict(x) for x in self.reconciliation],
        }


def _extract(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    load_id: str,
    full: bool,
    lag: float,
    since: datetime | None,
    until: datetime | None,
) -> list[TableLoad]:
    if source.kind == "sql":
        return sql_extract.extract(
            con, source, load_id=load_id, full=full, lag_hours=lag, since=since, until=until
        )
    return file_extract.extract(con, source, load_id=load_id)


def _write_meta(con: duckdb.DuckDBPyConnection, result: RunResult, history: list[dict]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    loads = pl.DataFrame(
        [
            {
                "run_id": result.run_id,
                **{k: v for k, v in asdict(x).items() if k != "warnings"},
                "warnings": "; ".join(x.warnings),
            }
            for x in result.loads
        ],
        schema={
            "run_id": pl.String,
            "source": pl.String,
            "table": pl.String,
            "extracted": pl.Int64,
            "deleted": pl.Int64,
            "mode": pl.String,
            "seconds": pl.Float64,
            "warnings": pl.String,
        },
    )
    rec = pl.DataFrame(
        [{"run_id": result.run_id, **asdict(x)} for x in result.reconciliation],
        schema={
            "run_id": pl.String,
            "source": pl.String,
            "table": pl.String,
            "entity": pl.String,
            "offered": pl.Int64,
            "loaded": pl.Int64,
            "quarantined": pl.Int64,
            "skipped": pl.Int64,
        },
    )
    runs = pl.DataFrame(
        [
            {
                "run_id": h["run_id"],
                "status": h["status"],
                "started_at": h["started_at"],
                "seconds": float(h["seconds"]),
                "error": h.get("error"),
                "stale_sources": ", ".join(h.get("stale_sources", [])),
            }
            for h in history
        ],
        schema={
            "run_id": pl.String,
            "status": pl.String,
            "started_at": pl.String,
            "seconds": pl.Float64,
            "error": pl.String,
            "stale_sources": pl.String,
        },
    )
    for name, frame in (("run_source", loads), ("reconciliation", rec), ("run_log", runs)):
        con.register("_meta", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE meta.{name} AS SELECT * FROM _meta")
        con.unregister("_meta")


def history(warehouse_dir: Path) -> list[dict[str, Any]]:
    path = warehouse_dir / RUN_LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _append_history(warehouse_dir: Path, result: RunResult) -> None:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / RUN_LOG).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(result.to_json(), ensure_ascii=False, default=str) + "\n")


def run(
    cfg: Config,
    *,
    full: bool = False,
    only: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] = lambda _s: None,
) -> RunResult:
    """Run the ETL once. Raises (after recording the failure) if anything fails."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    run_id = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    result = RunResult(run_id=run_id, status="running", started_at=now.isoformat())
    unknown = set(only or []) - {s.name for s in cfg.sources}
    if unknown:
        raise RRCError(
            f"unknown source(s): {', '.join(sorted(unknown))}",
            hint=f"sources: {', '.join(s.name for s in cfg.sources)}",
        )
    secret = pseudonym.key()
    wh = Warehouse(cfg.warehouse_dir)
    build = wh.prepare(run_id, from_current=not full)
    con = duckdb.connect(str(build))
    try:
        pseudonym.install(con, secret)
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        previous = wh.current()
        if full and previous is not None:
            checks.carry_history(con, previous)
        for source in cfg.sources:
            if only and source.name not in only:
                continue
            progress(f"extract {source.name}")
            try:
                result.loads += _extract(
                    con, source, run_id, full, cfg.watermark_lag_hours, since, until
                )
            except SourceError:
                has_previous = con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                    "AND table_name LIKE ?",
                    [f"{source.name}__%"],
                ).fetchone()
                if source.on_failure == "stale" and has_previous and has_previous[0]:
                    result.stale_sources.append(source.name)
                    continue
                raise
        progress("map sources to the canonical model")
        reference.load(con)
        result.reconciliation = mapped.apply(con, cfg.sources)
        progress("build staging, core and marts, evaluate quorum")
        all_models = models.discover()
        result.model_seconds = models.run(con, [m for m in all_models if m.layer == "staging"])
        progress("quality checks")
        started_checks = time.perf_counter()
        result.quality = checks.run(con, run_id, {s.name: s.cadence_hours for s in cfg.sources})
        result.sql_check_seconds = time.perf_counter() - started_checks
        progress("Great Expectations validation and Data Docs")
        result.gx = expectations.validate(con, run_id, cfg.warehouse_dir / "data_docs")
        expectations.store(con, run_id, result.gx)
        checks.gate(result.quality)
        result.model_seconds |= models.run(con, [m for m in all_models if m.layer == "core"])
        quorum.run(con)
        result.model_seconds |= models.run(con, [m for m in all_models if m.layer == "marts"])
        result.status = "success"
        result.seconds = time.perf_counter() - started
        _write_meta(con, result, [*history(cfg.warehouse_dir), result.to_json()])
        progress("publish")
        con.execute("CHECKPOINT")
        con.close()
        result.snapshot = str(wh.publish(build, run_id, cfg.keep_snapshots))
        result.seconds = time.perf_counter() - started
        _append_history(cfg.warehouse_dir, result)
        return result
    except BaseException as exc:
        con.close()
        wh.discard(build)
        result.status = "failed"
        result.error = str(exc)
        result.seconds = time.perf_counter() - started
        _append_history(cfg.warehouse_dir, result)
        raise
