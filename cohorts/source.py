"""Which warehouse snapshot a cohort is read from, and its data-quality status.

A cohort is read from the published snapshot, or, to replay an older manifest, from a snapshot
file still kept in `<warehouse>/snapshots/` (checked against the checksum recorded when it was
published). Snapshot files are never written after their publish: the same file gives the same
rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from quality.checks import statuses
from rrc.errors import RRCError
from warehouse.publish import Warehouse
from warehouse.read.snapshot import Source, published, source_of


class SnapshotMismatch(RRCError):
    """A manifest names a snapshot that is not the one asked for."""


def kept(warehouse_dir: Path, snapshot: Path) -> Source:
    """A snapshot file named on the command line: it must be one of `<warehouse>/snapshots/`,
    whole and unchanged since its publish."""
    warehouse = Warehouse(warehouse_dir)
    files = {p.resolve(): p for p in warehouse.snapshots()}
    if snapshot.resolve() not in files:
        raise SnapshotMismatch(
            f"{snapshot} is not a snapshot of the warehouse in {warehouse_dir}",
            hint=f"name a file of {warehouse.snapshots_dir} (`rrc warehouse snapshots list`)",
        )
    record = next((r for r in warehouse.records() if r.id == snapshot.stem), None)
    if record is not None:
        record.verify()
    return source_of(warehouse, files[snapshot.resolve()])


def for_replay(warehouse_dir: Path, wanted: str, snapshot: Path | None) -> Source:
    """The snapshot a manifest was extracted from: the published one if it is that one, else
    the file given with --snapshot."""
    source = kept(warehouse_dir, snapshot) if snapshot else published(warehouse_dir)
    if source.id != wanted:
        kept_file = Warehouse(warehouse_dir).snapshots_dir / f"{wanted}.duckdb"
        raise SnapshotMismatch(
            f"the manifest was extracted from snapshot {wanted}, not {source.id}"
            + ("" if snapshot else " (the published one)"),
            hint=(
                f"replay on the same data with --snapshot {kept_file}"
                if kept_file.exists()
                else f"snapshot {wanted} is no longer kept in {kept_file.parent}: restore it from "
                "a backup, or extract the definition again on today's warehouse"
            ),
        )
    return source


def quality_status(con: duckdb.DuckDBPyConnection, snapshot_id: str) -> dict[str, Any]:
    """The data-quality checks of the run that built the snapshot, with their pass/fail status
    against the thresholds of config/quality_thresholds.csv."""
    found = con.execute(
        "select count(*) from quality.check_results where run_id = ?", [snapshot_id]
    ).fetchone()
    run_id = snapshot_id if found and found[0] else None
    frame = statuses(con, run_id).sort("check", "table", "field")
    checks = frame.select(
        "check", "table", "field", "category", "severity", "pct", "threshold_pct", "status"
    ).to_dicts()
    failed = [
        f"{c['check']}:{c['table']}.{c['field']}".rstrip(".")
        for c in checks
        if c["status"] == "fail"
    ]
    return {
        "run_id": run_id or "latest",
        "status": "fail" if failed else "pass",
        "failed": failed,
        "checks": checks,
    }
