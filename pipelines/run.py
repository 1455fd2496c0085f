"""One ETL run: extract every source into raw, map, build staging -> core -> marts, publish.

The run works on a new file; it is published only if every step succeeded, so a failed run
leaves the previous warehouse in place. Each run is recorded in the run log (`run_log.jsonl`
beside the snapshots, and `meta.run_*` tables inside the published warehouse).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import mapped, pseudonym
from pipelines.config import Config, Source
from pipelines.contract import Finding
from pipelines.extract import files as file_extract
from pipelines.extract import sql as sql_extract
from pipelines.extract import survey as survey_extract
from pipelines.raw import TableLoad
from quality import checks, expectations
from rrc.duck import has_table
from rrc.errors import RRCError, SourceError
from warehouse import changes, dag, incremental, reference
from warehouse.publish import Warehouse, disk_full

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
    # how each model was built: whole, by key (n keys), unchanged (docs/etl.md, "Incremental")
    model_modes: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    snapshot: str | None = None
    quality: pl.DataFrame | None = None
    sql_check_seconds: float = 0.0
    gx_mode: str = "after_publish"
    gx: expectations.GxOutcome | None = None
    gx_error: str | None = None
    files_reconciled: list[dict[str, Any]] = field(default_factory=list)
    # seconds of each step of the run, in order (prepare, extract, map, staging, checks, core,
    # marts, grain checks, meta, compact or record, publish): where a run spends its time
    steps: dict[str, float] = field(default_factory=dict)
    _lap: float = field(default_factory=time.perf_counter, repr=False)

    def lap(self, step: str) -> None:
        """The step that just ended: its seconds since the previous one."""
        now = time.perf_counter()
        self.steps[step] = self.steps.get(step, 0.0) + now - self._lap
        self._lap = now

    @property
    def findings(self) -> list[Finding]:
        """Every contract violation and reconciliation gap of the run's extracts."""
        return [f for x in self.loads for f in x.findings]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that flag the run (a named warning, though the run published)."""
        return [f for f in self.findings if f.flags]

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "flagged": bool(self.warnings),
            "warnings": len(self.warnings),
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "snapshot": self.snapshot,
            "error": self.error,
            "stale_sources": self.stale_sources,
            "quality": self.quality.to_dicts() if self.quality is not None else [],
            "sql_check_seconds": round(self.sql_check_seconds, 3),
            "gx": {"mode": self.gx_mode}
            if self.gx is None
            else {
                "mode": self.gx_mode,
                "success": self.gx.success,
                "seconds": round(self.gx.seconds, 3),
                "data_docs": str(self.gx.docs) if self.gx.docs else None,
            },
            "steps": {k: round(v, 3) for k, v in self.steps.items()},
            "models": {k: round(v, 3) for k, v in self.model_seconds.items()},
            "model_modes": self.model_modes,
            "loads": [
                {k: v for k, v in asdict(x).items() if k not in ("findings", "files")}
                for x in self.loads
            ],
            "reconciliation": [asdict(x) for x in self.reconciliation],
            "findings": [asdict(f) for f in self.findings],
            "files": self.files_reconciled,
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
    if source.kind == "cda":  # lxml loads only for a network that has such a source
        from pipelines.extract import cda as cda_extract

        return cda_extract.extract(con, source, load_id=load_id)
    if source.kind == "survey":
        return survey_extract.extract(con, source, load_id=load_id)
    return file_extract.extract(con, source, load_id=load_id)


def _extract_sources(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    result: RunResult,
    full: bool,
    only: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    progress: Callable[[str], None],
) -> None:
    """Extract each selected source into raw; a failed source marked `stale` keeps its previous
    raw tables (its extract is one transaction) when it has any."""
    for source in cfg.sources:
        if only and source.name not in only:
            continue
        progress(f"extract {source.name}")
        try:
            result.loads += _extract(
                con, source, result.run_id, full, cfg.watermark_lag_hours, since, until
            )
        except SourceError:
            has_previous = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                "AND starts_with(table_name, ?)",  # not LIKE: `_` is a wildcard there, and
                [f"{source.name}__"],  # `dcc__%` would take dcc_service's tables for dcc's
            ).fetchone()
            if source.on_failure == "stale" and has_previous and has_previous[0]:
                result.stale_sources.append(source.name)
                continue
            raise


def _files_reconciled(con: duckdb.DuckDBPyConnection, result: RunResult) -> list[dict[str, Any]]:
    """Per source, table and file: expected, present, rows read, blank, extracted, quarantined
    (rows, whatever the number of entities each fed) and loaded."""
    quarantined = {
        (s, t, f): int(n)
        for s, t, f, n in con.execute(
            "SELECT source, source_table, json_extract_string(original_row, '_file') AS f, "
            "count(DISTINCT json_extract_string(original_row, '_row')) FROM quality.quarantine "
            "WHERE check_name = 'mapping' AND f IS NOT NULL GROUP BY ALL"
        ).fetchall()
    }
    out = []
    for load in result.loads:
        for f in load.files:
            extracted = f.rows_read - f.blank + f.kept_previous
            q = quarantined.get((f.source, f.table, f.file), 0)
            out.append(
                {
                    **asdict(f),
                    "extracted": extracted,
                    "quarantined": q,
                    "loaded": extracted - q,
                }
            )
    return out


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
    findings = pl.DataFrame(
        [{"run_id": result.run_id, **asdict(f)} for f in result.findings],
        schema={
            "run_id": pl.String,
            "source": pl.String,
            "table": pl.String,
            "kind": pl.String,
            "action": pl.String,
            "count": pl.Int64,
            "message": pl.String,
            "file": pl.String,
        },
    )
    files = pl.DataFrame(
        [{"run_id": result.run_id, **f} for f in result.files_reconciled],
        schema={
            "run_id": pl.String,
            "source": pl.String,
            "table": pl.String,
            "file": pl.String,
            "sheet": pl.String,
            "expected": pl.Boolean,
            "present": pl.Boolean,
            "rows_read": pl.Int64,
            "blank": pl.Int64,
            "rejected": pl.Int64,
            "kept_previous": pl.Int64,
            "extracted": pl.Int64,
            "quarantined": pl.Int64,
            "loaded": pl.Int64,
        },
    )
    for name, frame in (
        ("run_source", loads),
        ("reconciliation", rec),
        ("run_log", runs),
        ("contract_findings", findings),
        ("reconciliation_files", files),
    ):
        con.register("_meta", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE meta.{name} AS SELECT * FROM _meta")
        con.unregister("_meta")


def history(warehouse_dir: Path) -> list[dict[str, Any]]:
    """The runs recorded in the run log, oldest first. A line cut short (a run killed while
    writing it) is left out."""
    path = warehouse_dir / RUN_LOG
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def _append_history(warehouse_dir: Path, result: RunResult) -> None:
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / RUN_LOG).open("a+b") as fh:
        fh.seek(0, 2)
        torn = fh.tell() > 0 and (fh.seek(-1, 2), fh.read(1))[1] != b"\n"
        line = json.dumps(result.to_json(), ensure_ascii=False, default=str) + "\n"
        fh.write(("\n" if torn else "").encode() + line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


class DiskFull(RRCError):
    """The disk (or the file size limit) ran out while a run was building or publishing."""


def _disk_full(exc: BaseException, wh: Warehouse, build: Path) -> DiskFull:
    """Say where the disk ran out, how far the build got and how much room a run needs."""
    reached = sum(p.stat().st_size for p in (build, Path(f"{build}.wal")) if p.exists())
    current = wh.current()
    last = current.stat().st_size if current else 0
    mount = wh.dir.resolve()
    while not mount.is_mount():
        mount = mount.parent
    mb = 1024 * 1024
    return DiskFull(
        f"disk full on {mount} while building the warehouse in {build.parent}: the build had "
        f"reached {reached / mb:.1f} MB and needed more ({exc.__class__.__name__}: "
        f"{str(exc).splitlines()[0][:200]}); the previous warehouse is still published",
        hint=f"free at least {2 * max(last, reached) / mb:.0f} MB on {mount} (twice the last "
        f"warehouse, {last / mb:.1f} MB: a copy plus its growth) or point RRC_WAREHOUSE_DIR at "
        "a larger disk, then run again",
    )


# the schemas every run rebuilds whole: the mapped entities and the models
REBUILT = ("mapped", "staging", "core", "marts")


def _free_rebuilt(con: duckdb.DuckDBPyConnection) -> None:
    """An incremental build starts from a copy of the published file. Its mapped entities and
    models are rebuilt whole, so they are dropped first and the drop checkpointed: their blocks
    are then free for the new tables. Replaced in place instead, a table's new blocks were
    written while its old ones still held, and the file grew at every run (a small demo: 41 MB
    built in full, 58 to 60 MB after incremental runs; dropped first, 39 to 41 MB)."""
    placeholders = ", ".join("?" for _ in REBUILT)
    for schema, table in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = "
        f"current_database() AND schema_name IN ({placeholders})",
        list(REBUILT),
    ).fetchall():
        con.execute(f'DROP TABLE "{schema}"."{table}"')
    con.execute("CHECKPOINT")


def _mapping_modes(cfg: Config, result: RunResult) -> dict[tuple[str, str], str]:
    """How the mapping reads each raw table in an incremental run: the changed keys of a table
    extracted by watermark or read whole and compared with raw ("keys"), all of a table read
    whole ("whole"), nothing of a source not extracted this run or of a table whose files did
    not change ("none")."""
    extracted = {x.source for x in result.loads}
    modes = {
        (s.name, t): "whole" if s.name in extracted else "none"
        for s in cfg.sources
        for t in s.mapping.tables
    }
    for load in result.loads:
        keyed = load.mode in ("incremental", "backfill", "compared")
        modes[(load.source, load.table)] = (
            "none" if load.mode == "unchanged" else "keys" if keyed else "whole"
        )
    return modes


def _mapping_digests(cfg: Config) -> dict[str, str]:
    """Per source, what its mapping reads besides its raw rows: the mapping file (columns, code
    lists, contract). A source whose digest changed since the last run is mapped whole."""
    return {s.name: hashlib.sha256(s.mapping.path.read_bytes()).hexdigest() for s in cfg.sources}


def _stored_mapping_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not has_table(con, "meta.mapping_digest"):
        return {}
    return dict(con.execute("SELECT source, digest FROM meta.mapping_digest").fetchall())


def _store_mapping_digests(con: duckdb.DuckDBPyConnection, digests: dict[str, str]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE OR REPLACE TABLE meta.mapping_digest (source VARCHAR, digest VARCHAR)")
    con.executemany("INSERT INTO meta.mapping_digest VALUES (?, ?)", list(digests.items()))


def _track_blocked(con: duckdb.DuckDBPyConnection, before: bool) -> None:
    """The rows the quality gate blocks, compared before and after the checks (an incremental
    run: a fiche released or newly blocked is a change for the models that leave them out)."""
    if before:
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(
            "CREATE TABLE IF NOT EXISTS quality.blocked (table_name VARCHAR, row_key VARCHAR, "
            "check_name VARCHAR)"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _blocked_before AS SELECT * FROM quality.blocked")
        # the checks' own quarantine rows are written again; the mapping's stay
        con.execute("DELETE FROM quality.quarantine WHERE check_name <> 'mapping'")
        return
    changes.record(con, "blocked", "_blocked_before", "quality.blocked")
    con.execute("DROP TABLE _blocked_before")


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
    result.gx_mode = expectations.mode()
    wh = Warehouse(cfg.warehouse_dir)
    with wh.lock(f"ETL run {run_id}"):
        build = wh.building_dir / f"{run_id}.duckdb"
        con: duckdb.DuckDBPyConnection | None = None
        try:
            build = wh.prepare(run_id, from_current=not full)
            con = duckdb.connect(str(build))
            # past this, DuckDB spills to building/ instead of growing (peak RSS of a 10M build)
            con.execute(f"SET memory_limit = '{cfg.memory_limit}'")
            # rows need not keep their insertion order (every model and check is order-free):
            # DuckDB can then stream and spill large CREATE TABLE ... AS without holding them
            con.execute("SET preserve_insertion_order = false")
            con.execute(f"SET temp_directory = '{build}.tmp'")
            pseudonym.install(con, secret)
            con.execute("CREATE SCHEMA IF NOT EXISTS raw")
            previous = wh.current()
            if full and previous is not None:
                checks.carry_history(con, previous)
            reference.load(con)
            model_digest = incremental.digest(con)
            # models by key when the previous build tracked its keys and computed as this one
            by_keys = (
                not full
                and previous is not None
                and mapped.tracked(con)
                and incremental.stored_digest(con) == model_digest
            )
            if not full and previous is not None and not by_keys:
                _free_rebuilt(con)
            if by_keys:
                changes.attach(con)
            result.lap("prepare")
            _extract_sources(con, cfg, result, full, only, since, until, progress)
            # each layer written to the file before the next: until a checkpoint, new tables
            # stay in DuckDB's memory and count against its limit (a 10M build ran out of it)
            con.execute("CHECKPOINT")
            result.lap("extract")
            progress("map sources to the canonical model")
            modes = None
            digests = _mapping_digests(cfg)
            if by_keys:
                modes = _mapping_modes(cfg, result)
                stored = _stored_mapping_digests(con)
                for source, table in modes:
                    if stored.get(source) != digests[source]:  # its mapping file was edited
                        modes[(source, table)] = "whole"
            result.reconciliation = mapped.apply(con, cfg.sources, changed=modes, load_id=run_id)
            _store_mapping_digests(con, digests)
            result.files_reconciled = _files_reconciled(con, result)
            con.execute("CHECKPOINT")
            result.lap("map")
            progress("build staging, core and marts (quorum included)")
            all_models = dag.discover()
            build_models = incremental.Build(con, by_keys)
            result.model_seconds = build_models.run([m for m in all_models if m.layer == "staging"])
            con.execute("CHECKPOINT")
            result.lap("staging")
            progress("quality checks")
            started_checks = time.perf_counter()
            if by_keys:
                _track_blocked(con, before=True)
            result.quality = checks.run(
                con,
                run_id,
                {s.name: s.cadence_hours for s in cfg.sources},
                # staging's changes: a check with a section for them reads what changed
                changed_tables=build_models.changed() if by_keys else None,
            )
            if by_keys:
                _track_blocked(con, before=False)
            result.sql_check_seconds = time.perf_counter() - started_checks
            if result.gx_mode == "in_build":
                progress("Great Expectations validation and Data Docs")
                result.gx = expectations.validate(con, run_id, cfg.warehouse_dir / "data_docs")
                expectations.store(con, run_id, result.gx)
            checks.gate(result.quality)
            result.lap("checks")
            result.model_seconds |= build_models.run([m for m in all_models if m.layer == "core"])
            con.execute("CHECKPOINT")
            result.lap("core")
            result.model_seconds |= build_models.run([m for m in all_models if m.layer == "marts"])
            result.model_modes = build_models.modes
            incremental.store_digest(con, model_digest)
            result.lap("marts")
            progress("grain of the core tables and marts")
            started_checks = time.perf_counter()
            changed = build_models.changed() if by_keys else None
            result.quality = checks.run(con, run_id, layer="built", changed_tables=changed)
            changes.detach(con)
            result.sql_check_seconds += time.perf_counter() - started_checks
            checks.gate(result.quality)
            result.lap("grain checks")
            result.status = "success"
            result.seconds = time.perf_counter() - started
            _write_meta(con, result, [*history(cfg.warehouse_dir), result.to_json()])
            progress("publish")
            con.execute("CHECKPOINT")
            con.close()
            result.lap("meta")
            if by_keys:  # updated in place: free blocks and dead rows are compacted away
                wh.compact(build)
                result.lap("compact")
            else:
                wh.record_whole(build)
            result.snapshot = str(wh.publish(build, run_id, cfg.keep_snapshots))
            wh.discard(build)  # what is left of it: DuckDB's spill folder
            result.lap("publish")
        except BaseException as exc:
            if con is not None:
                con.close()
            error = _disk_full(exc, wh, build) if disk_full(exc) else None
            wh.discard(build)
            result.status = "failed"
            result.error = str(error or exc)
            result.seconds = time.perf_counter() - started
            with contextlib.suppress(OSError):  # the disk may still be full: `error` says so
                _append_history(cfg.warehouse_dir, result)
            if error is not None:
                raise error from exc
            raise
        result.seconds = time.perf_counter() - started
        _append_history(cfg.warehouse_dir, result)
        if result.gx_mode == "after_publish":
            progress("Great Expectations validation of the published snapshot, Data Docs")
            try:
                result.gx = validate_published(wh)
            except Exception as exc:  # the data is published and logged: report, do not raise
                result.gx_error = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}"
        return result


def validate_published(wh: Warehouse) -> expectations.GxOutcome:
    """GX on the published snapshot, read-only; its verdicts and Data Docs go beside it
    (data_docs/results/<run_id>.json). The SQL checks that gated the publish stand whatever
    GX says."""
    docs = wh.dir / "data_docs"
    con = wh.connect()
    try:
        run_id = snapshot_run_id(con)
        outcome = expectations.validate(con, run_id, docs)
    finally:
        con.close()
    expectations.save(docs, run_id, outcome)
    return outcome


def snapshot_run_id(con: duckdb.DuckDBPyConnection) -> str:
    """The run that built the warehouse `con` reads (its last line of meta.run_log)."""
    row = con.execute(
        "SELECT run_id FROM meta.run_log WHERE status = 'success' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise RRCError("the published warehouse records no successful run in meta.run_log")
    return str(row[0])
