"""Extract HL7 CDA R2 documents (CI-SIS Fiche RCP and PPS) into the raw layer with lxml.

A CDA source is a folder (subfolders and the zips in it included) or a zip of XML files. Each
file is parsed whole when it is small (a document is tens of kB) and streamed otherwise
(`lxml.etree.iterparse`); every `ClinicalDocument` in it, wherever it sits (an "autoprésentable"
document wraps it in its own stylesheet), is evaluated and then freed, so that memory holds one
file at a time and rows are written to DuckDB in batches.

The mapping (`config/mappings/frcp_cda.toml`) says everything, as data:

- a table reads the documents of one model (`document`, a templateId root); without `record`
  it is one row per document, with `record` (an XPath from the document) one row per node;
- `[tables.<t>.paths]`: one XPath 1.0 per column, from the record (or the document), `$doc`
  being the document; a list of XPaths joins what they find with `^` (an HL7 id root^extension);
  a nullFlavor leaves the attribute absent: the value is "not recorded" (NULL), not an error;
- `[tables.<t>.let]` (on the table of one row per document): named XPaths evaluated once per
  document, `$name` in the paths and rules of every table of that model;
- `[tables.<t>.valuesets]`: the value set (`config/vocabulary/cda/`) a column's code must be in;
- `[[tables.<t>.rules]]`: conformance rules (an XPath that must hold, and the French message);
  a document that breaks one is quarantined with it, its records too;
- `frozen`: the document status codes that freeze a version: a later version of it is refused.

Every table of one model is compiled into a single XSLT (libxslt, through lxml): one call per
document evaluates all its XPaths in C and writes one tab-separated line per row; the lines of a
batch of documents are then split, checked against the value sets and the rules, and written to
DuckDB by polars, column by column. A value is the string value of the first node an XPath
finds (or its string, number or boolean), its white space collapsed.

A document of no declared model, or a file that is not well-formed XML, lands in the first
document table with the reason, so that it is quarantined and counted like any other row.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast
from xml.sax.saxutils import quoteattr

import duckdb
import numpy as np
import polars as pl
from lxml import etree

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import FileLoad, Violations
from pipelines.extract import cda_files, fingerprint, valuesets
from pipelines.raw import quote
from rrc.errors import ConfigError, SourceError

HL7 = "urn:hl7-org:v3"
NS = {"hl7": HL7, "xsi": "http://www.w3.org/2001/XMLSchema-instance", "sdtc": "urn:hl7-org:sdtc"}
DOCUMENT = f"{{{HL7}}}ClinicalDocument"
TEMPLATE_ID = f"{{{HL7}}}templateId"
BATCH = 2000  # documents between two writes to DuckDB
WHOLE = 16 * 2**20  # files up to this size are parsed whole, larger ones streamed
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


@dataclass
class Document:
    file: str
    number: int  # the document's rank in its file (1 for a file of one document)
    element: Any = None  # the ClinicalDocument, or None when the file could not be read
    error: str | None = None


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


# the submission set's metadata of an IHE XDM package (how MSSanté carries documents: a zip of
# IHE_XDM/SUBSET01/DOC0001.XML..., with METADATA.XML beside them): not a document, skipped
XDM_METADATA = re.compile(r"(^|/)IHE_XDM/[^/]+/METADATA\.XML$", re.IGNORECASE)


def _matches(name: str, pattern: str) -> bool:
    """`Path(name).match(pattern)` (a pattern matched from the right), regardless of case
    (`DOC0001.XML` is an XML file: IHE XDM writes its names in capitals), without building a
    Path for each of a zip's members when the pattern is one name (a third of listing 100,000);
    an XDM package's METADATA.XML never matches."""
    if XDM_METADATA.search(name):
        return False
    if "/" in pattern:
        return PurePosixPath(name.lower()).match(pattern.lower())
    return fnmatch.fnmatchcase(name.rsplit("/", 1)[-1].lower(), pattern.lower())


# a file of the source: its name, how to open it, its size, and the digest of its content
Member = tuple[str, Opener, int, str]


