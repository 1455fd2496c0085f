"""What a table of a file source was read from, as one digest, so that an incremental run reads
again only the tables whose files changed.

The digest covers the bytes of every file the table is read from (and the names of the expected
files that are missing), the source's settings and mapping as loaded (sources.toml and the
mapping file with its overlays), and the code that reads files. When it equals the digest stored
by the last run that read the table, a read would give the rows raw already holds, with the same
contract findings: the table is not read again, its findings and file counts are the stored
ones, every row's extraction time is set (the files were checked), and the mapping leaves its
rows as they are (mode "unchanged"). A file changed by one byte, renamed, added or withdrawn, an
edited mapping or a new version of the reader: the table is read whole, as before. A full run
(`rrc etl run --full`) starts from an empty warehouse and reads everything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Finding
from rrc.duck import has_table

TABLE = "meta.file_fingerprint"
# the modules whose behaviour decides what a file's rows and findings are
READERS = ("files.py", "records.py", "encoding.py", "keys.py", "columns.py")
PIPELINES = Path(__file__).resolve().parents[1]


@cache
def _code() -> bytes:
    h = hashlib.sha256()
    for path in [*(PIPELINES / "extract" / n for n in READERS), PIPELINES / "contract.py"]:
        h.update(path.read_bytes())
    h.update((PIPELINES / "raw.py").read_bytes())
    return h.digest()


def digest(source: Source, spec: TableSpec, present: list[Path], missing: list[str]) -> str:
    """The digest of what table `spec` of `source` would be read from."""
    h = hashlib.sha256(_code())
    h.update(repr(source).encode())
    h.update(f"\0table\0{spec.name}".encode())
    for path in sorted(present):
        h.update(f"\0file\0{path.name}\0".encode())
        with path.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    for name in sorted(missing):
        h.update(f"\0missing\0{name}".encode())
    return h.hexdigest()


def stored(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, raw.TableLoad]]:
    """Per table of `source`: the digest the last run read it from, and what that read gave."""
    if not has_table(con, TABLE):
        return {}
    rows = con.execute(
        f'SELECT "table", digest, load FROM {TABLE} WHERE source = ?', [source]
    ).fetchall()
    return {table: (digest_, _load(json.loads(text))) for table, digest_, text in rows}


def store(con: duckdb.DuckDBPyConnection, load: raw.TableLoad, digest_: str) -> None:
    """Remember what `load` was read from (in the extract's transaction: a failed source leaves
    the previous digests with the previous rows)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(
        f'CREATE TABLE IF NOT EXISTS {TABLE} (source VARCHAR, "table" VARCHAR, digest VARCHAR, '
        "load VARCHAR)"
    )
    con.execute(f'DELETE FROM {TABLE} WHERE source = ? AND "table" = ?', [load.source, load.table])
    record = asdict(load) | {"seconds": 0.0, "warnings": []}
    con.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)",
        [load.source, load.table, digest_, json.dumps(record, ensure_ascii=False)],
    )


def unchanged(
    con: duckdb.DuckDBPyConnection, previous: raw.TableLoad, extracted_at: datetime
) -> raw.TableLoad:
    """The load of a table whose files did not change: the last read's counts, files and
    findings, its raw rows as they are (their extraction time set)."""
    con.execute(
        f"UPDATE {raw.raw_name(previous.source, previous.table)} SET _extracted_at = ?",
        [extracted_at],
    )
    load = _load(asdict(previous))
    load.mode = "unchanged"
    load.extracted = raw.count(con, previous.source, previous.table)
    load.warnings = [f.message for f in load.findings if f.flags]
    return load


def _load(record: dict[str, object]) -> raw.TableLoad:
    findings = [Finding(**f) for f in record.pop("findings")]  # type: ignore[attr-defined]
    files = [FileLoad(**f) for f in record.pop("files")]  # type: ignore[attr-defined]
    return raw.TableLoad(**record, findings=findings, files=files)  # type: ignore[arg-type]
