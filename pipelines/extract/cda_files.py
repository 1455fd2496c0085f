"""What each file of a CDA source gave at its last read, so that an incremental run parses only
the files that are new or changed.

A folder of documents grows by the day (a DCC drops its new Fiche RCP and PPS, or rewrites the
year's zip) while the documents already read stay as they were, and parsing them again was most
of a run (about 330 documents/s). Each file, a zip member or a file of the folder, is known by a
digest of its content: for a zip member, the CRC-32 and size that the archive's directory holds
for it (read without inflating the member); for a file, the sha256 of its bytes. The source's
setup (its settings and mapping as loaded, the value sets, the reader's code) has a digest of its
own: when it changed, every file is read again, as in a full run.

An incremental run parses the files whose digest is new, keeps the raw rows of the others (the
reasons of their own documents as they were; the reasons drawn across documents, a duplicate
setId + version or a version after a frozen one, drawn again over all of them), drops the rows
of the files that went, and writes raw by comparing (`raw.replace_changed`): the mapping then
re-reads the keys that changed. A kept file's counts are those of its last read. Nothing new and
nothing gone: the tables are `unchanged`, as those of a file source whose files did not change
(`fingerprint.py`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from pipelines.config import Source
from pipelines.contract import FileLoad
from rrc.duck import has_table

TABLE = "meta.cda_files"
PIPELINES = Path(__file__).resolve().parents[1]
# the modules whose behaviour decides what a document's rows and reasons are
READERS = (
    PIPELINES / "extract" / "cda.py",
    PIPELINES / "extract" / "valuesets.py",
    PIPELINES / "contract.py",
    PIPELINES / "raw.py",
)


@cache
def _code() -> bytes:
    h = hashlib.sha256()
    for path in READERS:
        h.update(path.read_bytes())
    return h.digest()


def setup_digest(source: Source, valuesets: list[tuple[str, str, dict[str, str]]]) -> str:
    """The source's settings and mapping as loaded, the value sets its tables check (name, OID,
    codes) and the reader's code."""
    h = hashlib.sha256(_code())
    h.update(repr(source).encode())
    for name, oid, concepts in valuesets:
        h.update(f"\0valueset\0{name}\0{oid}\0".encode())
        h.update(json.dumps(sorted(concepts.items()), ensure_ascii=False).encode())
    return h.hexdigest()


def file_digest(path: Path) -> str:
    with path.open("rb") as f:
        return "sha256:" + hashlib.file_digest(f, "sha256").hexdigest()


def member_digest(crc: int, size: int) -> str:
    return f"crc32:{crc:08x}:{size}"


COLUMNS = {
    "source": pl.String,
    "file": pl.String,
    "digest": pl.String,
    "table": pl.String,  # one row per table the file gave rows to (its counts)
    "rows_read": pl.Int64,
    "rejected": pl.Int64,
}


def stored(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, list[FileLoad]]]:
    """Per file of `source`: its digest at its last read, and its counts then."""
    if not has_table(con, TABLE):
        return {}
    rows = con.execute(
        f'SELECT file, digest, "table", rows_read, rejected FROM {TABLE} WHERE source = ?',
        [source],
    ).fetchall()
    out: dict[str, tuple[str, list[FileLoad]]] = {}
    for file, digest, table, read, rejected in rows:
        loads = out.setdefault(file, (digest, []))[1]
        if table is not None:
            loads.append(FileLoad(source, table, file, rows_read=read, rejected=rejected))
    return out


def store(
    con: duckdb.DuckDBPyConnection, source: str, files: dict[str, tuple[str, list[FileLoad]]]
) -> None:
    """Remember every file of `source` (in the extract's transaction: a failed source leaves the
    previous digests with the previous rows)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (source VARCHAR, file VARCHAR, digest VARCHAR, "
        '"table" VARCHAR, rows_read BIGINT, rejected BIGINT)'
    )
    con.execute(f"DELETE FROM {TABLE} WHERE source = ?", [source])
    rows: list[tuple[str, str, str, str | None, int, int]] = [
        (source, file, digest, x.table, x.rows_read, x.rejected)
        for file, (digest, loads) in files.items()
        for x in loads
    ]
    rows += [
        (source, file, digest, None, 0, 0) for file, (digest, loads) in files.items() if not loads
    ]
    frame = pl.DataFrame(rows, schema=COLUMNS, orient="row")
    con.register("_cda_files", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {TABLE} SELECT * FROM _cda_files")
    finally:
        con.unregister("_cda_files")
