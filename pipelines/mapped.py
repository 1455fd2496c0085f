"""Apply the mapping files: raw source tables -> canonical entities (`mapped.<entity>`).

Each (source, entity) mapping compiles to one SELECT over its raw table. Identifiers come only from
the mapping catalog (quoted), code lists are loaded into `meta.code_map` and joined, never
formatted into the SQL. A row whose value cannot be read, whose code is unknown, or that lacks a
required column is not loaded: it goes to `quality.quarantine` with the reason and the original
row, and every (source, table, entity) is reconciled: offered = loaded + quarantined (+ skipped
for entities that skip empty rows by design).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.config import EntitySpec, Source
from pipelines.raw import quote, raw_name
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


class _Compiler:
    def __init__(self, source: str, spec: EntitySpec) -> None:
        self.source, self.spec = source, spec
        self.joins: list[str] = []
        self.checks: list[str] = []
        self.split: tuple[str, str] | None = None

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
                f"left(CAST(src.{quote(d)} AS VARCHAR), 10) || ' ' || "
                f"CAST(src.{quote(t)} AS VARCHAR)"
            )
            expr = f"CAST(try_strptime({text}, {_formats(spec)}) AS {ctype})"
            self.checks.append(
                f"CASE WHEN src.{quote(d)} IS NOT NULL AND {expr} IS NULL THEN "
                f"'{name}: cannot read date ' || {text} END"
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
        if "format" in spec:
            expr = f"CAST(try_strptime({text}, {_formats(spec)}) AS {ctype})"
        elif spec.get("decimal_comma"):
            expr = f"TRY_CAST(replace({text}, ',', '.') AS {ctype})"
        elif ctype == "VARCHAR":
            return f"NULLIF(trim({text}), '')"
        else:
            expr = f"TRY_CAST({ref} AS {ctype})"
        self.checks.append(
            f"CASE WHEN {ref} IS NOT NULL AND {expr} IS NULL THEN "
            f"'{label}: cannot read ' || {text} || ' as {ctype.lower()}' END"
        )
        return expr

    def sql(self) -> tuple[str, str]:
        """(SELECT of offered rows with `_reason`, condition of skipped source rows)."""
        types = ENTITIES[self.spec.entity]
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
        sql = (
            f"SELECT {_literal(self.source)} AS source,\n  {select},\n  src._load_id,\n"
            f"  {reason} AS _reason,\n"
            # the original row, kept for the quarantine only: serialising every row took
            # half the time of mapping 1.8M fiche versions (BENCHMARKS.md)
            f"  CASE WHEN {reason} IS NOT NULL THEN to_json(src) END AS _raw\n"
            f"FROM ({base}) src\n" + "\n".join(self.joins)
        )
        if self.spec.distinct:
            keys = ", ".join(quote(c) for c in self.spec.columns)
            sql = f"SELECT DISTINCT ON ({keys}) * FROM ({sql})"
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
        "CREATE OR REPLACE TABLE quality.quarantine (load_id VARCHAR, source VARCHAR, "
        "source_table VARCHAR, entity VARCHAR, check_name VARCHAR, reason VARCHAR, "
        "original_row JSON)"
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
            sql, skip = _Compiler(source.name, spec).sql()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _offered AS {sql}")
            cols = ", ".join(quote(c) for c in ENTITIES[spec.entity])
            con.execute(
                f"INSERT INTO mapped.{spec.entity} (source, {cols}, _load_id) "
                f"SELECT source, {cols}, _load_id FROM _offered WHERE _reason IS NULL"
            )
            con.execute(
                "INSERT INTO quality.quarantine SELECT _load_id, source, ?, ?, 'mapping', "
                "_reason, _raw FROM _offered WHERE _reason IS NOT NULL",
                [spec.table, spec.entity],
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
