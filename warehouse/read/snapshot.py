"""The snapshot a consumer reads from (cohorts, practice audits): the published one, or a kept
file of `<warehouse>/snapshots/`, with the checksum and time recorded at its publish."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publish import Warehouse, WarehouseMissing


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


def source_of(warehouse: Warehouse, path: Path) -> Source:
    """Snapshot file `path` of `warehouse`, with what its publish recorded."""
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
    return source_of(warehouse, path)