def _archive(path: Path | IO[bytes], label: str, pattern: str) -> Iterator[Member]:
    """The members of a zip that `pattern` selects, and those of the zips in it (a month of
    MSSanté messages zipped together: a zip of XDM zips), each opened as it is read."""
    with zipfile.ZipFile(path) as archive:
        infos = sorted(
            (
                i
                for i in archive.infolist()
                if not i.is_dir()
                and (_nested(i.filename, pattern) or _matches(i.filename, pattern))
            ),
            key=lambda i: i.filename,
        )
        for i in infos:
            name = f"{label}!{i.filename}"
            if _nested(i.filename, pattern):
                yield from _inner(archive, i, name, pattern)
                continue
            digest = cda_files.member_digest(i.CRC, i.file_size)
            yield name, lambda i=i: archive.open(i), i.file_size, digest  # type: ignore[misc]


def _nested(name: str, pattern: str) -> bool:
    """Whether a file is a zip to open (a `.zip` that the pattern does not select itself)."""
    return name.lower().endswith(".zip") and not _matches(name, pattern)


def _unreadable(name: str) -> Opener:
    """The opener of a `.zip` that is no zip: reading it fails, so that it is quarantined."""

    def fail() -> AbstractContextManager[IO[bytes]]:
        raise zipfile.BadZipFile(f"{name} n'est pas une archive zip lisible")

    return fail


def _inner(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, pattern: str
) -> Iterator[Member]:
    """The members of a zip inside a zip, read from a temporary copy (spilled to disk past
    16 MB); one that is no zip is a file that cannot be read, quarantined as such."""
    with tempfile.SpooledTemporaryFile(max_size=WHOLE) as copy:
        try:
            with archive.open(info) as fh:
                shutil.copyfileobj(fh, copy)
            copy.seek(0)
            readable = zipfile.is_zipfile(copy)
        except (OSError, zipfile.BadZipFile, zlib.error):  # damaged in the outer zip
            readable = False
        if not readable:
            digest = cda_files.member_digest(info.CRC, info.file_size)
            yield name, _unreadable(info.filename), info.file_size, digest
            return
        copy.seek(0)
        yield from _archive(cast(IO[bytes], copy), name, pattern)


def _members(source: Source) -> Iterator[Member]:
    """(name, opener, size, digest) of every XML file of the folder (and of its zips) or of the
    zip, in name order."""
    path = source.path or Path()
    pattern = source.pattern or "*.xml"
    if path.is_file() and zipfile.is_zipfile(path):
        yield from _archive(path, path.name, pattern)
        return
    if not path.is_dir():
        raise SourceError(
            f"{path} is neither a folder nor a zip of CDA documents",
            source=source.name,
            hint="check `path` in sources.toml",
        )
    for p in sorted(path.rglob("*")):
        if not p.is_file():
            continue
        label = p.relative_to(path).as_posix()
        if _nested(label, pattern):
            if zipfile.is_zipfile(p):
                yield from _archive(p, label, pattern)
            else:  # a damaged zip: quarantined as a file that cannot be read, not passed over
                yield label, _unreadable(p.name), p.stat().st_size, cda_files.file_digest(p)
        elif _matches(label, pattern):
            yield label, lambda p=p: p.open("rb"), p.stat().st_size, cda_files.file_digest(p)  # type: ignore[misc]


def _whole(fh: IO[bytes]) -> list[Any]:
    root = etree.fromstring(fh.read(), PARSER)
    return [root] if root.tag == DOCUMENT else list(root.iter(DOCUMENT))


def documents(
    source: Source, wanted: Callable[[str, str], bool] | None = None
) -> Iterator[Document]:
    """Every ClinicalDocument of the source, one at a time (freed once the caller moves on);
    `wanted(name, digest)`: whether a file is read (all of them when None)."""
    for name, opener, size, digest in _members(source):
        if wanted is not None and not wanted(name, digest):
            continue
        number = 0
        try:
            with opener() as fh:
                if size <= WHOLE:
                    for element in _whole(fh):
                        number += 1
                        yield Document(name, number, element)
                else:
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


def _xpath(expr: str, where: str) -> etree.XPath:
    try:
        return etree.XPath(expr, namespaces=NS)
    except etree.XPathSyntaxError as exc:
        raise ConfigError(f"{where}: XPath {expr!r} is not valid: {exc}") from exc


