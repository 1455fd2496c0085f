"""Apply the mapping files: raw source tables -> canonical entities (`mapped.<entity>`).

Each (source, entity) mapping compiles to one SELECT over its raw table. Identifiers come only from
the mapping catalog (quoted), code lists are loaded into `meta.code_map` and joined, never
formatted into the SQL. A row whose value cannot be read, whose code is unknown, or that lacks a
required column is not loaded: it goes to `quality.quarantine` with the reason and the original
row, and every (source, table, entity) is reconciled: offered = loaded + quarantined (+ skipped
for entities that skip empty rows by design).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.config import EntitySpec, Source
from pipelines.raw import ASIDE, CHANGED, REJECT, key_text, quote, raw_name
from rrc.duck import INTEGER_TYPES, column_types, has_table
from rrc.errors import SourceError
from warehouse import changes
from warehouse.canonical import ENTITIES, REQUIRED


@dataclass
class Reconciliation:
    source: str
    table: str
    entity: str
    offered: int
    loaded: int
    quarantined: int
    skipped: int


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _formats(spec: dict[str, Any]) -> str:
    return "[" + ", ".join(_literal(f) for f in spec["format"]) + "]"


def code_maps(sources: list[Source]) -> pl.DataFrame:
    rows = [
        (s.name, codeset, str(k), str(v).lower() if isinstance(v, bool) else str(v))
        for s in sources
        for codeset, values in s.mapping.codes.items()
        for k, v in values.items()
    ]
    return pl.DataFrame(rows, schema=["source", "codeset", "source_value", "value"], orient="row")


INTEGER_TEXT = r"\s*[+-]?[0-9]+\s*"  # 2.7, "2.5", 0x2, 1e1, 12.345, 1_000 are not integers
DECIMAL_TEXT = r"\s*[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)\s*"  # no exponent, hex, nan or inf
ISO_DATE_TEXT = r"\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?"
BOOLEAN_TEXT = ("true", "false", "t", "f", "1", "0")
# what a time-typed workbook cell reads as: the time on Excel's day zero (1900 or 1904 system)
EXCEL_TIME = r"^(1899-12-3[01]|1904-01-01) "
DIRECTIVES = {
    "Y": r"[0-9]{4}",
    "y": r"[0-9]{2}",
    "f": r"[0-9]{1,9}",
    "b": r"[^0-9\s]+",
    "B": r"[^0-9\s]+",
    "a": r"[^0-9\s]+",
    "A": r"[^0-9\s]+",
    "p": r"[AaPp][Mm]",
    "z": r"[+-][0-9:]+",
    "Z": r"[A-Za-z_/+-]+",
    "%": "%",
}


def _format_regex(fmt: str, two_digit_year: bool = False) -> str:
    """The strict shape of a strptime format: `%Y` is four digits (`10/01/13` is no
    `%d/%m/%Y` date), the other numeric fields one or two."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            d = fmt[i + 1]
            short = d == "Y" and two_digit_year
            out.append(DIRECTIVES["y"] if short else DIRECTIVES.get(d, "[0-9]{1,2}"))
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "".join(out)


