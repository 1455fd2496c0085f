"""A folder of CDA documents is parsed again only where its files changed: the documents of a
zip rewritten with one member withdrawn, one copied (a second document with the same setId,
version and content, read once and the copy set aside) and one new version, and of a new file
beside the zips, are the only ones read; the warehouse is the one a full rebuild gives, and stays
so when the first of two copies goes (the other is read in its place) and when the last goes."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from pipelines.raw import TableLoad
from pipelines.run import RunResult
from tests.pipelines.conftest import Etl

VERSION = re.compile(r'<versionNumber value="(\d+)"/>')


def _cda(result: RunResult) -> dict[str, TableLoad]:
    return {x.table: x for x in result.loads if x.source == "frcp"}


def _rewrite(archive: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> None:
    """The zip written again with its members as `change` makes them (untouched members keep
    their bytes, hence their CRC)."""
    with zipfile.ZipFile(archive) as z:
        members = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(change(members).items()):
            z.writestr(name, data)


def test_only_new_or_changed_documents_are_parsed_and_the_warehouse_equals_a_full_rebuild(
    etl_factory: Callable[[Path], Etl], small_demo: Path
) -> None:
    etl = etl_factory(small_demo)
    first = _cda(etl.run())
    assert first["fiche"].read > 20 and {x.mode for x in first.values()} == {"full"}

    again = _cda(etl.run())
    assert {x.mode for x in again.values()} == {"unchanged"}
    assert [(x.table, x.files, x.findings) for x in again.values()] == [
        (x.table, x.files, x.findings) for x in first.values()
    ]

    archive = max((etl.demo / "cda").glob("*.zip"), key=lambda p: p.stat().st_size)
    fiches = sorted(n for n in zipfile.ZipFile(archive).namelist() if n.startswith("frcp/"))
    assert len(fiches) >= 4
    withdrawn, copied, revised = fiches[0], fiches[1], fiches[2]

    def change(members: dict[str, bytes]) -> dict[str, bytes]:
        out = {n: b for n, b in members.items() if n != withdrawn}
        out["frcp/copy-of-one.xml"] = members[copied]
        text = members[revised].decode("utf-8")
        version = int(VERSION.search(text).group(1))  # type: ignore[union-attr]
        out["frcp/new-version.xml"] = VERSION.sub(
            f'<versionNumber value="{version + 5}"/>', text
        ).encode("utf-8")
        return out

    _rewrite(archive, change)
    loose = zipfile.ZipFile(archive).read(fiches[3])
    # the same document in the zip and as a file beside it: a copy too
    (etl.demo / "cda" / "dropped-today.xml").write_bytes(loose)
    changed = _cda(etl.run())
    assert changed["fiche"].mode == "compared"
    assert changed["fiche"].read == 3  # the copy, the new version and the loose file
    assert [f.count for f in changed["fiche"].findings if f.kind == "copies"] == [2]
    assert not any(f.kind == "duplicate_key" for f in changed["fiche"].findings)
    assert etl.checksums() == etl.rebuilt_checksums()

    _rewrite(archive, lambda m: {n: b for n, b in m.items() if n != copied})  # the first goes
    first_gone = _cda(etl.run())
    assert [f.count for f in first_gone["fiche"].findings if f.kind == "copies"] == [1]
    assert etl.checksums() == etl.rebuilt_checksums()

    _rewrite(archive, lambda m: {n: b for n, b in m.items() if n != "frcp/copy-of-one.xml"})
    (etl.demo / "cda" / "dropped-today.xml").unlink()
    gone = _cda(etl.run())
    assert gone["fiche"].read == 0 and gone["fiche"].mode == "compared"
    assert not any(f.kind in ("copies", "duplicate_key") for f in gone["fiche"].findings)
    assert etl.checksums() == etl.rebuilt_checksums()


def test_a_broken_file_dropped_after_a_run_is_read_quarantined_and_counted_then_mended(
    tmp_path: Path,
) -> None:
    """The incremental read keeps its contract: a file that is not well-formed XML, added to a
    folder already read, is read, quarantined with its reason and counted in its file's line;
    mended, it loads and the reason goes."""
    import duckdb

    from pipelines.extract import cda
    from tests.pipelines.cda_support import FRCP, source

    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / FRCP.name).write_bytes(FRCP.read_bytes())
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    first = {x.table: x for x in cda.extract(con, source(folder), load_id="one")}
    assert first["fiche"].read == 1

    text = FRCP.read_text(encoding="utf-8")
    broken = folder / "today.xml"
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    second = {x.table: x for x in cda.extract(con, source(folder), load_id="two")}
    assert second["fiche"].mode == "compared" and second["fiche"].read == 1
    lines = {f.file: (f.rows_read, f.rejected) for f in second["fiche"].files}
    assert lines == {FRCP.name: (1, 0), "today.xml": (1, 1)}
    reasons = con.execute(
        'SELECT _reject FROM raw."frcp__fiche" WHERE _file = ?', ["today.xml"]
    ).fetchall()
    assert len(reasons) == 1 and reasons[0][0].startswith("XML mal formé")

    revised = text.replace("<versionNumber value=", '<versionNumber value="7" old=', 1)
    broken.write_text(revised, encoding="utf-8")
    third = {x.table: x for x in cda.extract(con, source(folder), load_id="three")}
    assert third["fiche"].read == 1
    assert {f.file: f.rejected for f in third["fiche"].files} == {FRCP.name: 0, "today.xml": 0}
    assert con.execute(
        'SELECT count(*) FROM raw."frcp__fiche" WHERE _reject IS NOT NULL'
    ).fetchone() == (0,)
