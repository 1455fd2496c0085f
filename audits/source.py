"""The warehouse snapshot a draw is made from: the published one, or for a replay the snapshot
the manifest names (the published one if it still is, else its file in `<warehouse>/snapshots/`,
checked against the checksum recorded at its publish)."""

from __future__ import annotations

from pathlib import Path

from rrc.errors import RRCError
from warehouse.publish import Warehouse
from warehouse.read.snapshot import Source, published, source_of


class SnapshotGone(RRCError):
    """The snapshot a manifest names is no longer kept."""


def named(warehouse_dir: Path, snapshot_id: str) -> Source:
    """Snapshot `snapshot_id`: the published one, or its kept file (verified)."""
    current = published(warehouse_dir)
    if current.id == snapshot_id:
        return current
    warehouse = Warehouse(warehouse_dir)
    record = next((r for r in warehouse.records() if r.id == snapshot_id), None)
    if record is None or not record.path.exists():
        raise SnapshotGone(
            f"snapshot {snapshot_id} is no longer kept in {warehouse.snapshots_dir}",
            hint="restore it from a backup to replay the draw on the same data",
        )
    record.verify()
    return source_of(warehouse, record.path)
