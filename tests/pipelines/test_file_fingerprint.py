"""Files that did not change since the last run are not read again: their tables say so, keep
the last read's counts and findings, and the warehouse is the one a full rebuild gives; a file
changed by one value is read again and its change reaches the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.run import RunResult
from rrc.errors import SourceError
from tests.pipelines.conftest import Etl
from tests.reliability import workbooks

FILE_SOURCES = {"sheets_cantal", "registry", "directory", "coordination", "dcc_service"}


def _loads(result: RunResult) -> dict[tuple[str, str], tuple[object, ...]]:
    """Per file table: its mode, then what it says it read (rows, files, findings)."""
    return {
        (x.source, x.table): (x.mode, x.extracted, x.read, x.files, x.findings)
        for x in result.loads
        if x.source in FILE_SOURCES
    }


def _checked(etl: Etl) -> datetime:
    """When the directory's services were last read or found unchanged."""
    con = etl.connect()
    try:
        row = con.execute(
            'SELECT min(_extracted_at) FROM raw."directory__soins_support"'
        ).fetchone()
    finally:
        con.close()
    assert row and row[0] is not None
    return row[0]  # type: ignore[no-any-return]


def test_unchanged_files_are_not_read_again_and_keep_their_counts_and_findings(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "unchanged-files")
    # a column the mapping does not read: a named warning at each read of the file
    services = etl.demo / "directory" / "soins_support.csv"
    lines = services.read_bytes().rstrip(b"\n").split(b"\n")
    services.write_bytes(b"\n".join([lines[0] + b";horaires"] + [x + b";" for x in lines[1:]]))
    first = etl.run(full=True)
    sums, read_at = etl.checksums(), _checked(etl)
    second = etl.run()
    read, kept = _loads(first), _loads(second)
    assert read.keys() == kept.keys() and len(read) >= 20
    assert {mode for mode, *_ in read.values()} <= {"full"}
    assert {mode for mode, *_ in kept.values()} == {"unchanged"}
    assert {k: v[1:] for k, v in kept.items()} == {k: v[1:] for k, v in read.items()}
    # the finding is said again, as the last read said it, and flags the run as it did
    assert [f.kind for f in first.warnings] == ["extra_column"]
    assert second.warnings == first.warnings
    assert second.reconciliation == first.reconciliation
    assert second.files_reconciled == first.files_reconciled
    assert etl.checksums() == sums
    assert _checked(etl) > read_at  # the files were checked: the source is fresh


def test_a_changed_file_is_read_again_and_its_change_reaches_the_warehouse(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "changed-files")
    etl.run(full=True)
    before = etl.checksums()
    # a 3C corrects the organ of one dossier in its workbook; the directory renames a service
    [book] = (etl.demo / "sheets").glob("*.xlsx")
    sheets = workbooks.read_demo(book)
    dossiers = sheets["Dossiers"]
    organ = dossiers[0].index("Organe")
    dossiers[1][organ] = "Thorax" if dossiers[1][organ] != "Thorax" else "Sein"
    workbooks.write(book, sheets)
    services = etl.demo / "directory" / "soins_support.csv"
    lines = services.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"Psycho-oncologie - ", b"Psycho-oncologie, ", 1)
    services.write_bytes(b"\n".join(lines))

    result = etl.run()
    modes = {table: load[0] for table, load in _loads(result).items()}
    assert {t for t, m in modes.items() if m == "full"} == {
        *(("sheets_cantal", sheet) for sheet in sheets),
        ("directory", "soins_support"),
    }
    assert modes[("directory", "reseau_3c")] == modes[("registry", "studies")] == "unchanged"
    after = etl.checksums()
    assert after != before
    assert after == etl.rebuilt_checksums()


def test_a_file_broken_after_a_run_is_read_and_refused_then_found_unchanged_once_mended(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    """A stored digest never hides a bad file: its bytes differ, so it is read, and refused
    naming it; the warehouse stays the last one. Put back as it was, it is found unchanged."""
    etl = etl_factory(small_demo, "broken-file")
    etl.run(full=True)
    sums = etl.checksums()
    services = etl.demo / "directory" / "soins_support.csv"
    good = services.read_bytes()
    header, rest = good.split(b"\n", 1)
    services.write_bytes(header.replace(b"commune", b"ville", 1) + b"\n" + rest)
    with pytest.raises(SourceError, match=r"soins_support\.csv.*'commune'"):
        etl.run()
    assert etl.checksums() == sums
    services.write_bytes(good)
    mended = etl.run()
    modes = {x.table: x.mode for x in mended.loads if x.source == "directory"}
    assert modes["soins_support"] == "unchanged" and etl.checksums() == sums
