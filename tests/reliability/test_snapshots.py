"""`rrc warehouse snapshots list|restore`: every published snapshot with its checksum; a restore
swaps the link atomically, checks the file before and after, and refuses a damaged one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.reliability.conftest import Etl
from warehouse.publish import Warehouse

runner = CliRunner()


def test_list_then_restore_an_earlier_snapshot_and_refuse_a_damaged_one(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "snapshots")
    first = etl.run(full=True)
    first_content = etl.checksums()
    store = sqlite3.connect(etl.demo / "vendor_b.sqlite")
    store.execute(
        'DELETE FROM "ONC_DOSSIER" WHERE "NUM_DOSSIER" = '
        '(SELECT min("NUM_DOSSIER") FROM "ONC_DOSSIER")'
    )
    store.commit()
    store.close()
    second = etl.run()
    assert etl.checksums() != first_content
    wh = Warehouse(etl.warehouse)
    ids = [Path(r.snapshot or "").stem for r in (first, second)]

    listed = runner.invoke(app, ["warehouse", "snapshots", "list"])
    assert listed.exit_code == 0, listed.output
    lines = {
        line.split()[1 if line.startswith("*") else 0]: line
        for line in listed.output.splitlines()[2:]
    }
    assert list(lines) == ids
    for record in wh.records():
        line = lines[record.id]
        assert record.sha256[:16] in line and "success" in line
        assert f"{record.bytes / 1024 / 1024:,.1f}" in line
    assert lines[ids[1]].startswith("*") and not lines[ids[0]].startswith("*")

    restored = runner.invoke(app, ["warehouse", "snapshots", "restore", ids[0]])
    assert restored.exit_code == 0, restored.output
    assert "verified before and after" in " ".join(restored.output.split())
    assert wh.current() == (etl.warehouse / "snapshots" / f"{ids[0]}.duckdb").resolve()
    assert etl.checksums() == first_content
    assert wh.link.readlink() == Path("snapshots") / f"{ids[0]}.duckdb"  # relative, like a run's

    newest = etl.warehouse / "snapshots" / f"{ids[1]}.duckdb"
    with newest.open("r+b") as fh:  # one byte flipped in the middle of the file
        fh.seek(newest.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    refused = runner.invoke(app, ["warehouse", "snapshots", "restore", ids[1]])
    assert refused.exit_code == 1
    assert f"snapshot {ids[1]} is damaged" in " ".join(refused.output.split())
    assert wh.current() == (etl.warehouse / "snapshots" / f"{ids[0]}.duckdb").resolve()

    unknown = runner.invoke(app, ["warehouse", "snapshots", "restore", "20990101T000000-000000"])
    assert unknown.exit_code == 1 and "rrc warehouse snapshots list" in unknown.output