class _Compiler:
    def __init__(
        self,
        source: str,
        spec: EntitySpec,
        raw_types: dict[str, str],
        key: list[str],
        aside: bool = False,
    ) -> None:
        self.source, self.spec, self.raw_types, self.key = source, spec, raw_types, key
        self.aside = aside  # the extraction may set rows aside (raw.ASIDE): a CDA source
        self.joins: list[str] = []
        self.checks: list[str] = []
        self.split: tuple[str, str] | None = None

    def _gate(self, ref: str, ctype: str, text: str, col: str) -> str:
        """A condition true when the value is of the canonical type as written (strict: an
        integer is written as one), or TRUE when the store's own type guarantees it."""
        rtype = self.raw_types.get(col, "VARCHAR").split("(")[0]
        numeric = rtype in INTEGER_TYPES or rtype in ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
        if ctype == "INTEGER":
            if rtype in INTEGER_TYPES:
                return "TRUE"
            if numeric:
                return f"({ref} = round({ref}))"
            return f"regexp_full_match({text}, {_literal(INTEGER_TEXT)})"
        if ctype == "DOUBLE" and not numeric:
            return f"regexp_full_match({text}, {_literal(DECIMAL_TEXT)})"
        if ctype == "BOOLEAN":
            if rtype == "BOOLEAN":
                return "TRUE"
            if numeric:
                return f"({ref} IN (0, 1))"
            values = ", ".join(_literal(v) for v in BOOLEAN_TEXT)
            return f"(lower(trim({text})) IN ({values}))"
        if ctype in ("DATE", "TIMESTAMP") and rtype == "VARCHAR":
            return f"regexp_full_match({text}, {_literal(ISO_DATE_TEXT)})"
        return "TRUE"

    def _dates(self, text: str, spec: dict[str, Any], ctype: str, label: str) -> tuple[str, str]:
        """Text parsed by the declared formats, each held to its strict shape; a two-digit
        year is read only with `century_pivot` (YY below it: 20YY, else 19YY), and refused
        with that reason otherwise."""
        formats = list(spec["format"])
        full = " OR ".join(
            f"regexp_full_match({text}, {_literal(_format_regex(f))})" for f in formats
        )
        expr = f"CASE WHEN {full} THEN try_strptime({text}, {_formats(spec)}) END"
        short_formats = [f for f in formats if "%Y" in f]
        short = " OR ".join(
            f"regexp_full_match({text}, {_literal(_format_regex(f, True))})" for f in short_formats
        )
        pivot = spec.get("century_pivot")
        parsed = (
            "try_strptime("
            + text
            + ", ["
            + ", ".join(_literal(f.replace("%Y", "%y")) for f in short_formats)
            + "])"
        )
        if short and pivot is not None:
            fixed = (
                f"({parsed} + to_years(CAST((year({parsed}) % 100) + CASE WHEN "
                f"year({parsed}) % 100 < {int(pivot)} THEN 2000 ELSE 1900 END "
                f"- year({parsed}) AS INTEGER)))"
            )
            expr = (
                f"CASE WHEN {full} THEN try_strptime({text}, {_formats(spec)}) "
                f"WHEN {short} THEN {fixed} END"
            )
        expr = f"CAST({expr} AS {ctype})"
        # a two-digit year only where reading it so gives a date: `197903` under `%Y%m%d` has
        # the shape of `%y%m%d` but is a year and a month, not the 3rd of the 79th month
        why = (
            f"CASE WHEN ({short}) AND {parsed} IS NOT NULL THEN "
            f"'{label}: two-digit year in ' || {text} || "
            "' (set century_pivot in the mapping to read it)' ELSE "
            f"'{label}: cannot read ' || {text} || ' as {ctype.lower()}' END"
            if short and pivot is None
            else f"'{label}: cannot read ' || {text} || ' as {ctype.lower()}'"
        )
        return expr, why

    def column(self, name: str, spec: Any, ctype: str) -> str:
        if isinstance(spec, str):
            spec = {"column": spec}
        if "value" in spec:
            return f"CAST({_literal(spec['value'])} AS {ctype})"
        if "not_null" in spec:
            return f"(src.{quote(spec['not_null'])} IS NOT NULL)"
        if "concat" in spec:
            sep = _literal(spec.get("sep", "@"))
            return f" || {sep} || ".join(f"CAST(src.{quote(c)} AS VARCHAR)" for c in spec["concat"])
        if "concat_datetime" in spec:
            d, t = spec["concat_datetime"]
            text = (
                f"(left(CAST(src.{quote(d)} AS VARCHAR), 10) || ' ' || "
                f"regexp_replace(CAST(src.{quote(t)} AS VARCHAR), {_literal(EXCEL_TIME)}, ''))"
            )
            expr, why = self._dates(text, spec, ctype, name)
            self.checks.append(
                f"CASE WHEN src.{quote(d)} IS NOT NULL AND {expr} IS NULL THEN {why} END"
            )
            return expr
        col = spec["column"]
        ref = f"src.{quote(col)}"
        if "split" in spec:
            self.split = (col, spec["split"])
            ref = "src.__part"
        text = f"CAST({ref} AS VARCHAR)"
        label = col.replace("'", "''")
        if "codes" in spec:
            alias = f"cm{len(self.joins)}"
            self.joins.append(
                f"LEFT JOIN meta.code_map {alias} ON {alias}.source = {_literal(self.source)} "
                f"AND {alias}.codeset = {_literal(spec['codes'])} AND {alias}.source_value = {text}"
            )
            expr = f"TRY_CAST({alias}.value AS {ctype})"
            self.checks.append(
                f"CASE WHEN {ref} IS NOT NULL AND {expr} IS NULL THEN "
                f"'{label}: unknown code ' || {text} END"
            )
            return expr
        why = f"'{label}: cannot read ' || {text} || ' as {ctype.lower()}'"
        if "format" in spec:
            expr, why = self._dates(text, spec, ctype, label)
        elif spec.get("decimal_comma"):
            decimal = f"replace({text}, ',', '.')"
            gate = (
                f"regexp_full_match({decimal}, {_literal(DECIMAL_TEXT)}) AND {text} NOT LIKE '%.%'"
            )
            if ctype == "INTEGER":
                gate = f"regexp_full_match({text}, {_literal(INTEGER_TEXT)})"
            expr = f"CASE WHEN {gate} THEN TRY_CAST({decimal} AS {ctype}) END"
        elif ctype == "VARCHAR":
            return f"NULLIF(trim({text}), '')"
        else:
            gate = "TRUE" if self.split else self._gate(ref, ctype, text, col)
            expr = (
                f"TRY_CAST({ref} AS {ctype})"
                if gate == "TRUE"
                else f"CASE WHEN {gate} THEN TRY_CAST({ref} AS {ctype}) END"
            )
        self.checks.append(f"CASE WHEN {ref} IS NOT NULL AND {expr} IS NULL THEN {why} END")
        return expr

    def _location(self) -> str:
        """Where to find the row again: file, sheet (or record) and row; or the store's key."""
        if "_file" in self.raw_types and "_row" in self.raw_types:
            unit = "record" if self.raw_types.get("_reject") and not self.key else "row"
            return (
                f"src._file || {_literal(', ' + self.spec.table + ', ' + unit + ' ')} || "
                "CAST(src._row AS VARCHAR)"
            )
        if not self.key:
            return "CAST(NULL AS VARCHAR)"
        return key_text(self.key, "src")

    def sql(self, where: str = "") -> tuple[str, str]:
        """(SELECT of offered rows with `_reason`, condition of skipped source rows); `where`
        keeps only some raw rows (those an incremental run changed)."""
        types = ENTITIES[self.spec.entity]
        if REJECT in self.raw_types:  # the extraction found the row in breach of its contract
            self.checks.append(f"src.{quote(REJECT)}")
        exprs = {
            c: self.column(c, self.spec.columns[c], t)
            if c in self.spec.columns
            else f"CAST(NULL AS {t})"
            for c, t in types.items()
        }
        for col in REQUIRED.get(self.spec.entity, []):
            self.checks.append(f"CASE WHEN ({exprs[col]}) IS NULL THEN 'missing {col}' END")
        table = raw_name(self.source, self.spec.table)
        base = f"SELECT * FROM {table} src" + (f" WHERE {where}" if where else "")
        skips = []
        if self.aside and REJECT in self.raw_types:  # set aside (raw.ASIDE): not offered
            skips.append(f"starts_with(coalesce({quote(REJECT)}, ''), {_literal(ASIDE)})")
        if self.spec.skip_null:
            skip_spec = self.spec.columns[self.spec.skip_null]
            skip_col = skip_spec if isinstance(skip_spec, str) else skip_spec["column"]
            skips.append(f"{quote(skip_col)} IS NULL")
        skip = " OR ".join(skips) or "FALSE"
        if skips:
            base += f" {'AND' if where else 'WHERE'} NOT ({skip})"
        if self.split:
            col, sep = self.split
            base = (
                f"SELECT *, unnest(string_split(CAST({quote(col)} AS VARCHAR), "
                f"{_literal(sep)})) AS __part FROM ({base}) WHERE {quote(col)} IS NOT NULL"
            )
        select = ",\n  ".join(f"{e} AS {quote(c)}" for c, e in exprs.items())
        reason = (
            "NULLIF(concat_ws('; ', " + ", ".join(self.checks) + "), '')"
            if self.checks
            else "CAST(NULL AS VARCHAR)"
        )
        first_key = next(iter(types))
        sql = (
            f"SELECT {_literal(self.source)} AS source,\n  {select},\n  src._load_id,\n"
            f"  {reason} AS _reason,\n"
            # the original row, kept for the quarantine only: serialising every row took
            # half the time of mapping 1.8M fiche versions (BENCHMARKS.md)
            f"  CASE WHEN {reason} IS NOT NULL THEN to_json(src) END AS _raw,\n"
            f"  CASE WHEN {reason} IS NOT NULL THEN {self._location()} END AS _location,\n"
            f"  CASE WHEN {reason} IS NOT NULL THEN CAST({exprs[first_key]} AS VARCHAR) END "
            f"AS _entity_key,\n"
            f"  {'src._file' if '_file' in self.raw_types else 'CAST(NULL AS VARCHAR)'} AS _file,\n"
            f"  {_literal(self.spec.table)} AS _table,\n"
            f"  {key_text(self.key, 'src') if self.key else 'CAST(NULL AS VARCHAR)'} AS _key\n"
            f"FROM ({base}) src\n" + "\n".join(self.joins)
        )
        if self.spec.distinct:
            keys = ", ".join(quote(c) for c in self.spec.columns)
            # a row that loads wins over a quarantined twin (one session named by two fiches,
            # one of them refused): the entity is not lost with the refused one
            sql = f"SELECT DISTINCT ON ({keys}) * FROM ({sql}) ORDER BY {keys}, _reason NULLS FIRST"
        return sql, skip


