"""Data-quality checks declared as data, in the manner of OHDSI's Data Quality Dashboard.

`check_types.csv` lists the kinds of check (level, Kahn category, SQL template, severity);
`config/quality_thresholds.csv` says which staging table and field each applies to and the share
of violating rows allowed. The grain and links of the core tables and marts, declared beside the
models (`warehouse/models/<layer>/schema.yml`), are checks of the same catalogue with no violation
allowed, run once those layers are built (`run(..., layer="built")`). Each template
(`sql/<name>.sql`) has a denominator query and a violations query; the runner stores the raw
counts per check, source and 3C in `quality.check_results` (kept across runs), so that statuses
can be re-evaluated with other thresholds without re-running, and trends shown. Staging rows
violating a blocking check go to `quality.quarantine` and are left out of the core layer; a
blocking check over its threshold stops the publish.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import polars as pl

from quality.checks import changed
from rrc.errors import ConfigError, RRCError
from rrc.settings import config_dir, load_toml
from warehouse.grain import LAYERS as GRAIN_LAYERS
from warehouse.grain import declared, schema_path

HERE = Path(__file__).parent
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
# tables the checks may name: key column and 3C expression (identifiers owned by the code)
TABLES = {
    "stg_fiche": ("fiche_id", "c3_id"),
    "stg_pps": ("pps_id", "null"),
    "stg_patient_identity": ("identity_id", "null"),
    "stg_session": ("session_id", "null"),
    "stg_rcp_entity": ("entity_code", "c3_id"),
    "sources": ("source", "null"),
    # built: its check runs once core is built (the quorum verdict is a core model)
    "core.fact_quorum_fiche": ("fiche_id", "null"),
}


# the columns of an evaluation (`evaluate`, `statuses`): check, table, field, then the `by` ones
COLUMNS = (
    "check", "table", "field", "label", "category", "severity", "violated", "denominator", "pct",
    "threshold_pct", "status", "description",
)  # fmt: skip


class QualityGateError(RRCError):
    """A blocking check exceeded its threshold: the run is not published."""


@dataclass(frozen=True)
class CheckType:
    name: str
    label: str  # French, for the boards and reports
    level: str
    kahn_category: str
    description: str
    template: str
    severity: str


@dataclass(frozen=True)
class Threshold:
    check: str
    table: str  # a staging table of TABLES, or layer.table for the declared grain checks
    field: str
    max_violated_pct: float
    severity: str | None = None  # overrides the check type's (a declared `warn` relationship)
    reference: str | None = None  # relationship: the layer.table.column it refers to
    unless: tuple[str, str] | None = None  # (column, value): rows the check does not apply to

    @property
    def applies(self) -> str:
        """The SQL condition of the rows the check applies to (`{applies}` in a template)."""
        if self.unless is None:
            return "true"
        column, value = self.unless
        return f"{column} IS DISTINCT FROM '{value.replace(chr(39), chr(39) * 2)}'"

    @property
    def built(self) -> bool:
        """A check of a core table or mart (declared beside the models), not of staging."""
        return "." in self.table


def thresholds_path() -> Path:
    return config_dir() / "quality_thresholds.csv"


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size


def catalog(thresholds_file: Path | None = None) -> tuple[dict[str, CheckType], list[Threshold]]:
    """The check types (code: quality/checks/) and the thresholds (config, analyst-editable; the
    declared grain and link tests of the models), read again only when one of their files
    changed: the quality page and the tiles' badges ask for them at every request."""
    path = thresholds_file or thresholds_path()
    files = (HERE / "check_types.csv", path, *(schema_path(layer) for layer in GRAIN_LAYERS))
    types, thresholds = _catalog(path, tuple(_stamp(f) for f in files))
    return dict(types), list(thresholds)


