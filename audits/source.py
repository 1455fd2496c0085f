"""The warehouse snapshot a draw is made from: the published one, or for a replay the snapshot
the manifest names (the published one if it still is, else its file in `<warehouse>/snapshots/`,
checked against the checksum recorded at its publish)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from rrc.errors import RRCError
from warehouse.publish import Warehouse, WarehouseMissing


class SnapshotGone(RRCError):
    """The snapshot a manifest names is no longer kept."""


@dataclass(frozen=True)
class Source:
    id: str
    path: Path
    sha256: str | None
    created_at: str | None

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "created_at": self.created_at}


def _source(warehouse: Warehouse, path: Path) -> Source:
    record = next((r for r in warehouse.records() if r.path.resolve() == path.resolve()), None)
    return Source(
        path.stem, path, record.sha256 if record else None, record.created_at if record else None
    )


def published(warehouse_dir: Path) -> Source:
    warehouse = Warehouse(warehouse_dir)
    path = warehouse.current()
    if path is None:
        raise WarehouseMissing(
            f"no warehouse published in {warehouse_dir}", hint="run `rrc etl run` first"
        )
    return _source(warehouse, path)


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
    return _source(warehouse, record.path)