# mapped rows carry the source table and raw key they were read from, so that an incremental run
# replaces only the rows of the keys it changed
TRACKING = {"_table": "VARCHAR", "_key": "VARCHAR"}


def create_tables(con: duckdb.DuckDBPyConnection, replace: bool = True) -> None:
    """The mapped entities, the quarantine and the per-file reconciliation: new and empty
    (`replace`, a full run), or kept when they exist (an incremental run)."""
    verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    con.execute("CREATE SCHEMA IF NOT EXISTS mapped")
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    tracking = ", ".join(f"{c} {t}" for c, t in TRACKING.items())
    for entity, cols in ENTITIES.items():
        body = ", ".join(f"{quote(c)} {t}" for c, t in cols.items())
        con.execute(
            f"{verb} mapped.{entity} (source VARCHAR, {body}, _load_id VARCHAR, {tracking})"
        )
    con.execute(
        f'{verb} meta.reconciliation_file (source VARCHAR, "table" VARCHAR, '
        "file VARCHAR, entity VARCHAR, offered BIGINT, loaded BIGINT, quarantined BIGINT)"
    )
    con.execute(
        f"{verb} quality.quarantine (load_id VARCHAR, source VARCHAR, "
        "source_table VARCHAR, entity VARCHAR, check_name VARCHAR, reason VARCHAR, "
        "original_row JSON, location VARCHAR, entity_key VARCHAR)"
    )