@lru_cache(maxsize=8)
def _catalog(
    path: Path, _stamps: tuple[tuple[int, int] | None, ...]
) -> tuple[dict[str, CheckType], tuple[Threshold, ...]]:
    with (HERE / "check_types.csv").open(encoding="utf-8") as fh:
        types = {r["name"]: CheckType(**r) for r in csv.DictReader(fh)}
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise ConfigError(f"thresholds file {path} not found") from exc
    thresholds = []
    for i, r in enumerate(rows, start=2):
        where = f"{path}, line {i}"
        if r["check"] not in types:
            raise ConfigError(
                f"{where}: unknown check {r['check']!r}", hint=f"check types: {', '.join(types)}"
            )
        if r["table"] not in TABLES:
            raise ConfigError(
                f"{where}: unknown table {r['table']!r}", hint=f"tables: {', '.join(TABLES)}"
            )
        if r["field"] and not IDENT.match(r["field"]):
            raise ConfigError(f"{where}: field {r['field']!r} is not a column name")
        unless = _unless(r.get("unless"), types[r["check"]], where)
        thresholds.append(
            Threshold(
                r["check"], r["table"], r["field"], float(r["max_violated_pct"]), unless=unless
            )
        )
    for t in types.values():
        if t.severity not in ("block", "warn"):
            raise ConfigError(f"check type {t.name}: severity must be block or warn")
    thresholds += [
        Threshold(d.check, d.table, d.field, 0.0, d.severity, d.reference) for d in declared()
    ]
    return types, tuple(thresholds)


def _unless(text: str | None, check: CheckType, where: str) -> tuple[str, str] | None:
    """The `unless` column of a threshold: `column=value`, the rows the check leaves out (a
    cross-cutting RCP has no organ: `rcp_nature=transversale`)."""
    if not text or not text.strip():
        return None
    column, sep, value = (part.strip() for part in text.partition("="))
    if not sep or not IDENT.match(column) or not value:
        raise ConfigError(
            f"{where}: unless {text!r} is not `column=value`",
            hint="for instance rcp_nature=transversale: the rows whose rcp_nature is "
            "transversale are not checked",
        )
    if "{applies}" not in template(check.template):
        raise ConfigError(
            f"{where}: check {check.name} cannot leave rows out (its template "
            f"quality/checks/sql/{check.template} has no {{applies}})"
        )
    return column, value


def _check_unless(con: duckdb.DuckDBPyConnection, thresholds: list[Threshold]) -> None:
    """Every column an `unless` names is a column of its table: said before any check runs."""
    for t in thresholds:
        if t.unless is None:
            continue
        columns = [r[0] for r in con.execute(f"DESCRIBE staging.{t.table}").fetchall()]
        if t.unless[0] not in columns:
            raise ConfigError(
                f"{thresholds_path()}: check {t.check} of {t.table}.{t.field}: unless "
                f"{t.unless[0]}={t.unless[1]} names no column of staging.{t.table}",
                hint=f"its columns: {', '.join(columns)}",
            )


@cache
def template(name: str) -> str:
    """The text of a check type's SQL template (`sql/<name>`, shipped with the code: read once)."""
    return (HERE / "sql" / name).read_text(encoding="utf-8")


