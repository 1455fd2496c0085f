"""Atomic publish of the warehouse, its snapshots, and their restore.

A run builds a new DuckDB file in `building/`, checkpoints and closes it, records its checksum in
`snapshots/<run_id>.json`, moves it into `snapshots/<run_id>.duckdb`, then swaps the
`current.duckdb` symlink with one rename (atomic on POSIX). A reader resolves the link once and
opens that file read-only: a published file is never written again, so readers never meet a lock
or a half-built state. The last N snapshots are kept.

One run at a time holds the warehouse lock (`.etl.lock`, an flock the kernel releases when the
process dies, even by kill -9); under it, what a killed run left behind (build files, temporary
links, records without their file) is removed before the next build starts.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from rrc.errors import RRCError

CURRENT = "current.duckdb"
LOCK = ".etl.lock"
WHOLE_SIZE = ".whole-size.json"  # the size of the last build written whole (compaction)


class WarehouseMissing(RRCError):
    """No warehouse has been published yet."""


class WarehouseBusy(RRCError):
    """Another run (or restore) holds the warehouse lock."""


class SnapshotError(RRCError):
    """A snapshot is unknown, or its file does not match its recorded checksum."""


@dataclass(frozen=True)
class Snapshot:
    """A published warehouse file and what was recorded when it was published."""

    id: str
    created_at: str
    sha256: str
    bytes: int
    path: Path

    def verify(self) -> None:
        """Raise SnapshotError unless the file is whole and unchanged since its publish."""
        if not self.path.exists():
            raise SnapshotError(f"snapshot {self.id}: file {self.path} is missing")
        found = sha256(self.path)
        if found != self.sha256:
            raise SnapshotError(
                f"snapshot {self.id} is damaged: {self.path} has sha256 {found[:16]}..., "
                f"{self.sha256[:16]}... was recorded when it was published",
                hint="restore another snapshot (`rrc warehouse snapshots list`)",
            )


def sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Warehouse:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.snapshots_dir = directory / "snapshots"
        self.building_dir = directory / "building"
        self.link = directory / CURRENT
        self._resolved: tuple[str, Path] | None = None  # the link's text, and its target

    def current(self) -> Path | None:
        """The published snapshot, or None. The link is read at every call (one system call:
        the boards ask before each query); its target resolved again only when it changed."""
        try:
            text = os.readlink(self.link)
        except OSError:  # no link (nothing published), or not a link
            return None
        resolved = self._resolved
        if resolved is None or resolved[0] != text:
            resolved = self._resolved = (text, self.link.resolve())
        return resolved[1] if os.path.exists(resolved[1]) else None

    @contextmanager
    def lock(self, holder: str) -> Iterator[None]:
        """Hold the warehouse for one run or restore; fail at once if another process does."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                other = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                raise WarehouseBusy(
                    f"the warehouse in {self.dir} is busy: {other or 'another process'}",
                    hint="wait for that run to end (`rrc etl status`), then run again",
                ) from exc
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, {holder}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the flock

    def clean_leftovers(self) -> list[Path]:
        """Remove what killed runs left (call under the lock); return what was removed."""
        removed: list[Path] = []
        if self.building_dir.exists():
            for path in self.building_dir.iterdir():
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
        for path in self.dir.glob(f".{CURRENT}.*"):
            path.unlink(missing_ok=True)
            removed.append(path)
        for path in self.snapshots_dir.glob("*.json*"):
            if path.suffix != ".json" or not path.with_suffix(".duckdb").exists():
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def prepare(self, run_id: str, *, from_current: bool) -> Path:
        """A new build file, starting from the published warehouse when incremental."""
        self.building_dir.mkdir(parents=True, exist_ok=True)
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        self.clean_leftovers()
        path = self.building_dir / f"{run_id}.duckdb"
        current = self.current()
        if from_current and current is not None:
            shutil.copyfile(current, path)
        return path

    def publish(self, build: Path, run_id: str, keep: int) -> Path:
        """Record a closed, checkpointed build, move it into the snapshots, point `current` at
        it. Every step before the last rename leaves the previous warehouse published."""
        target = self.snapshots_dir / f"{run_id}.duckdb"
        with build.open("rb") as fh:
            os.fsync(fh.fileno())
        record = {
            "id": run_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": sha256(build),
            "bytes": build.stat().st_size,
        }
        _write_atomic(target.with_suffix(".json"), json.dumps(record, indent=1) + "\n")
        os.replace(build, target)
        _fsync_dir(self.snapshots_dir)
        self._point_current(target)
        self.prune(keep)
        return target

    def _point_current(self, target: Path) -> None:
        tmp = self.dir / f".{CURRENT}.{target.stem}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(Path("snapshots") / target.name)
        os.replace(tmp, self.link)
        _fsync_dir(self.dir)

    def record_whole(self, build: Path) -> None:
        """Remember the size of a build written whole (a full build, a compaction): incremental
        builds are measured against it (`compact`)."""
        tmp = self.dir / f"{WHOLE_SIZE}.tmp"
        tmp.write_text(json.dumps({"bytes": build.stat().st_size}), encoding="utf-8")
        os.replace(tmp, self.dir / WHOLE_SIZE)

    def whole_size(self) -> int | None:
        try:
            return int(json.loads((self.dir / WHOLE_SIZE).read_text(encoding="utf-8"))["bytes"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def compact(self, build: Path, limit: float = 0.1) -> bool:
        """Rewrite a closed build into a new file when more than `limit` of it is free blocks,
        or when it outgrew the last build written whole by more than `limit`.

        An incremental build updates its tables in place: DuckDB writes changed row groups to
        new blocks and frees the old ones, which the next run reuses, but never shrinks the
        file; deleted rows and small appended row groups stay in used blocks. Past the limit,
        the tables are copied into a new file (`COPY FROM DATABASE`), which holds only live
        rows; the build file is replaced by it before the publish."""
        whole = self.whole_size()
        grown = whole is not None and build.stat().st_size > (1 + limit) * whole
        con = duckdb.connect(str(build))
        try:
            total, free = con.execute(
                "SELECT total_blocks, free_blocks FROM pragma_database_size()"
            ).fetchone() or (0, 0)
            if not total or (free <= limit * total and not grown):
                return False
            fresh = build.with_name(f"{build.stem}-compact.duckdb")
            fresh.unlink(missing_ok=True)
            (name,) = con.execute("SELECT current_database()").fetchone() or ("",)
            con.execute(f"ATTACH '{fresh}' AS compact")
            con.execute(f'COPY FROM DATABASE "{name}" TO compact')
            con.execute("DETACH compact")
        finally:
            con.close()
        os.replace(fresh, build)
        self.record_whole(build)
        return True

    def discard(self, build: Path) -> None:
        build.unlink(missing_ok=True)
        build.with_name(f"{build.stem}-compact.duckdb").unlink(missing_ok=True)
        Path(f"{build}.wal").unlink(missing_ok=True)
        shutil.rmtree(Path(f"{build}.tmp"), ignore_errors=True)

    def snapshots(self) -> list[Path]:
        return sorted(self.snapshots_dir.glob("*.duckdb"))

    def records(self) -> list[Snapshot]:
        """The published snapshots that have a checksum record, oldest first."""
        out = []
        for path in self.snapshots():
            record = path.with_suffix(".json")
            try:
                data = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append(
                Snapshot(data["id"], data["created_at"], data["sha256"], data["bytes"], path)
            )
        return out

    def restore(self, snapshot_id: str) -> Snapshot:
        """Point `current` at an earlier snapshot, checking its file before and after."""
        with self.lock(f"restoring snapshot {snapshot_id}"):
            found = {s.id: s for s in self.records()}
            if snapshot_id not in found:
                raise SnapshotError(
                    f"no snapshot {snapshot_id!r} in {self.snapshots_dir}",
                    hint="`rrc warehouse snapshots list` shows the ids; "
                    + (f"the newest is {max(found)}" if found else "none is recorded yet"),
                )
            snapshot = found[snapshot_id]
            snapshot.verify()
            self._point_current(snapshot.path)
            if self.current() != snapshot.path.resolve():
                raise SnapshotError(f"{self.link} does not point at {snapshot.path} after restore")
            snapshot.verify()
            return snapshot

    def prune(self, keep: int) -> None:
        current = self.current()
        for old in self.snapshots()[:-keep] if keep > 0 else []:
            if old != current:
                old.unlink(missing_ok=True)
                old.with_suffix(".json").unlink(missing_ok=True)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published warehouse."""
        for _ in range(5):
            path = self.current()
            if path is None:
                raise WarehouseMissing(
                    f"no warehouse published in {self.dir}",
                    hint="run `rrc etl run` (or `make demo`) first",
                )
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.IOException:
                if path.exists():
                    raise
                # pruned between resolving the link and opening it: a newer one is published
        raise WarehouseMissing(f"the published warehouse in {self.dir} keeps changing")


def as_dict(snapshot: Snapshot) -> dict[str, object]:
    return {**asdict(snapshot), "path": str(snapshot.path)}


def disk_full(exc: BaseException) -> bool:
    """Whether an error (OS or DuckDB) means the disk or the file size limit ran out."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(exc)
    return any(
        s in text for s in ("No space left on device", "File too large", "Disk quota exceeded")
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