def tracked(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the mapped entities of this build have the columns this version writes, their raw
    keys included: an incremental run can then map only what changed (else it maps all)."""
    found: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'mapped'"
    ).fetchall():
        found.setdefault(table, set()).add(column)
    return all(
        found.get(entity) == {"source", *cols, "_load_id", *TRACKING}
        for entity, cols in ENTITIES.items()
    )


def _refuse_bad_values(con: duckdb.DuckDBPyConnection, source: Source, spec: EntitySpec) -> None:
    """`bad_value = "refuse"`: the first row that cannot be read stops the source, named."""
    row = con.execute(
        "SELECT _location, _reason, count(*) OVER () FROM _offered WHERE _reason IS NOT NULL "
        "LIMIT 1"
    ).fetchone()
    if row:
        con.execute("DROP TABLE _offered")
        raise SourceError(
            f"{row[0]}: {row[1]} ({row[2]} row(s) of entity {spec.name} cannot be read)",
            source=source.name,
            table=spec.table,
            hint='correct the row in the store, or set bad_value = "quarantine" in the '
            f"contract of config/mappings/{source.mapping.path.name} to load the others",
        )


def apply(
    con: duckdb.DuckDBPyConnection,
    sources: list[Source],
    changed: dict[tuple[str, str], str] | None = None,
    load_id: str = "",
) -> list[Reconciliation]:
    """Map the raw layer to the canonical entities; quarantine what cannot be loaded.

    `changed` None: every entity rebuilt from the whole raw layer (a full run). Otherwise, per
    (source, table): "keys" maps again only the raw rows this run changed (stamped with
    `load_id`, or deleted or re-marked by the extract), "whole" all its rows, "none" nothing (the
    table was not extracted); the rows that differ go to `changes.<entity>`
    (`warehouse/changes.py`) and the reconciliation is the last run's, moved by the difference."""
    full = changed is None
    create_tables(con, replace=full)
    con.register("_codes", code_maps(sources).to_arrow())
    con.execute("CREATE OR REPLACE TABLE meta.code_map AS SELECT * FROM _codes")
    con.unregister("_codes")
    previous = {} if full else _previous_reconciliation(con)
    out = []
    for source in sources:
        tables = dict.fromkeys(spec.table for spec in source.mapping.entities)
        for table in tables:
            specs = [s for s in source.mapping.entities if s.table == table]
            mode = "whole" if changed is None else changed.get((source.name, table), "whole")
            if mode == "keys" and any(s.distinct for s in specs):
                mode = "whole"  # one entity row from many raw rows: the changed ones alone lie
            if mode != "whole" and not all((source.name, table, s.name) in previous for s in specs):
                mode = "whole"  # no count to move from: read it all
            if mode == "none":
                out += [previous[(source.name, table, s.name)] for s in specs]
                continue
            out += _map_table(con, source, table, specs, mode, load_id, full, previous)
    return out


def _previous_reconciliation(
    con: duckdb.DuckDBPyConnection,
) -> dict[tuple[str, str, str], Reconciliation]:
    if not has_table(con, "meta.reconciliation"):
        return {}
    rows = con.execute(
        'SELECT source, "table", entity, offered, loaded, quarantined, skipped '
        "FROM meta.reconciliation"
    ).fetchall()
    return {(r[0], r[1], r[2]): Reconciliation(*r) for r in rows}


def _map_table(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    table: str,
    specs: list[EntitySpec],
    mode: str,
    load_id: str,
    full: bool,
    previous: dict[tuple[str, str, str], Reconciliation],
) -> list[Reconciliation]:
    """Map the rows of one raw table (all, or the changed keys) into each entity it feeds."""
    raw_types = dict(column_types(con, raw_name(source.name, table)))
    key = source.mapping.tables[table].key
    where, params = "", [source.name, table]
    scope = f"source = {_literal(source.name)} AND _table = {_literal(table)}"
    if mode == "keys":
        _changed_keys(con, source.name, table, key, load_id)
        where = f"src._load_id = {_literal(load_id)}"
        if _count_rows(con, "SELECT count(*) FROM _keys_other"):
            where += f" OR {key_text(key, 'src')} IN (SELECT k FROM _keys_other)"
        scope += " AND _key IN (SELECT k FROM _keys)"
    old: dict[str, tuple[int, int]] = {}
    if not full:
        for entity in dict.fromkeys(s.entity for s in specs):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _old_{entity} AS "
                f"SELECT * FROM mapped.{entity} WHERE {scope}"
            )
            con.execute(f"DELETE FROM mapped.{entity} WHERE {scope}")
            # the rows this mapping inserts are the entity's new rows in scope: kept as they are
            # inserted, they need no second scan of the entity (1.86M fiche versions at 1M)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _new_{entity} AS FROM mapped.{entity} LIMIT 0"
            )
        quarantine_scope = "check_name = 'mapping' AND source = ? AND source_table = ?" + (
            " AND location IN (SELECT k FROM _keys)" if mode == "keys" else ""
        )
        for spec in specs:
            loaded = _count_rows(con, f"SELECT count(*) FROM _old_{spec.entity}")
            quarantined = _count_rows(
                con,
                f"SELECT count(*) FROM quality.quarantine WHERE {quarantine_scope} AND entity = ?",
                [source.name, table, spec.entity],
            )
            old[spec.name] = (loaded, quarantined)
        con.execute(f"DELETE FROM quality.quarantine WHERE {quarantine_scope}", params)
        if mode == "whole":
            con.execute(
                'DELETE FROM meta.reconciliation_file WHERE source = ? AND "table" = ?', params
            )
    out = []
    for spec in specs:
        aside = source.kind == "cda"  # copies of a document read elsewhere (extract/cda.py)
        sql, skip = _Compiler(source.name, spec, raw_types, key, aside).sql(where)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _offered AS {sql}")
        cols = ", ".join(quote(c) for c in ENTITIES[spec.entity])
        rows = (
            f"(source, {cols}, _load_id, _table, _key) "
            f"SELECT source, {cols}, _load_id, _table, _key FROM _offered WHERE _reason IS NULL"
        )
        con.execute(f"INSERT INTO mapped.{spec.entity} {rows}")
        if not full:
            con.execute(f"INSERT INTO _new_{spec.entity} {rows}")
        if source.mapping.contract.bad_value == "refuse":
            _refuse_bad_values(con, source, spec)
        con.execute(
            "INSERT INTO quality.quarantine SELECT _load_id, source, ?, ?, 'mapping', "
            "_reason, _raw, _location, _entity_key FROM _offered WHERE _reason IS NOT NULL",
            [spec.table, spec.entity],
        )
        con.execute(
            "INSERT INTO meta.reconciliation_file SELECT source, ?, _file, ?, count(*), "
            "count(*) - count(_reason), count(_reason) FROM _offered "
            "WHERE _file IS NOT NULL GROUP BY ALL",
            [spec.table, spec.name],
        )
        offered, quarantined = con.execute(
            "SELECT count(*), count(_reason) FROM _offered"
        ).fetchone() or (0, 0)
        skipped = 0
        if skip != "FALSE":
            skipped = _count_rows(
                con, f"SELECT count(*) FROM {raw_name(source.name, spec.table)} WHERE {skip}"
            )
        loaded = offered - quarantined
        if mode == "keys":  # the last run's counts, moved by what this run replaced
            last = previous[(source.name, table, spec.name)]
            loaded += last.loaded - old[spec.name][0]
            quarantined += last.quarantined - old[spec.name][1]
        out.append(
            Reconciliation(
                source.name,
                spec.table,
                spec.name,
                loaded + quarantined + skipped,
                loaded,
                quarantined,
                skipped,
            )
        )
        con.execute("DROP TABLE _offered")
    if not full:
        for entity in dict.fromkeys(s.entity for s in specs):
            changes.record(con, entity, f"_old_{entity}", f"_new_{entity}")
            con.execute(f"DROP TABLE _old_{entity}")
            con.execute(f"DROP TABLE _new_{entity}")
    return out


def _changed_keys(
    con: duckdb.DuckDBPyConnection, source: str, table: str, key: list[str], load_id: str
) -> None:
    """`_keys`: the raw keys of `table` this run changed (loaded with `load_id`, or deleted or
    re-marked: `pipelines.raw.record_changed`); `_keys_other`: the latter alone."""
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {CHANGED} "
        "(source VARCHAR, source_table VARCHAR, key VARCHAR)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _keys_other AS SELECT DISTINCT key AS k FROM {CHANGED} "
        "WHERE source = ? AND source_table = ?",
        [source, table],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _keys AS SELECT {key_text(key, 'src')} AS k "
        f"FROM {raw_name(source, table)} src WHERE src._load_id = ? "
        "UNION SELECT k FROM _keys_other",
        [load_id],
    )


def _count_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
