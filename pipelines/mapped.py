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
from pipelines.raw import REJECT, quote, raw_name
from rrc.errors import SourceError
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


INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
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
        self, source: str, spec: EntitySpec, raw_types: dict[str, str], key: list[str]
    ) -> None:
        self.source, self.spec, self.raw_types, self.key = source, spec, raw_types, key
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
        if short and pivot is not None:
            parsed = (
                "try_strptime("
                + text
                + ", ["
                + ", ".join(_literal(f.replace("%Y", "%y")) for f in short_formats)
                + "])"
            )
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
        why = (
            f"CASE WHEN {short} THEN '{label}: two-digit year in ' || {text} || "
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
        return " || ', ' || ".join(
            f"{_literal(k + '=')} || coalesce(CAST(src.{quote(k)} AS VARCHAR), 'NULL')"
            for k in self.key
        )

    def sql(self) -> tuple[str, str]:
        """(SELECT of offered rows with `_reason`, condition of skipped source rows)."""
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
        base = f"SELECT * FROM {table}"
        skip = "FALSE"
        if self.spec.skip_null:
            skip_spec = self.spec.columns[self.spec.skip_null]
            skip_col = skip_spec if isinstance(skip_spec, str) else skip_spec["column"]
            skip = f"{quote(skip_col)} IS NULL"
            base += f" WHERE NOT ({skip})"
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
            f"  {'src._file' if '_file' in self.raw_types else 'CAST(NULL AS VARCHAR)'} AS _file\n"
            f"FROM ({base}) src\n" + "\n".join(self.joins)
        )
        if self.spec.distinct:
            keys = ", ".join(quote(c) for c in self.spec.columns)
            # a row that loads wins over a quarantined twin (one session named by two fiches,
            # one of them refused): the entity is not lost with the refused one
            sql = f"SELECT DISTINCT ON ({keys}) * FROM ({sql}) ORDER BY {keys}, _reason NULLS FIRST"
        return sql, skip


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS mapped")
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    for entity, cols in ENTITIES.items():
        body = ", ".join(f"{quote(c)} {t}" for c, t in cols.items())
        con.execute(
            f"CREATE OR REPLACE TABLE mapped.{entity} (source VARCHAR, {body}, _load_id VARCHAR)"
        )
    con.execute(
        'CREATE OR REPLACE TABLE meta.reconciliation_file (source VARCHAR, "table" VARCHAR, '
        "file VARCHAR, entity VARCHAR, offered BIGINT, loaded BIGINT, quarantined BIGINT)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE quality.quarantine (load_id VARCHAR, source VARCHAR, "
        "source_table VARCHAR, entity VARCHAR, check_name VARCHAR, reason VARCHAR, "
        "original_row JSON, location VARCHAR, entity_key VARCHAR)"
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


def apply(con: duckdb.DuckDBPyConnection, sources: list[Source]) -> list[Reconciliation]:
    """Rebuild every mapped entity from the raw layer; quarantine what cannot be loaded."""
    create_tables(con)
    con.register("_codes", code_maps(sources).to_arrow())
    con.execute("CREATE OR REPLACE TABLE meta.code_map AS SELECT * FROM _codes")
    con.unregister("_codes")
    out = []
    for source in sources:
        for spec in source.mapping.entities:
            raw_types = dict(
                con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'raw' AND table_name = ?",
                    [f"{source.name}__{spec.table}"],
                ).fetchall()
            )
            key = source.mapping.tables[spec.table].key
            sql, skip = _Compiler(source.name, spec, raw_types, key).sql()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _offered AS {sql}")
            cols = ", ".join(quote(c) for c in ENTITIES[spec.entity])
            con.execute(
                f"INSERT INTO mapped.{spec.entity} (source, {cols}, _load_id) "
                f"SELECT source, {cols}, _load_id FROM _offered WHERE _reason IS NULL"
            )
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
                row = con.execute(
                    f"SELECT count(*) FROM {raw_name(source.name, spec.table)} WHERE {skip}"
                ).fetchone()
                skipped = int(row[0]) if row else 0
            out.append(
                Reconciliation(
                    source.name,
                    spec.table,
                    spec.name,
                    offered + skipped,
                    offered - quarantined,
                    quarantined,
                    skipped,
                )
            )
            con.execute("DROP TABLE _offered")
    return out