@dataclass
class _Table:
    """One table of the mapping, checked: its XPaths, value sets and rules."""

    spec: TableSpec
    where: str
    paths: dict[str, list[str]] = field(default_factory=dict)
    valuesets: dict[str, valuesets.ValueSet] = field(default_factory=dict)
    rules: list[tuple[str, str, str]] = field(default_factory=list)  # name, test, message
    index: int = 0  # its number in the lines of its model's stylesheet
    written: bool = False

    @classmethod
    def compile(cls, spec: TableSpec, mapping: Path) -> _Table:
        where = f"{mapping.name}, table {spec.name}"
        t = cls(spec, where)
        if spec.record:
            _xpath(spec.record, f"{where}, record")
        for name, expr in spec.let.items():
            _xpath(expr, f"{where}, let {name}")
        for col, p in (spec.paths or {}).items():
            t.paths[col] = [p] if isinstance(p, str) else list(p)
            for x in t.paths[col]:
                _xpath(x, f"{where}, column {col}")
        for col, name in spec.valuesets.items():
            if col not in t.paths:
                raise ConfigError(f"{where}: value set for {col!r}, which has no path")
            t.valuesets[col] = valuesets.load(name, mapping.parent.parent)
        for rule in spec.rules:
            missing = {"name", "test", "message"} - set(rule)
            if missing:
                raise ConfigError(f"{where}: a rule lacks {', '.join(sorted(missing))}")
            _xpath(rule["test"], f"{where}, rule {rule['name']}")
            t.rules.append((rule["name"], rule["test"], rule["message"]))
        return t

    @property
    def fields(self) -> int:
        """Tab-separated fields of one of its lines, after the table's tag."""
        return sum(len(x) for x in self.paths.values()) + len(self.rules)

    @property
    def temp(self) -> str:
        return quote(f"_cda__{self.spec.name}")


def _node_set(expr: str, lets: dict[str, str]) -> bool:
    """Whether an XPath gives nodes (rather than a boolean, number or string): evaluated once
    on an empty document, every variable bound to no node."""
    empty = etree.fromstring(f'<ClinicalDocument xmlns="{HL7}"/>')
    bound: dict[str, Any] = {name: [] for name in ("doc", *lets)}
    return isinstance(etree.XPath(expr, namespaces=NS)(empty, **bound), list)


@dataclass
class _Model:
    """The tables of one document model (head first) and the stylesheet that reads them."""

    template: str
    tables: list[_Table]
    transform: etree.XSLT

    @classmethod
    def build(cls, head: _Table, records: list[_Table], mapping: Path) -> _Model:
        tables = [head, *records]
        for i, t in enumerate(tables):
            t.index = i
        lets = head.spec.let
        out = [
            '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"',
            *(f" xmlns:{p}={quoteattr(u)}" for p, u in NS.items()),
            '><xsl:output method="text" encoding="UTF-8"/>',
            '<xsl:template match="/"><xsl:for-each select="*">',
            '<xsl:variable name="doc" select="."/>',
        ]
        out += [f'<xsl:variable name="{n}" select={quoteattr(x)}/>' for n, x in lets.items()]
        tab = "<xsl:text>&#9;</xsl:text>"
        for t in tables:
            # columns of a record table read from the document alone: once per document
            constant = {
                (col, i): f"c{t.index}_{col}_{i}"
                for col, xs in t.paths.items()
                for i, x in enumerate(xs)
                if t.spec.record and x.startswith("$doc")
            }
            out += [
                f'<xsl:variable name="{v}" select={quoteattr(f"normalize-space({xs})")}/>'
                for (col, i), v in constant.items()
                for xs in [t.paths[col][i]]
            ]
            if t.spec.record:
                out.append(f"<xsl:for-each select={quoteattr(t.spec.record)}>")
            out.append(f"<xsl:text>T{t.index}</xsl:text>")
            for col, xs in t.paths.items():
                for i, x in enumerate(xs):
                    value = (
                        f"${constant[col, i]}" if (col, i) in constant else f"normalize-space({x})"
                    )
                    out.append(f"{tab}<xsl:value-of select={quoteattr(value)}/>")
            for _name, test, _message in t.rules:
                held = f"({test})[self::* or normalize-space(.)]" if _node_set(test, lets) else test
                out.append(f"{tab}<xsl:if test={quoteattr(held)}>1</xsl:if>")
            out.append("<xsl:text>&#10;</xsl:text>")
            if t.spec.record:
                out.append("</xsl:for-each>")
        out.append("</xsl:for-each></xsl:template></xsl:stylesheet>")
        text = "".join(out)
        try:
            transform = etree.XSLT(etree.fromstring(text.encode("utf-8")))
        except (etree.XSLTParseError, etree.XMLSyntaxError) as exc:
            raise ConfigError(
                f"{mapping.name}, tables of {head.spec.document}: the XPaths do not compile "
                f"together ({exc}); a `$name` must be declared in [tables.{head.spec.name}.let]"
            ) from exc
        return cls(cast(str, head.spec.document), tables, transform)


