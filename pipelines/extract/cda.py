"""Extract HL7 CDA R2 documents (CI-SIS Fiche RCP and PPS) into the raw layer with lxml.

A CDA source is a folder (or a zip) of XML files. Each file is read as a stream
(`lxml.etree.iterparse`): every `ClinicalDocument` in it, wherever it sits (an "autoprésentable"
document wraps it in its own stylesheet), is evaluated and then freed, so that memory holds one
document at a time and rows are written to DuckDB in batches.

The mapping (`config/mappings/frcp_cda.toml`) says everything, as data:

- a table reads the documents of one model (`document`, a templateId root); without `record`
  it is one row per document, with `record` (an XPath from the document) one row per node;
- `[tables.<t>.paths]`: one XPath 1.0 per column, from the record (or the document), `$doc`
  being the document; a list of XPaths joins what they find with `^` (an HL7 id root^extension);
  a nullFlavor leaves the attribute absent: the value is "not recorded" (NULL), not an error;
- `[tables.<t>.valuesets]`: the value set (`config/vocabulary/cda/`) a column's code must be in;
- `[[tables.<t>.rules]]`: conformance rules (an XPath that must hold, and the French message);
  a document that breaks one is quarantined with it, its records too;
- `frozen`: the document status codes that freeze a version: a later version of it is refused.

A document of no declared model, or a file that is not well-formed XML, lands in the first
document table with the reason, so that it is quarantined and counted like any other row.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

import duckdb
import polars as pl
from lxml import etree

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Violations
from pipelines.extract import valuesets
from pipelines.raw import quote
from rrc.errors import ConfigError, SourceError

HL7 = "urn:hl7-org:v3"
NS = {"hl7": HL7, "xsi": "http://www.w3.org/2001/XMLSchema-instance", "sdtc": "urn:hl7-org:sdtc"}
DOCUMENT = f"{{{HL7}}}ClinicalDocument"
BATCH = 2000  # documents between two writes to DuckDB
TEMPLATES = etree.XPath("hl7:templateId/@root", namespaces=NS)


@dataclass
class Document:
    file: str
    number: int  # the document's rank in its file (1 for a file of one document)
    element: Any = None  # the ClinicalDocument, or None when the file could not be read
    error: str | None = None


def _members(
    source: Source,
) -> Iterator[tuple[str, Callable[[], AbstractContextManager[IO[bytes]]]]]:
    """(name, opener) of every XML file of the folder or zip, in name order."""
    path = source.path or Path()
    pattern = source.pattern or "*.xml"
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(
                n for n in archive.namelist() if not n.endswith("/") and Path(n).match(pattern)
            )
            for n in names:
                yield f"{path.name}!{n}", lambda n=n: archive.open(n)  # type: ignore[misc]
        return
    if not path.is_dir():
        raise SourceError(
            f"{path} is neither a folder nor a zip of CDA documents",
            source=source.name,
            hint="check `path` in sources.toml",
        )
    for p in sorted(path.rglob(pattern)):
        if p.is_file():
            yield p.relative_to(path).as_posix(), lambda p=p: p.open("rb")  # type: ignore[misc]


def documents(source: Source) -> Iterator[Document]:
    """Every ClinicalDocument of the source, one at a time (freed once the caller moves on)."""
    for name, opener in _members(source):
        number = 0
        try:
            with opener() as fh:
                for _event, element in etree.iterparse(
                    fh,
                    events=("end",),
                    tag=DOCUMENT,
                    resolve_entities=False,
                    no_network=True,
                    remove_comments=True,
                ):
                    number += 1
                    yield Document(name, number, element)
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    while parent is not None and element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            line = f" (ligne {exc.lineno})" if exc.lineno else ""
            yield Document(name, number + 1, error=f"XML mal formé : {exc.msg}{line}")
            continue
        except (OSError, zipfile.BadZipFile, zlib.error) as exc:  # unreadable, or a bad member
            yield Document(name, number + 1, error=f"fichier illisible : {exc}")
            continue
        if number == 0:
            yield Document(
                name, 1, error="aucun ClinicalDocument HL7 CDA (urn:hl7-org:v3) dans le fichier"
            )


def text(result: Any) -> str | None:
    """An XPath result as text: the first node (an element's text, an attribute's value), a
    string, a number or a boolean; blank is None."""
    if isinstance(result, list):
        if not result:
            return None
        result = result[0]
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        if result != result:  # NaN: number() of nothing
            return None
        return str(int(result)) if result.is_integer() else repr(result)
    if isinstance(result, etree._Element):
        result = "".join(str(t) for t in result.itertext())
    value = " ".join(str(result).split())
    return value or None


def _holds(result: Any) -> bool:
    """An XPath test: true, a non-empty string or number, or nodes (an empty element counts;
    an attribute must not be blank)."""
    if isinstance(result, bool):
        return result
    if isinstance(result, list):
        return any(not isinstance(r, str) or r.strip() for r in result)
    return text(result) is not None


def _xpath(expr: str, where: str) -> etree.XPath:
    try:
        return etree.XPath(expr, namespaces=NS)
    except etree.XPathSyntaxError as exc:
        raise ConfigError(f"{where}: XPath {expr!r} is not valid: {exc}") from exc


@dataclass
class _Table:
    """One table of the mapping, compiled: its XPaths, value sets and rules."""

    spec: TableSpec
    where: str
    record: etree.XPath | None = None
    paths: dict[str, list[etree.XPath]] = field(default_factory=dict)
    valuesets: dict[str, valuesets.ValueSet] = field(default_factory=dict)
    rules: list[tuple[str, etree.XPath, str]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    @classmethod
    def compile(cls, spec: TableSpec, mapping: Path) -> _Table:
        where = f"{mapping.name}, table {spec.name}"
        t = cls(spec, where)
        if spec.record:
            t.record = _xpath(spec.record, f"{where}, record")
        for col, p in (spec.paths or {}).items():
            t.paths[col] = [
                _xpath(x, f"{where}, column {col}") for x in ([p] if isinstance(p, str) else p)
            ]
        for col, name in spec.valuesets.items():
            if col not in t.paths:
                raise ConfigError(f"{where}: value set for {col!r}, which has no path")
            t.valuesets[col] = valuesets.load(name, mapping.parent.parent)
        for rule in spec.rules:
            missing = {"name", "test", "message"} - set(rule)
            if missing:
                raise ConfigError(f"{where}: a rule lacks {', '.join(sorted(missing))}")
            t.rules.append(
                (
                    rule["name"],
                    _xpath(rule["test"], f"{where}, rule {rule['name']}"),
                    rule["message"],
                )
            )
        return t

    def values(
        self, node: Any, doc: Any, known: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """The row of one record (or document); `known` holds the columns already read from
        the document (the same for each of its records)."""
        row: dict[str, Any] = {}
        reasons = []
        for col, xpaths in self.paths.items():
            if known is not None and col in known:
                row[col] = known[col]
                continue
            parts = [text(x(node, doc=doc)) for x in xpaths]
            found = [p for p in parts if p is not None]
            row[col] = "^".join(found) if found else None
            if col in self.valuesets and (why := self.valuesets[col].check(col, row[col])):
                reasons.append(why)
        return row, reasons

    def of_document(self, doc: Any) -> dict[str, Any]:
        """The columns whose every XPath starts from `$doc`: read once per document."""
        out = {}
        for col in self.constant:
            found = [t for x in self.paths[col] if (t := text(x(doc, doc=doc))) is not None]
            out[col] = "^".join(found) if found else None
        return out

    @cached_property
    def constant(self) -> list[str]:
        return [
            col
            for col, xpaths in self.paths.items()
            if col not in self.valuesets and all(x.path.startswith("$doc") for x in xpaths)
        ]

    def broken(self, doc: Any) -> list[str]:
        """The conformance rules the document breaks, in French."""
        return [
            f"règle {n} : {message}"
            for n, test, message in self.rules
            if not _holds(test(doc, doc=doc))
        ]

    def add(self, doc: Document, row: dict[str, Any], reasons: list[str]) -> None:
        row.update(_file=doc.file, _row=doc.number, _reject="; ".join(reasons) or None)
        self.rows.append(row)

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.rows and self.written:
            return
        schema = {
            **dict.fromkeys(self.paths, pl.String),
            "_file": pl.String,
            "_row": pl.Int64,
            raw.REJECT: pl.String,
        }
        frame = pl.DataFrame(self.rows, schema=schema, orient="row")
        con.register("_cda_rows", frame.to_arrow())
        try:
            if self.written:
                con.execute(f"INSERT INTO {self.temp} SELECT * FROM _cda_rows")
            else:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {self.temp} AS SELECT * FROM _cda_rows")
        finally:
            con.unregister("_cda_rows")
        self.rows.clear()
        self.written = True

    @property
    def temp(self) -> str:
        return quote(f"_cda__{self.spec.name}")


def _read_all(
    con: duckdb.DuckDBPyConnection, source: Source, tables: list[_Table]
) -> list[FileLoad]:
    """Evaluate every document against the tables of its model; what each file held."""
    heads = [t for t in tables if t.record is None]
    if not heads:
        raise ConfigError(
            f"{source.mapping.path.name}: no table without `record` (one row per document)"
        )
    models = {t.spec.document for t in heads}
    expected = ", ".join(f"{t.spec.document} ({t.spec.name})" for t in heads)
    files: dict[tuple[str, str], FileLoad] = {}

    def counted(doc: Document, table: str, rejected: bool) -> None:
        load = files.setdefault((doc.file, table), FileLoad(source.name, table, doc.file))
        load.rows_read += 1
        load.rejected += rejected

    for i, doc in enumerate(documents(source), start=1):
        found = TEMPLATES(doc.element) if doc.element is not None else []
        templates = {str(r) for r in cast(list[Any], found)}
        if doc.error or not templates & models:
            reason = doc.error or (
                "règle modele : modèle de document non reconnu (templateId "
                f"{', '.join(sorted(templates)) or 'absent'}) ; attendu : {expected}"
            )
            row: dict[str, Any] = dict.fromkeys(heads[0].paths)
            if doc.element is not None:
                row, _ = heads[0].values(doc.element, doc.element)
            heads[0].add(doc, row, [reason])
            counted(doc, heads[0].spec.name, True)
            continue
        for head in (t for t in heads if t.spec.document in templates):
            row, reasons = head.values(doc.element, doc.element)
            broken = head.broken(doc.element)
            head.add(doc, row, broken + reasons)
            counted(doc, head.spec.name, bool(broken or reasons))
            inherited = [f"document en quarantaine ({'; '.join(broken)})"] if broken else []
            for t in tables:
                if t.record is None or t.spec.document != head.spec.document:
                    continue
                nodes = cast(list[Any], t.record(doc.element, doc=doc.element))
                known = t.of_document(doc.element) if nodes else {}
                for node in nodes:
                    values, why = t.values(node, doc.element, known)
                    t.add(doc, values, inherited + why)
        if i % BATCH == 0:
            for t in tables:
                t.flush(con)
    for t in tables:
        t.flush(con)
    return list(files.values())


def _versions(
    con: duckdb.DuckDBPyConnection, source: Source, tables: list[_Table], v: dict[str, Violations]
) -> None:
    """Across documents: a setId + version held twice is quarantined; a version that follows a
    frozen (validated) one is refused with the rule; older versions are counted as superseded."""
    for t in tables:
        if t.record is not None or len(t.spec.key) != 2:
            continue
        target = raw.raw_name(source.name, t.spec.name)
        set_id, version = (quote(k) for k in t.spec.key)
        ok = f"{quote(raw.REJECT)} IS NULL"
        dups = con.execute(
            f"SELECT count(*) FROM (SELECT {set_id}, {version} FROM {target} WHERE {ok} AND "
            f"{set_id} IS NOT NULL GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()
        if dups and dups[0]:
            con.execute(
                f"UPDATE {target} t SET {quote(raw.REJECT)} = 'règle version_unique : setId ' || "
                f"t.{set_id} || ' version ' || t.{version} || ' présent dans ' || d.n || "
                f"' documents' FROM (SELECT {set_id}, {version}, count(*) AS n FROM {target} "
                f"WHERE {ok} GROUP BY ALL HAVING count(*) > 1) d "
                f"WHERE t.{set_id} = d.{set_id} AND t.{version} = d.{version}"
            )
            v[t.spec.name](
                "duplicate_key",
                int(dups[0]),
                f"{dups[0]} setId + version(s) held by two or more documents: quarantined",
            )
        if t.spec.frozen:
            column = quote(t.spec.frozen["column"])
            codes = [str(c) for c in t.spec.frozen["values"]]
            marks = ", ".join("?" for _ in codes)
            con.execute(
                f"UPDATE {target} t SET {quote(raw.REJECT)} = 'règle version_figee : la version ' "
                f"|| t.{version} || ' suit la version ' || f.v || ' validée (figée) du document ' "
                f"|| t.{set_id} || ' : une nouvelle discussion demande une nouvelle fiche' "
                f"FROM (SELECT {set_id}, min(TRY_CAST({version} AS BIGINT)) AS v FROM {target} "
                f"WHERE {ok} AND {column} IN ({marks}) GROUP BY ALL) f "
                f"WHERE t.{set_id} = f.{set_id} AND TRY_CAST(t.{version} AS BIGINT) > f.v "
                f"AND t.{quote(raw.REJECT)} IS NULL",
                codes,
            )
        superseded = con.execute(
            f"SELECT count(*) FROM {target} t WHERE {ok} AND EXISTS (SELECT 1 FROM {target} n "
            f"WHERE n.{set_id} = t.{set_id} AND n.{quote(raw.REJECT)} IS NULL AND "
            f"TRY_CAST(n.{version} AS BIGINT) > TRY_CAST(t.{version} AS BIGINT))"
        ).fetchone()
        if superseded and superseded[0]:
            v[t.spec.name](
                "superseded",
                int(superseded[0]),
                f"{superseded[0]} document(s) remplacé(s) par une version plus récente du même "
                "setId (gardés dans l'historique des versions)",
                done="loaded",
            )
        _inherit(con, source, t, tables)


def _inherit(
    con: duckdb.DuckDBPyConnection, source: Source, head: _Table, tables: list[_Table]
) -> None:
    """Records of a document quarantined across documents (a duplicate, a frozen version) follow
    it to the quarantine."""
    target = raw.raw_name(source.name, head.spec.name)
    for t in tables:
        if t.record is None or t.spec.document != head.spec.document:
            continue
        if not set(head.spec.key) <= set(t.paths):
            continue
        on = " AND ".join(f"r.{quote(k)} = h.{quote(k)}" for k in head.spec.key)
        con.execute(
            f"UPDATE {raw.raw_name(source.name, t.spec.name)} r SET {quote(raw.REJECT)} = "
            f"'document en quarantaine (' || h.{quote(raw.REJECT)} || ')' FROM {target} h "
            f"WHERE {on} AND h.{quote(raw.REJECT)} LIKE 'règle version_%' "
            f"AND r.{quote(raw.REJECT)} IS NULL"
        )


def extract(
    con: duckdb.DuckDBPyConnection, source: Source, *, load_id: str, **_ignored: object
) -> list[raw.TableLoad]:
    """Read every document of the source and replace its raw tables (re-read in full each run)."""
    started = time.perf_counter()
    now = datetime.now().replace(microsecond=0)
    tables = [_Table.compile(spec, source.mapping.path) for spec in source.mapping.tables.values()]
    loads = {t.spec.name: raw.TableLoad(source.name, t.spec.name) for t in tables}
    v = {
        name: Violations(source.name, name, source.mapping.contract, load.findings)
        for name, load in loads.items()
    }
    with raw.atomic(con):
        files = _read_all(con, source, tables)
        for t in tables:
            loads[t.spec.name].extracted = raw.replace(
                con, source.name, t.spec.name, f"SELECT * FROM {t.temp}", load_id, now
            )
            loads[t.spec.name].read = loads[t.spec.name].extracted
            con.execute(f"DROP TABLE {t.temp}")
        _versions(con, source, tables, v)
    for f in files:
        loads[f.table].files.append(f)
    for load in loads.values():
        load.warnings += [f.message for f in load.findings if f.flags]
        load.seconds = time.perf_counter() - started
    return list(loads.values())
