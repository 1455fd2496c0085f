"""The published snapshot as a long-lived reader sees it: one `Warehouse` asked again after each
publish and restore (the boards keep theirs for the life of the process)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.publish import Warehouse


def _publish(wh: Warehouse, run_id: str) -> Path:
    build = wh.prepare(run_id, from_current=False)
    duckdb.connect(str(build)).close()
    return wh.publish(build, run_id, keep=5)


def test_current_follows_every_publish_and_restore_and_a_file_gone(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "warehouse")
    assert wh.current() is None  # nothing published
    first = _publish(wh, "20261201T000000-aaaaaa")
    assert wh.current() == first.resolve()
    second = _publish(wh, "20261202T000000-bbbbbb")
    assert wh.current() == second.resolve()
    wh.restore(first.stem)
    assert wh.current() == first.resolve()
    first.unlink()  # removed by hand under the link
    assert wh.current() is None
