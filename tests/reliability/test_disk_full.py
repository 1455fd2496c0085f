"""The disk fills up during a run: the previous warehouse stays published, whole, and the error
says where the disk ran out and how much room a run needs.

The warehouse lives on a small tmpfs (mounted for the test; CI runs as root). Where mounting is
not allowed, the run gets a file size limit (RLIMIT_FSIZE) instead, which fails writes the same
way (EFBIG instead of ENOSPC).
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import Etl, etl_command, run_cli
from warehouse.publish import Warehouse

pytestmark = pytest.mark.slow
MB = 1024 * 1024


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path | None]:
    """A 300 MB tmpfs, or None where this process may not mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    yield mount if done.returncode == 0 else None
    if done.returncode == 0:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _resize(mount: Path, free_bytes: int) -> None:
    """Leave `free_bytes` free on the tmpfs."""
    used = shutil.disk_usage(mount).used
    size_kb = (used + free_bytes) // 1024
    subprocess.run(["mount", "-o", f"remount,size={size_kb}k", str(mount)], check=True)


def _limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """The ETL as a process that may not write a file past `limit` bytes."""

    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        etl_command(*args),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
        check=False,
    )


def test_a_disk_full_run_keeps_the_previous_warehouse_and_says_what_happened(
    small_demo: Path,
    etl_factory: Callable[..., Etl],
    tmpfs: Path | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    etl = etl_factory(small_demo, "diskfull")
    if tmpfs is not None:
        etl.warehouse = tmpfs / "wh"
        monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(etl.warehouse))
    assert run_cli("--full").returncode == 0
    wh = Warehouse(etl.warehouse)
    before = wh.current()
    assert before is not None
    size = before.stat().st_size
    content = etl.checksums()
    outcomes = []
    for args in [(), ("--full",)]:  # a copy of the warehouse fails; a DuckDB build fails
        if tmpfs is not None:
            _resize(tmpfs, size // 2)
            done = run_cli(*args)
        else:
            done = _limited(size // 2, *args)
        message = " ".join(done.stderr.split())
        outcomes.append(message)
        assert done.returncode == 1, message
        assert "disk full on" in message, message
        assert str(etl.warehouse / "building") in "".join(message.split())  # paths may wrap
        assert "the previous warehouse is still published" in message
        assert f"twice the last warehouse, {size / MB:.1f} MB" in message
        assert wh.current() == before
        next(s for s in wh.records() if s.path.resolve() == before).verify()
        assert etl.checksums() == content
        assert not list((etl.warehouse / "building").glob("*"))  # the failed build is removed
    print("\n" + "\n".join(outcomes))
    if tmpfs is not None:
        _resize(tmpfs, 4 * size)
        assert run_cli().returncode == 0  # with room again, the next run publishes
        assert wh.current() != before
        assert etl.checksums() == content
