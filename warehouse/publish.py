"""Atomic publish of the warehouse, and its snapshots.

A run builds a new DuckDB file in `building/`, checkpoints and closes it, moves it into
`snapshots/<run_id>.duckdb`, then swaps the `current.duckdb` symlink with one rename (atomic on
POSIX). A reader resolves the link once and opens that file read-only: a published file is never
written again, so readers never meet a lock or a half-built state. The last N snapshots are kept.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from rrc.errors import RRCError

CURRENT = "current.duckdb"


class WarehouseMissing(RRCError):
    """No warehouse has been published yet."""


class Warehouse:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.snapshots_dir = directory / "snapshots"
        self.building_dir = directory / "building"
        self.link = directory / CURRENT

    def current(self) -> Path | None:
        """The published snapshot, or None."""
        if not self.link.is_symlink():
            return None
        target = self.link.resolve()
        return target if target.exists() else None

    def prepare(self, run_id: str, *, from_current: bool) -> Path:
        """A new build file, starting from the published warehouse when incremental."""
        self.building_dir.mkdir(parents=True, exist_ok=True)
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        path = self.building_dir / f"{run_id}.duckdb"
        path.unlink(missing_ok=True)
        current = self.current()
        if from_current and current is not None:
            shutil.copyfile(current, path)
        return path

    def publish(self, build: Path, run_id: str, keep: int) -> Path:
        """Move a closed, checkpointed build into the snapshots and point `current` at it."""
        target = self.snapshots_dir / f"{run_id}.duckdb"
        with build.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(build, target)
        tmp = self.dir / f".{CURRENT}.{run_id}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(Path("snapshots") / target.name)
        os.replace(tmp, self.link)
        _fsync_dir(self.dir)
        self.prune(keep)
        return target

    def discard(self, build: Path) -> None:
        build.unlink(missing_ok=True)
        Path(f"{build}.wal").unlink(missing_ok=True)

    def snapshots(self) -> list[Path]:
        return sorted(self.snapshots_dir.glob("*.duckdb"))

    def prune(self, keep: int) -> None:
        current = self.current()
        for old in self.snapshots()[:-keep] if keep > 0 else []:
            if old != current:
                old.unlink(missing_ok=True)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published warehouse."""
        path = self.current()
        if path is None:
            raise WarehouseMissing(
                f"no warehouse published in {self.dir}",
                hint="run `rrc etl run` (or `make demo`) first",
            )
        return duckdb.connect(str(path), read_only=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