def _sql(
    check: CheckType, threshold: Threshold, among: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The check's denominator and violations queries for one threshold; `among` (the
    placeholders of `changed.values`): its violations among the rows a run changed instead."""
    sections = _sections(check)
    key, c3 = TABLES.get(threshold.table, ("", "null"))
    values = {"table": threshold.table, "field": threshold.field or "", "key": key, "c3": c3}
    values["applies"] = threshold.applies
    values["rows"] = f"staging.{threshold.table}"  # a staging template's rows (`{rows}`)
    if threshold.built:  # identifiers from warehouse/models/*/schema.yml, checked on reading
        columns = threshold.field.split(", ")
        values["key_text"] = ", ".join(f"coalesce({c}::varchar, '∅')" for c in columns)
        if threshold.reference:
            layer, table, column = threshold.reference.split(".")
            values |= {"reference": threshold.reference, "ref_table": f"{layer}.{table}"}
            values["ref_column"] = column
    violations = sections["violations"]
    if among is not None:
        values |= among
        violations = sections[changed.SECTION]
    return sections["denominator"].format(**values), violations.format(**values)


def _sections(check: CheckType) -> dict[str, str]:
    text = template(check.template)
    heads = f"denominator|violations|{changed.SECTION}|{changed.SCOPE}"
    parts = re.split(rf"^-- ({heads})\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _staging_violations(
    con: duckdb.DuckDBPyConnection,
    check: CheckType,
    threshold: Threshold,
    mode: str,
    changed_tables: Mapping[str, str | None],
) -> None:
    """`_violations` of a staging check run incrementally (`changed.staging_plan`): its previous
    violations (KEPT), or those of the rows its section does not name and its violations among
    the rows it names (CHANGED)."""
    select = "SELECT p.source::VARCHAR AS source, p.c3_id::VARCHAR AS c3_id, p.row_key, p.detail"
    mine = "p.check_name = ? AND p.table_name = ? AND p.field = ?"
    params = [threshold.check, threshold.table, threshold.field]
    if mode == changed.KEPT:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _violations AS {select} "
            f"FROM _previous_violations p WHERE {mine}",
            params,
        )
        return
    sections = _sections(check)
    key, c3 = TABLES[threshold.table]
    values = {"table": threshold.table, "field": threshold.field or "", "key": key, "c3": c3}
    values["applies"] = threshold.applies
    values |= changed.staging_values(changed_tables)
    own = f"staging.{threshold.table}"
    values["changes"] = values.get(f"changes_{threshold.table}", f"(SELECT * FROM {own} LIMIT 0)")
    scope = sections[changed.SCOPE].format(**values)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _scope AS {scope}")
    among = sections["violations"].format(**(values | {"rows": "_scope"}))
    # a row named again, or changed (it may be gone), loses its previous verdict
    again = (
        f"SELECT {key}::VARCHAR AS k FROM _scope "
        f"UNION ALL SELECT {key}::VARCHAR FROM {values['changes']}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _violations AS {select} FROM _previous_violations p "
        f"ANTI JOIN ({again}) d ON p.row_key = d.k WHERE {mine} UNION ALL "
        "SELECT source::VARCHAR, c3_id::VARCHAR, row_key::VARCHAR, detail::VARCHAR "
        f"FROM ({among})",
        params,
    )
    con.execute("DROP TABLE _scope")


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(
        "CREATE TABLE IF NOT EXISTS quality.check_results (run_id VARCHAR, run_at TIMESTAMP, "
        "check_name VARCHAR, table_name VARCHAR, field VARCHAR, source VARCHAR, c3_id VARCHAR, "
        "num_violated_rows BIGINT, num_denominator_rows BIGINT)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE quality.check_violations (run_id VARCHAR, check_name VARCHAR, "
        "table_name VARCHAR, field VARCHAR, source VARCHAR, c3_id VARCHAR, row_key VARCHAR, "
        "detail VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE quality.blocked (table_name VARCHAR, row_key VARCHAR, "
        "check_name VARCHAR)"
    )


def carry_history(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    """Keep the check counts of earlier runs (the trend) when a run rebuilds from scratch."""
    create_tables(con)
    literal = str(previous).replace("'", "''")
    con.execute(f"ATTACH '{literal}' AS previous (READ_ONLY)")
    try:
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' "
            "AND schema_name = 'quality' AND table_name = 'check_results'"
        ).fetchone()
        if found and found[0]:
            con.execute(
                "INSERT INTO quality.check_results SELECT * FROM previous.quality.check_results"
            )
    finally:
        con.execute("DETACH previous")


def _source_cadence(con: duckdb.DuckDBPyConnection, cadence: dict[str, float]) -> None:
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
    ).fetchall()
    last: dict[str, object] = {}
    for (name,) in tables:
        source = name.split("__", 1)[0]
        row = con.execute(f'SELECT max(_extracted_at) FROM raw."{name}"').fetchone()
        if row and row[0] is not None and (source not in last or row[0] > last[source]):
            last[source] = row[0]
    frame = pl.DataFrame(
        [(s, float(h), last.get(s)) for s, h in cadence.items()],
        schema={"source": pl.String, "cadence_hours": pl.Float64, "last_load": pl.Datetime("us")},
        orient="row",
    )
    con.register("_cadence", frame.to_arrow())
    con.execute("CREATE OR REPLACE TABLE quality.source_cadence AS SELECT * FROM _cadence")
    con.unregister("_cadence")


def run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    cadence: dict[str, float] | None = None,
    layer: str = "staging",
    changed_tables: Mapping[str, str | None] | None = None,
) -> pl.DataFrame:
    """Run the checks of the catalogue on the staging layer (`layer="staging"`, before core is
    built) or the declared grain checks of core and marts (`layer="built"`, once they are);
    return this run's statuses so far. `changed_tables` (an incremental run, built layer): the
    relation of each built table's changed rows, or None when the run left it as it was; the
    checks then read what changed (`quality/checks/changed.py`)."""
    types, thresholds = catalog()
    texts = {name: template(t.template) for name, t in types.items()}
    built = [t for t in thresholds if t.built]
    staged = [t for t in thresholds if not t.built]
    how: dict[Threshold, str] = {}
    previous = None
    if layer == "staging":
        _check_unless(con, staged)
        how = changed.staging_plan(con, staged, texts, changed_tables)
        if set(how.values()) != {changed.WHOLE}:  # read before this run's are written
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _previous_violations AS "
                "SELECT * FROM quality.check_violations"
            )
        create_tables(con)
        _source_cadence(con, cadence or {})
        con.execute("DELETE FROM quality.check_results WHERE run_id = ?", [run_id])
    if layer == "built":
        how, previous = changed.plan(con, run_id, built, texts, changed_tables)
    kept = []
    # a denominator several checks share (the PPS joined to their fiches, the fiches by 3C) is
    # counted once per layer: the tables it reads do not change while the checks run; one that
    # reads the quality schema, which the checks write, is counted at each check
    denominators: dict[str, str] = {}
    for t in thresholds:
        if t.built != (layer == "built"):
            continue
        check = types[t.check]
        mode = how.get(t, changed.WHOLE)
        if mode == changed.KEPT and t.built:
            kept.append(t)
            continue
        among = None
        if t.built and mode == changed.CHANGED and changed_tables is not None:
            among = changed.values(t, changed_tables)
        denominator, violations = _sql(check, t, among)
        if not t.built and mode != changed.WHOLE and changed_tables is not None:
            _staging_violations(con, check, t, mode, changed_tables)
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _violations AS {violations}")
        con.execute(
            "INSERT INTO quality.check_violations SELECT ?, ?, ?, ?, source, c3_id, "
            "row_key::VARCHAR, detail::VARCHAR FROM _violations",
            [run_id, t.check, t.table, t.field],
        )
        if "quality." not in denominator:
            if denominator not in denominators:
                denominators[denominator] = f"_denominator{len(denominators)}"
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {denominators[denominator]} AS {denominator}"
                )
            denominator = f"SELECT * FROM {denominators[denominator]}"
        con.execute(
            f"""INSERT INTO quality.check_results
            WITH d AS ({denominator}),
                 v AS (SELECT source, c3_id, count(*) AS n FROM _violations GROUP BY ALL)
            SELECT ?, current_timestamp::TIMESTAMP, ?, ?, ?, d.source, d.c3_id::VARCHAR,
                   coalesce(v.n, 0), d.n
            FROM d LEFT JOIN v ON d.source::VARCHAR IS NOT DISTINCT FROM v.source::VARCHAR
                             AND d.c3_id::VARCHAR IS NOT DISTINCT FROM v.c3_id::VARCHAR""",
            [run_id, t.check, t.table, t.field],
        )
        if check.severity == "block" and not t.built:  # rows of core and marts are not quarantined
            key = TABLES[t.table][0]
            con.execute(
                "INSERT INTO quality.blocked SELECT ?, row_key::VARCHAR, ? FROM _violations",
                [t.table, t.check],
            )
            con.execute(
                "INSERT INTO quality.quarantine (load_id, source, source_table, entity, "
                "check_name, reason, original_row, location, entity_key) "
                f"SELECT ?, v.source, ?, ?, ?, v.detail, to_json(s), "
                f"'{t.table} ' || v.row_key::VARCHAR, v.row_key::VARCHAR "
                f"FROM _violations v JOIN staging.{t.table} s "
                f"ON s.{key}::VARCHAR = v.row_key::VARCHAR",
                [run_id, t.table, t.table, t.check],
            )
        con.execute("DROP TABLE _violations")
    for name in denominators.values():
        con.execute(f"DROP TABLE {name}")
    if layer == "built":
        if previous is not None:
            changed.keep(con, run_id, previous, kept)
        changed.store_digest(con, changed.digest(built, texts))
    else:
        con.execute("DROP TABLE IF EXISTS _previous_violations")
        changed.store_staging_digest(con, staged, texts)
    return statuses(con, run_id)


def evaluate(
    counts: pl.DataFrame, by: tuple[str, ...] = (), thresholds_file: Path | None = None
) -> pl.DataFrame:
    """The one comparison of check counts with their thresholds, for the gate, `rrc quality
    report`, the quality page, the tiles' badges and the reports. `counts` has the columns of
    `quality.check_results` (check_name, table_name, field, num_violated_rows,
    num_denominator_rows, and any of `by`, e.g. source, c3_id); the result has one row per check,
    table and field (and `by`), with its category, severity, share violated, threshold and
    status ("fail" when the share is over the threshold)."""
    types, thresholds = catalog(thresholds_file)
    limits = pl.DataFrame(
        [(t.check, t.table, t.field, t.max_violated_pct, t.severity) for t in thresholds],
        schema={
            "check": pl.String,
            "table": pl.String,
            "field": pl.String,
            "threshold_pct": pl.Float64,
            "override": pl.String,
        },
        orient="row",
    )
    kinds = pl.DataFrame(
        [(n, c.label, c.kahn_category, c.severity, c.description) for n, c in types.items()],
        schema=["check", "label", "category", "severity", "description"],
        orient="row",
    )
    summed = (
        counts.rename({"check_name": "check", "table_name": "table"})
        .with_columns(pl.col("field").fill_null(""))
        .group_by("check", "table", "field", *by, maintain_order=True)
        .agg(
            violated=pl.col("num_violated_rows").sum().cast(pl.Int64),
            denominator=pl.col("num_denominator_rows").sum().cast(pl.Int64),
        )
    )
    pct = pl.when(pl.col("denominator") > 0).then(
        100.0 * pl.col("violated") / pl.col("denominator")
    )
    return (
        summed.join(kinds, on="check", how="left")
        .join(limits, on=["check", "table", "field"], how="left")
        .with_columns(
            severity=pl.coalesce("override", "severity"),
            pct=pct.fill_null(0.0).round(4),
        )
        .with_columns(
            status=pl.when(
                pl.col("threshold_pct").is_not_null() & (pl.col("pct") > pl.col("threshold_pct"))
            )
            .then(pl.lit("fail"))
            .otherwise(pl.lit("pass"))
        )
        .select(*COLUMNS[:3], *by, *COLUMNS[3:])
    )


def statuses(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    thresholds_file: Path | None = None,
) -> pl.DataFrame:
    """Re-apply the thresholds (config/quality_thresholds.csv) to stored counts (the latest run
    by default): one row per check, table and field, with pass/fail."""
    run_id = (
        run_id
        or (
            con.execute(
                "SELECT run_id FROM quality.check_results ORDER BY run_at DESC LIMIT 1"
            ).fetchone()
            or [None]
        )[0]
    )
    counts = con.execute(
        "SELECT check_name, table_name, field, num_violated_rows, num_denominator_rows "
        "FROM quality.check_results WHERE run_id = ?",
        [run_id],
    ).pl()
    return evaluate(counts, thresholds_file=thresholds_file)


def gate(status: pl.DataFrame) -> None:
    """Stop the publish when a blocking check failed and config/quality.toml asks for it."""
    if not load_toml("quality.toml", config_dir()).get("stop_publish_on_block", True):
        return
    failed = status.filter((pl.col("severity") == "block") & (pl.col("status") == "fail"))
    if failed.height:
        first = failed.row(0, named=True)
        raise QualityGateError(
            f"blocking check {first['check']} on {first['table']} failed: {first['pct']:.2f} % "
            f"of rows violate it, threshold {first['threshold_pct']} %; nothing was published",
            hint="see the quarantined rows reported by `rrc quality report`, fix the source, or "
            "raise the threshold in config/quality_thresholds.csv (or set "
            "stop_publish_on_block = false in config/quality.toml)",
        )