def compile_mapping(source: Source) -> tuple[list[_Table], list[_Model]]:
    """The mapping's tables, checked, and one stylesheet per document model."""
    path = source.mapping.path
    tables = [_Table.compile(spec, path) for spec in source.mapping.tables.values()]
    heads = [t for t in tables if t.spec.record is None]
    if not heads:
        raise ConfigError(f"{path.name}: no table without `record` (one row per document)")
    models = []
    for head in heads:
        records = [t for t in tables if t.spec.record and t.spec.document == head.spec.document]
        _check_variables(head, records)
        models.append(_Model.build(head, records, path))
    return tables, models


VARIABLE = re.compile(r"\$([A-Za-z_][\w.-]*)")


def _check_variables(head: _Table, records: list[_Table]) -> None:
    """Every `$name` of a model's XPaths is `$doc` or a let of its table of one row per
    document (declared before it, for a let)."""
    known = {"doc"}
    for name, expr in head.spec.let.items():
        _known(expr, known, f"{head.where}, let {name}", head)
        known.add(name)
    for t in (head, *records):
        if t.spec.record:
            _known(t.spec.record, known, f"{t.where}, record", head)
        for col, xs in t.paths.items():
            for x in xs:
                _known(x, known, f"{t.where}, column {col}", head)
        for name, test, _message in t.rules:
            _known(test, known, f"{t.where}, rule {name}", head)


def _known(expr: str, known: set[str], where: str, head: _Table) -> None:
    unknown = sorted(set(VARIABLE.findall(expr)) - known)
    if unknown:
        raise ConfigError(
            f"{where}: ${', $'.join(unknown)} must be declared in [tables.{head.spec.name}.let] "
            "(before the lets that use it)",
            hint=f"declared: ${', $'.join(sorted(known))}",
        )


def _clean(column: pl.Expr) -> pl.Expr:
    """White space collapsed (Unicode's, as Python's str.split); blank or NaN is NULL."""
    text = column.str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when((text == "") | (text == "NaN")).then(None).otherwise(text)


def _reasons(parts: Sequence[pl.Expr]) -> pl.Expr:
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


class _Batch:
    """Documents evaluated but not yet written: their stylesheet output, by model."""

    def __init__(self, models: list[_Model]) -> None:
        self.models = models
        self.docs: list[tuple[str, int]] = []  # (file, number) of each document
        self.text: dict[str, list[str]] = {m.template: [] for m in models}
        self.owner: dict[str, list[int]] = {m.template: [] for m in models}
        self.lines: dict[str, list[int]] = {m.template: [] for m in models}
        self.forced: dict[int, str] = {}  # document -> its reason (another model, unreadable)
        self.empty: list[int] = []  # documents with nothing to read (unreadable files)

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, doc: Document) -> int:
        self.docs.append((doc.file, doc.number))
        return len(self.docs) - 1

    def evaluate(self, model: _Model, doc: Any, at: int) -> None:
        text = str(model.transform(doc))
        self.text[model.template].append(text)
        self.owner[model.template].append(at)
        self.lines[model.template].append(text.count("\n"))


