"""Sources and mappings, read from config/sources.toml and config/mappings/*.toml.

`${VAR}` in a value is resolved by `rrc.settings.interpolate` (environment, then
config/secrets.toml's [env], then the [defaults] of sources.toml).
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.contract import Contract
from pipelines.contract import parse as parse_contract
from rrc.errors import ConfigError
from rrc.settings import config_dir, interpolate, load_toml, variables, warehouse_dir
from warehouse import codebook as codebooks
from warehouse.canonical import ENTITIES
from warehouse.codebook import Codebook

KINDS = ("sql", "spreadsheet", "trial_registry", "directory", "files", "cda", "survey")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: list[str]
    watermark: str | None = None
    deletes: str = "none"
    required: list[str] = field(default_factory=list)
    file: str | None = None
    format: str | None = None
    record: str | None = None
    columns: list[str] | None = None
    paths: dict[str, Any] | None = None
    extras: list[str] = field(default_factory=list)  # columns allowed beside the mapped ones
    # cda: the document model (templateId root) the table reads, value sets its codes must be
    # in, conformance rules a document must pass, and when a version is frozen
    document: str | None = None
    valuesets: dict[str, str] = field(default_factory=dict)
    rules: list[dict[str, str]] = field(default_factory=list)
    frozen: dict[str, Any] | None = None
    # cda: named XPaths evaluated once per document (`$name` in the model's paths and rules)
    let: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EntitySpec:
    name: str
    entity: str
    table: str
    columns: dict[str, Any]
    distinct: bool = False
    skip_null: str | None = None  # canonical column: source rows where it is empty are skipped


@dataclass(frozen=True)
class Mapping:
    path: Path
    tables: dict[str, TableSpec]
    entities: list[EntitySpec]
    codes: dict[str, dict[str, Any]]
    header_row: int = 0
    contract: Contract = field(default_factory=Contract)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    mapping: Mapping
    url: str | None = None
    path: Path | None = None
    pattern: str | None = None
    cadence_hours: float = 24
    on_failure: str = "fail"
    years: tuple[int, int] | None = None  # spreadsheets: the years a workbook is expected for
    codebook: Codebook | None = None  # surveys: questions, types and answer scales


@dataclass(frozen=True)
class Config:
    sources: list[Source]
    warehouse_dir: Path
    keep_snapshots: int
    watermark_lag_hours: float
    memory_limit: str = "2GB"  # DuckDB's memory for a build; past it, it spills to disk


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` laid over `base`: tables merged key by key, any other value replaced."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def load_mapping(path: Path, *overlays: Path) -> Mapping:
    """A mapping file, and the files laid over it in order (a source whose software writes
    more than a national model says: `mapping = ["frcp_cda.toml", "frcp_cda_dcc.toml"]`)."""
    raw: dict[str, Any] = {}
    for p in (path, *overlays):
        try:
            with p.open("rb") as fh:
                raw = _merged(raw, tomllib.load(fh))
        except FileNotFoundError as exc:
            raise ConfigError(f"mapping file {p} not found") from exc
    tables = {}
    for name, t in raw.get("tables", {}).items():
        tables[name] = TableSpec(
            name=name,
            key=list(t.get("key", [])),
            watermark=t.get("watermark"),
            deletes=t.get("deletes", "none"),
            required=list(t.get("required", [])),
            file=t.get("file"),
            format=t.get("format"),
            record=t.get("record"),
            columns=t.get("columns"),
            paths=t.get("paths"),
            extras=list(t.get("extras", [])),
            document=t.get("document"),
            valuesets=dict(t.get("valuesets", {})),
            rules=list(t.get("rules", [])),
            frozen=t.get("frozen"),
            let=dict(t.get("let", {})),
        )
        if tables[name].deletes not in ("none", "tombstone", "key_diff"):
            raise ConfigError(f"{path}: table {name}: deletes must be none, tombstone or key_diff")
    codes = {name: _codes(path, name, table) for name, table in raw.get("codes", {}).items()}
    entities = []
    for name, e in raw.get("entities", {}).items():
        entity = e.get("into", name)
        if entity not in ENTITIES:
            raise ConfigError(
                f"{path}: entity {name!r} maps to unknown canonical entity {entity!r}",
                hint=f"known entities: {', '.join(ENTITIES)}",
            )
        if e.get("from") not in tables:
            raise ConfigError(
                f"{path}: entity {name}: table {e.get('from')!r} is not declared under [tables]"
            )
        unknown = set(e.get("columns", {})) - set(ENTITIES[entity])
        if unknown:
            raise ConfigError(
                f"{path}: entity {name}: unknown canonical columns {sorted(unknown)}",
                hint=f"columns of {entity}: {', '.join(ENTITIES[entity])}",
            )
        for col, spec in e.get("columns", {}).items():
            if isinstance(spec, dict) and "codes" in spec and spec["codes"] not in codes:
                raise ConfigError(
                    f"{path}: entity {name}, column {col}: no [codes.{spec['codes']}]"
                )
        entities.append(
            EntitySpec(
                name=name,
                entity=entity,
                table=e["from"],
                columns=dict(e.get("columns", {})),
                distinct=bool(e.get("distinct", False)),
                skip_null=e.get("skip_null"),
            )
        )
    return Mapping(
        path=path,
        tables=tables,
        entities=entities,
        codes=codes,
        header_row=int(raw.get("workbook", {}).get("header_row", 0)),
        contract=parse_contract(raw.get("contract", {}), path),
    )


def _codes(path: Path, name: str, table: dict[str, Any]) -> dict[str, Any]:
    """A code table of the mapping: its lines, or `file` (a CSV under config/, lines starting
    with # are comments) and `column` (of the CSV, the value of each `code`)."""
    if set(table) != {"file", "column"}:
        return table
    where = f"{path.name}, [codes.{name}]"
    csv_path = path.parent.parent / table["file"]
    try:
        with csv_path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    except FileNotFoundError as exc:
        raise ConfigError(f"{where}: {csv_path} not found", hint="correct `file`") from exc
    if not rows or {"code", table["column"]} - set(rows[0]):
        raise ConfigError(
            f"{where}: {csv_path.name} needs the columns code and {table['column']}",
            hint=f"its columns: {', '.join(rows[0]) if rows else 'none'}",
        )
    return {r["code"]: r[table["column"]] for r in rows}


def _years(text: str, where: str) -> tuple[int, int] | None:
    """`"2011-2014"` or `"2013"` -> (first, last); empty -> None (not declared)."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", text)
    if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
        raise ConfigError(f"{where}: years = {text!r} must look like 2011-2014 or 2013")
    first = int(match.group(1))
    return first, int(match.group(2) or first)


def _codebook(s: dict[str, Any], mapping: Mapping, where: str, directory: Path) -> Codebook:
    """A survey source's codebook (config/surveys/), and a contract that cannot count a
    respondent twice."""
    if not s.get("codebook"):
        raise ConfigError(
            f"{where}: a survey source names its codebook",
            hint='add codebook = "<survey>.toml", a file of config/surveys/ (docs/etl.md)',
        )
    if mapping.contract.duplicate_key == "warn":
        raise ConfigError(
            f'{where}: duplicate_key = "warn" in {mapping.path.name} would count a respondent '
            "twice in every distribution",
            hint='use "quarantine" (both rows set aside) or "refuse"',
        )
    return codebooks.load(str(s["codebook"]), directory / "surveys")


def _source_mapping(directory: Path, mapping: object, where: str) -> Mapping:
    """`mapping = "file.toml"`, or a list: a file and the ones laid over it."""
    names = [mapping] if isinstance(mapping, str) else mapping
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            f"{where}: mapping must be a file of config/mappings/ or a list of them",
            hint='mapping = "dcc.toml", or mapping = ["frcp_cda.toml", "frcp_cda_dcc.toml"]',
        )
    first, *rest = (directory / "mappings" / n for n in names)
    return load_mapping(first, *rest)


def load_config(directory: Path | None = None) -> Config:
    directory = directory or config_dir()
    raw = load_toml("sources.toml", directory)
    lookup = variables(directory, raw.get("defaults", {}))
    sources = []
    for s in raw.get("source", []):
        name = s.get("name", "")
        if not IDENT.match(name):
            raise ConfigError(f"sources.toml: source name {name!r} must be letters, digits, _")
        kind = s.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"sources.toml: source {name}: kind {kind!r} is not one of {KINDS}")
        where = f"sources.toml, source {name}"
        path = s.get("path")
        mapping = _source_mapping(directory, s.get("mapping"), where)
        book = _codebook(s, mapping, where, directory) if kind == "survey" else None
        sources.append(
            Source(
                name=name,
                kind=kind,
                mapping=mapping,
                url=interpolate(s["url"], lookup, where) if "url" in s else None,
                path=Path(interpolate(path, lookup, where)) if path else None,
                pattern=s.get("pattern"),
                cadence_hours=float(s.get("cadence_hours", 24)),
                on_failure=s.get("on_failure", "fail"),
                years=_years(interpolate(str(s.get("years", "")), lookup, where), where),
                codebook=book,
            )
        )
    wh = raw.get("warehouse", {})
    return Config(
        sources=sources,
        warehouse_dir=warehouse_dir(directory),
        keep_snapshots=int(wh.get("keep_snapshots", 5)),
        watermark_lag_hours=float(wh.get("watermark_lag_hours", 48)),
        memory_limit=interpolate(str(wh.get("memory_limit", "2GB")), lookup, "sources.toml"),
    )