def _lines(t: _Table, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """A table's lines of a batch split into its columns (and `_broken`, the rules the
    document breaks, for a table of one row per document), and the reasons of its codes
    outside their value sets."""
    rows = frame.filter(pl.col("line").str.starts_with(f"T{t.index}\t"))
    split = rows.select("_doc", pl.col("line").str.split_exact("\t", t.fields).alias("s")).unnest(
        "s"
    )
    n = 1  # field_0 is the table's tag
    columns: list[pl.Expr] = []
    for col, xs in t.paths.items():
        parts = [_clean(pl.col(f"field_{n + i}")) for i in range(len(xs))]
        n += len(xs)
        columns.append((parts[0] if len(parts) == 1 else _joined(parts)).alias(col))
    rules = [
        pl.when(pl.col(f"field_{n + i}") != "1").then(pl.lit(f"règle {name} : {message}"))
        for i, (name, _test, message) in enumerate(t.rules)
    ]
    table = split.select("_doc", *columns, *([_reasons(rules).alias("_broken")] if rules else []))
    coded: list[pl.Expr] = [
        pl.when(pl.col(col).is_not_null() & ~pl.col(col).is_in(list(vs.concepts))).then(
            pl.format(
                "{} : code « {} » absent du jeu de valeurs {} ({})",
                pl.lit(col),
                pl.col(col),
                pl.lit(vs.name),
                pl.lit(vs.oid),
            )
        )
        for col, vs in t.valuesets.items()
    ]
    return table, coded


def _frames(
    batch: _Batch, heads: list[_Table], loads: dict[tuple[str, str], FileLoad], source: str
) -> dict[str, pl.DataFrame]:
    """The rows of a batch, table by table, with their reasons; documents counted per file."""
    meta = pl.DataFrame(
        {
            "_doc": pl.Series(range(len(batch.docs)), dtype=pl.Int64),
            "_file": pl.Series([f for f, _ in batch.docs], dtype=pl.String),
            "_row": pl.Series([n for _, n in batch.docs], dtype=pl.Int64),
        }
    )
    forced = pl.DataFrame(
        {"_doc": list(batch.forced), "_forced": list(batch.forced.values())},
        schema={"_doc": pl.Int64, "_forced": pl.String},
    )
    out: dict[str, list[pl.DataFrame]] = {}
    for model in batch.models:
        lines = "".join(batch.text[model.template]).split("\n")[:-1]
        docs = np.repeat(
            np.asarray(batch.owner[model.template], dtype=np.int64),
            np.asarray(batch.lines[model.template], dtype=np.int64),
        )
        frame = pl.DataFrame(
            {"line": lines, "_doc": docs}, schema={"line": pl.String, "_doc": pl.Int64}
        )
        broken = None
        for t in model.tables:
            table, coded = _lines(t, frame)
            if t.index == 0:
                if "_broken" not in table.columns:
                    table = table.with_columns(_broken=pl.lit(None, pl.String))
                broken = table.select("_doc", "_broken")
                table = table.join(forced, on="_doc", how="left").with_columns(
                    pl.coalesce("_forced", _reasons([pl.col("_broken"), *coded])).alias(raw.REJECT)
                )
            else:
                assert broken is not None
                table = (
                    table.join(forced, on="_doc", how="anti")
                    .join(broken, on="_doc", how="left")
                    .with_columns(
                        _reasons(
                            [
                                pl.format("document en quarantaine ({})", pl.col("_broken")),
                                *coded,
                            ]
                        ).alias(raw.REJECT)
                    )
                )
            table = table.join(meta, on="_doc", how="left").sort("_doc", maintain_order=True)
            out.setdefault(t.spec.name, []).append(
                table.select(*t.paths, "_file", "_row", raw.REJECT)
            )
            if t.index == 0:
                _count(table, t.spec.name, loads, source)
    if batch.empty:
        head = heads[0]
        table = (
            pl.DataFrame({"_doc": batch.empty}, schema={"_doc": pl.Int64})
            .join(forced, on="_doc")
            .join(meta, on="_doc")
            .select(
                *(pl.lit(None, pl.String).alias(c) for c in head.paths),
                "_file",
                "_row",
                pl.col("_forced").alias(raw.REJECT),
            )
        )
        out.setdefault(head.spec.name, []).append(table)
        _count(table, head.spec.name, loads, source)
    return {name: pl.concat(frames) for name, frames in out.items()}


def _joined(parts: Sequence[pl.Expr]) -> pl.Expr:
    """What several XPaths of one column found, joined with ^ (an HL7 id root^extension)."""
    joined = pl.concat_str(parts, separator="^", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def _count(
    table: pl.DataFrame, name: str, loads: dict[tuple[str, str], FileLoad], source: str
) -> None:
    counts = table.group_by("_file", maintain_order=True).agg(
        read=pl.len(), rejected=pl.col(raw.REJECT).is_not_null().sum()
    )
    for file, read, rejected in counts.iter_rows():
        load = loads.setdefault((file, name), FileLoad(source, name, file))
        load.rows_read += read
        load.rejected += rejected


def _write(con: duckdb.DuckDBPyConnection, t: _Table, frame: pl.DataFrame | None) -> None:
    if frame is None:
        if t.written:
            return
        frame = pl.DataFrame(
            schema={
                **dict.fromkeys(t.paths, pl.String),
                "_file": pl.String,
                "_row": pl.Int64,
                raw.REJECT: pl.String,
            }
        )
    con.register("_cda_rows", frame.to_arrow())
    try:
        if t.written:
            con.execute(f"INSERT INTO {t.temp} SELECT * FROM _cda_rows")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {t.temp} AS SELECT * FROM _cda_rows")
    finally:
        con.unregister("_cda_rows")
    t.written = True


def _read_all(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    tables: list[_Table],
    models: list[_Model],
    wanted: Callable[[str, str], bool] | None = None,
) -> list[FileLoad]:
    """Evaluate every document (of the files `wanted`) against the tables of its model; what
    each file held."""
    heads = [m.tables[0] for m in models]
    by_template = {m.template: m for m in models}
    expected = ", ".join(f"{t.spec.document} ({t.spec.name})" for t in heads)
    loads: dict[tuple[str, str], FileLoad] = {}
    batch = _Batch(models)

    def flush() -> None:
        nonlocal batch
        frames = _frames(batch, heads, loads, source.name)
        for t in tables:
            _write(con, t, frames.get(t.spec.name))
        batch = _Batch(models)

    for doc in documents(source, wanted):
        at = batch.add(doc)
        if doc.element is None:
            batch.forced[at] = cast(str, doc.error)
            batch.empty.append(at)
        else:
            templates = [t.get("root") for t in doc.element.iterchildren(TEMPLATE_ID)]
            matching = [by_template[r] for r in dict.fromkeys(templates) if r in by_template]
            if matching:
                for model in matching:
                    batch.evaluate(model, doc.element, at)
            else:
                # read as the first model (its identity, for the quarantine), and refused
                batch.forced[at] = (
                    "règle modele : modèle de document non reconnu (templateId "
                    f"{', '.join(sorted(r for r in templates if r)) or 'absent'}) ; "
                    f"attendu : {expected}"
                )
                batch.evaluate(models[0], doc.element, at)
        if len(batch) >= BATCH:
            flush()
    flush()
    return list(loads.values())


# the reasons drawn across documents (`_versions`), drawn again over all of them at each run
ACROSS = ("règle version_unique :", "règle version_figee :")
INHERITED = tuple(f"document en quarantaine ({a}" for a in ACROSS)
COPY = f"{raw.ASIDE}copie identique"  # a document read elsewhere too: set aside, not quarantined


def _versions(
    con: duckdb.DuckDBPyConnection, tables: list[_Table], v: dict[str, Violations]
) -> None:
    """Across documents (the rows of every file, in the tables' temporary relations): a setId +
    version held twice is quarantined; a version that follows a frozen (validated) one is
    refused with the rule; older versions are counted as superseded. A row quarantined for a
    reason of its own document keeps it."""
    for t in tables:
        if t.spec.record is not None or len(t.spec.key) != 2:
            continue
        target = t.temp
        set_id, version = (quote(k) for k in t.spec.key)
        ok = f"{quote(raw.REJECT)} IS NULL"
        copies = _copies(con, t, tables)
        if copies:
            v[t.spec.name](
                "copies",
                copies,
                f"{copies} document(s) identique(s) à un document lu ailleurs (même setId, "
                "version et contenu : un message envoyé de nouveau) : lus une fois, les copies "
                "écartées",
                done="skipped",
            )
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
                f"WHERE t.{set_id} = d.{set_id} AND t.{version} = d.{version} "
                f"AND t.{quote(raw.REJECT)} IS NULL"
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
        _inherit(con, t, tables)


def _copies(con: duckdb.DuckDBPyConnection, head: _Table, tables: list[_Table]) -> int:
    """Set aside the copies of a document (same setId and version, the same rows in every
    table of its model: a message sent again, a document both in a folder and in a package),
    keeping the first by file name; their records follow. Documents of one setId and version
    that differ are left to the duplicate rule. Returns the number of copies."""
    set_id, version = (quote(k) for k in head.spec.key)
    reject = quote(raw.REJECT)

    def digest(t: _Table) -> str:
        values = ", ".join(f"coalesce({quote(c)}, chr(0))" for c in t.paths)
        return f"md5(concat_ws(chr(31), {values}))"

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cda_docs AS SELECT _file, _row, {set_id} AS s, "
        f"{version} AS v, {digest(head)} AS h FROM {head.temp} "
        f"WHERE {reject} IS NULL AND {set_id} IS NOT NULL"
    )
    twice = con.execute(
        "SELECT count(*) FROM (SELECT s, v FROM _cda_docs GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    if not twice or not twice[0]:
        con.execute("DROP TABLE _cda_docs")
        return 0
    for t in _records(head, tables):  # each document's records, in the digest
        con.execute(
            f"UPDATE _cda_docs d SET h = md5(d.h || r.h) FROM (SELECT _file, {set_id} AS s, "
            f"{version} AS v, md5(string_agg({digest(t)}, ',' ORDER BY {digest(t)})) AS h "
            f"FROM {t.temp} GROUP BY ALL) r WHERE r._file = d._file AND r.s = d.s AND r.v = d.v"
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cda_copies AS SELECT _file, _row, s, v, first FROM "
        "(SELECT *, first_value(_file) OVER w AS first, row_number() OVER w AS n, "
        "count(DISTINCT h) OVER (PARTITION BY s, v) AS contents, "
        "count(*) OVER (PARTITION BY s, v) AS docs, "
        "count(DISTINCT _file) OVER (PARTITION BY s, v) AS files FROM _cda_docs "
        "WINDOW w AS (PARTITION BY s, v ORDER BY _file, _row)) "
        # one file holding the document twice: its records cannot be told apart by file, so
        # the group is left to the duplicate rule rather than set aside record by record
        "WHERE n > 1 AND contents = 1 AND files = docs"
    )
    con.execute(
        f"UPDATE {head.temp} t SET {reject} = '{COPY} de ' || c.first FROM _cda_copies c "
        f"WHERE t._file = c._file AND t._row = c._row"
    )
    for t in _records(head, tables):
        con.execute(
            f"UPDATE {t.temp} r SET {reject} = '{COPY} de ' || c.first FROM _cda_copies c "
            f"WHERE r._file = c._file AND r.{set_id} = c.s AND r.{version} = c.v"
        )
    (copies,) = con.execute("SELECT count(*) FROM _cda_copies").fetchone() or (0,)
    con.execute("DROP TABLE _cda_docs")
    con.execute("DROP TABLE _cda_copies")
    return int(copies)


def _records(head: _Table, tables: list[_Table]) -> list[_Table]:
    """The record tables of the head's document model that carry its key."""
    return [
        t
        for t in tables
        if t.spec.record is not None
        and t.spec.document == head.spec.document
        and set(head.spec.key) <= set(t.paths)
    ]


def _inherit(con: duckdb.DuckDBPyConnection, head: _Table, tables: list[_Table]) -> None:
    """Records of a document quarantined across documents (a duplicate, a frozen version) follow
    it to the quarantine."""
    for t in _records(head, tables):
        on = " AND ".join(f"r.{quote(k)} = h.{quote(k)}" for k in head.spec.key)
        across = " OR ".join(f"starts_with(h.{quote(raw.REJECT)}, '{a}')" for a in ACROSS)
        con.execute(
            f"UPDATE {t.temp} r SET {quote(raw.REJECT)} = "
            f"'document en quarantaine (' || h.{quote(raw.REJECT)} || ')' FROM {head.temp} h "
            f"WHERE {on} AND ({across}) AND r.{quote(raw.REJECT)} IS NULL"
        )


def _keep(
    con: duckdb.DuckDBPyConnection, source: Source, tables: list[_Table], kept: list[str]
) -> None:
    """The raw rows of the files not read again, added to the rows read, without the reasons
    drawn across documents (drawn again over all of them)."""
    if not kept:
        return
    con.register("_cda_kept", pl.DataFrame({"file": kept}, schema={"file": pl.String}).to_arrow())
    reject = quote(raw.REJECT)
    drawn = " OR ".join(f"starts_with({reject}, '{a}')" for a in (*ACROSS, *INHERITED, COPY))
    try:
        for t in tables:
            cols = ", ".join(quote(c) for c in [*t.paths, "_file", "_row"])
            con.execute(
                f"INSERT INTO {t.temp} BY NAME SELECT {cols}, "
                f"CASE WHEN {drawn} THEN NULL ELSE {reject} END AS {reject} "
                f"FROM {raw.raw_name(source.name, t.spec.name)} "
                f"WHERE _file IN (SELECT file FROM _cda_kept)"
            )
    finally:
        con.unregister("_cda_kept")


def extract(
    con: duckdb.DuckDBPyConnection, source: Source, *, load_id: str, **_ignored: object
) -> list[raw.TableLoad]:
    """Read the documents of the files new or changed since the last run (every file when the
    source's setup changed, or in a full run: `cda_files`) and bring its raw tables to what a
    read of every file gives."""
    started = time.perf_counter()
    now = datetime.now().replace(microsecond=0)
    tables, models = compile_mapping(source)
    setup = cda_files.setup_digest(
        source,
        [(vs.name, vs.oid, vs.concepts) for t in tables for vs in t.valuesets.values()],
    )
    previous = fingerprint.stored(con, source.name)
    same = all(
        t.spec.name in previous
        and previous[t.spec.name][0] == setup
        and raw.exists(con, source.name, t.spec.name)
        for t in tables
    )
    known = cda_files.stored(con, source.name) if same else {}
    seen: dict[str, str] = {}  # every file found: its digest

    def wanted(name: str, digest: str) -> bool:
        seen[name] = digest
        return name not in known or known[name][0] != digest

    loads = {t.spec.name: raw.TableLoad(source.name, t.spec.name) for t in tables}
    v = {
        name: Violations(source.name, name, source.mapping.contract, load.findings)
        for name, load in loads.items()
    }
    with raw.atomic(con):
        files = _read_all(con, source, tables, models, wanted)
        read = {n for n, d in seen.items() if n not in known or known[n][0] != d}
        kept = sorted(set(seen) - read)
        if same and not read and set(known) == set(seen):  # nothing new, nothing gone
            for t in tables:
                con.execute(f"DROP TABLE IF EXISTS {t.temp}")
            out = [fingerprint.unchanged(con, previous[t.spec.name][1], now) for t in tables]
            for load in out:  # the files' counts are kept apart (one row per file)
                load.files = [
                    f for n in sorted(known) for f in known[n][1] if f.table == load.table
                ]
                load.seconds = time.perf_counter() - started
            return out
        for t in tables:
            row = con.execute(f"SELECT count(*) FROM {t.temp}").fetchone()
            loads[t.spec.name].read = int(row[0]) if row else 0
        _keep(con, source, tables, kept)
        _versions(con, tables, v)
        for t in tables:
            load = loads[t.spec.name]
            load.extracted, compared = raw.replace_changed(
                con,
                source.name,
                t.spec.name,
                f"SELECT * FROM {t.temp}",
                t.spec.key,
                load_id,
                now,
                marked=True,
            )
            load.mode = "compared" if compared else "full"
            con.execute(f"DROP TABLE {t.temp}")
        by_file: dict[str, list[FileLoad]] = {n: list(known[n][1]) for n in kept}
        for f in files:
            by_file.setdefault(f.file, []).append(f)
        for name in sorted(by_file):
            for f in by_file[name]:
                loads[f.table].files.append(f)
        cda_files.store(con, source.name, {n: (seen[n], by_file.get(n, [])) for n in seen})
        for load in loads.values():
            load.warnings += [f.message for f in load.findings if f.flags]
            fingerprint.store(con, replace(load, files=[]), setup)
    for load in loads.values():
        load.seconds = time.perf_counter() - started
    return list(loads.values())
