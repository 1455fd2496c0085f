"""Great Expectations 1.x as the validation engine of the check catalogue.

GX's SQL path does not work on DuckDB here (results read after their connection closed, upstream
issues #10738 and #11579; no regex on duckdb), so this adapter validates pandas batches of the
staging tables instead. Suites are generated from `check_types.csv` and
`config/quality_thresholds.csv`:

- field checks become GX's own expectations (`is_required` -> not null, `icd10_valid` -> in the
  WHO code set, `no_future_date` -> at most today, `pps_has_gp` -> in {True});
- checks that span tables (orphans, duplicates, dates across PPS and fiche, identity vigilance)
  are computed by their SQL template, and GX validates the per-row flag they produce.

Each expectation's `mostly` is 1 - threshold, so GX's verdict is the catalogue's. Data Docs are
built for every run under `<warehouse>/data_docs/`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas loads with GX only: `rrc etl run` with GX off never imports it
    import pandas as pd

from quality.checks import TABLES, Threshold, catalog
from rrc.errors import ConfigError
from rrc.settings import config_dir, load_toml

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

MODES = ("after_publish", "in_build", "off")
NATIVE = {"is_required", "icd10_valid", "no_future_date", "pps_has_gp"}
ROW_TABLES = ("stg_fiche", "stg_pps", "stg_patient_identity", "stg_session")


@dataclass
class GxOutcome:
    success: bool
    seconds: float
    docs: Path | None
    results: list[dict[str, Any]]  # check, table, field, unexpected, element, success

    @property
    def summary(self) -> str:
        """One line for the command line: the verdict, the time and where the Data Docs are."""
        verdict = "all suites pass" if self.success else "some suites fail"
        return f"{verdict}, {self.seconds:.2f} s. Data Docs: {self.docs}"


def mode() -> str:
    """When GX runs (config/quality.toml `great_expectations`): `after_publish` validates the
    published snapshot once the SQL checks have gated and published it, `in_build` inside the
    build (its verdicts then also land in `quality.gx_results`), `off` not at all.
    RRC_GREAT_EXPECTATIONS overrides the file (e.g. `off` for a run whose GX is run apart, with
    `rrc quality validate`)."""
    value = os.environ.get("RRC_GREAT_EXPECTATIONS") or load_toml("quality.toml", config_dir()).get(
        "great_expectations", "after_publish"
    )
    if value not in MODES:
        raise ConfigError(
            f"great_expectations = {value!r} (config/quality.toml or RRC_GREAT_EXPECTATIONS) "
            f"is not one of {', '.join(MODES)}",
            hint='use "after_publish" (the default), "in_build" or "off"',
        )
    return str(value)


def _flag(t: Threshold) -> str:
    return f"violates_{t.check}" + (f"_{t.field}" if t.field else "")


def _frame(
    con: duckdb.DuckDBPyConnection, table: str, thresholds: list[Threshold], run_id: str
) -> pd.DataFrame:
    key, _ = TABLES[table]
    flags = [t for t in thresholds if t.check not in NATIVE]
    cols = sorted(
        {t.field for t in thresholds if t.check in NATIVE and t.field}
        | {t.unless[0] for t in thresholds if t.unless}  # what a row condition reads
        | {"has_gp"}
        & {
            c
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'staging' AND table_name = ?",
                [table],
            ).fetchall()
        }
    )
    select = [f"s.{key}"] + [f"s.{c}" for c in cols]
    for t in flags:
        select.append(
            f"EXISTS (SELECT 1 FROM quality.check_violations v WHERE v.run_id = '{run_id}' "
            f"AND v.check_name = '{t.check}' AND v.table_name = '{table}' "
            f"AND v.field = '{t.field}' AND v.row_key = s.{key}::VARCHAR) AS {_flag(t)}"
        )
    return con.execute(f"SELECT {', '.join(select)} FROM staging.{table} s").df()


def _expectation(gx: Any, t: Threshold, codes: list[str]) -> Any:
    mostly = max(0.0, 1 - t.max_violated_pct / 100)
    # the rows a threshold leaves out (`unless`) are left out of GX's share too, as of the SQL's
    # (`column IS DISTINCT FROM value`: a row that does not say is checked)
    where: dict[str, Any] = {}
    if t.unless:
        from great_expectations.expectations.row_conditions import Column

        column = Column(t.unless[0])
        where["row_condition"] = (column != t.unless[1]) | column.is_null()
    if t.check == "is_required":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=t.field, mostly=mostly, **where)
    if t.check == "icd10_valid":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=t.field, value_set=codes, mostly=mostly, **where
        )
    if t.check == "no_future_date":
        import pandas as pd

        return gx.expectations.ExpectColumnValuesToBeBetween(
            column=t.field, max_value=pd.Timestamp(date.today()), mostly=mostly, **where
        )
    if t.check == "pps_has_gp":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column="has_gp", value_set=[True], mostly=mostly, **where
        )
    return gx.expectations.ExpectColumnValuesToBeInSet(
        column=_flag(t), value_set=[False], mostly=mostly, **where
    )


def validate(con: duckdb.DuckDBPyConnection, run_id: str, docs_root: Path) -> GxOutcome:
    """Validate the staging batches with suites generated from the catalogue.

    GX rewrites its project files (config, suites, definitions) as it goes: a run killed while it
    writes would leave a torn file that stops every later run. So it works on a copy of the
    project, swapped in whole once done (what a killed run left beside it is removed first).
    """
    for leftover in docs_root.parent.glob(f".{docs_root.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)
    work = docs_root.with_name(f".{docs_root.name}.{run_id}")
    if docs_root.exists():
        shutil.copytree(docs_root, work, symlinks=True)
    outcome = _validate(con, run_id, work)
    old = docs_root.with_name(f".{docs_root.name}.{run_id}.old")
    if docs_root.exists():
        docs_root.rename(old)
    work.rename(docs_root)
    shutil.rmtree(old, ignore_errors=True)
    if outcome.docs is not None:
        outcome.docs = docs_root / outcome.docs.relative_to(work)
    return outcome


def _validate(con: duckdb.DuckDBPyConnection, run_id: str, docs_root: Path) -> GxOutcome:
    started = time.perf_counter()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _, thresholds = catalog()
    codes = [c for (c,) in con.execute("SELECT code FROM ref.icd10").fetchall()]
    context = gx.get_context(mode="file", project_root_dir=str(docs_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_or_update_pandas("staging")
    results = []
    success = True
    for table in ROW_TABLES:
        mine = [t for t in thresholds if t.table == table]
        if not mine:
            continue
        asset = (
            datasource.get_asset(table)
            if table in datasource.get_asset_names()
            else datasource.add_dataframe_asset(table)
        )
        batch = (
            asset.get_batch_definition("all")
            if "all" in [b.name for b in asset.batch_definitions]
            else asset.add_batch_definition_whole_dataframe("all")
        )
        suite = context.suites.add_or_update(gx.ExpectationSuite(name=table))
        labels = {}
        for t in mine:
            expectation = _expectation(gx, t, codes)
            suite.add_expectation(expectation)
            labels[expectation.id] = t
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(data=batch, suite=suite, name=table)
        )
        # one table's frame at a time: the largest staging table bounds the memory, not all four
        outcome = definition.run(
            batch_parameters={"dataframe": _frame(con, table, mine, run_id)},
            result_format="SUMMARY",
            run_id=None,
        )
        success &= bool(outcome.success)
        for r in outcome.results:
            config = r.expectation_config
            assert config is not None  # GX returns the configuration of each result it made
            t = labels[config.id]
            results.append(
                {
                    "check": t.check,
                    "table": t.table,
                    "field": t.field,
                    "unexpected": int(r.result.get("unexpected_count") or 0),
                    "element": int(r.result.get("element_count") or 0),
                    "success": bool(r.success),
                }
            )
    context.build_data_docs()
    index = write_offline_index(docs_root)
    return GxOutcome(success, time.perf_counter() - started, index, results)


def write_offline_index(docs_root: Path) -> Path | None:
    """GX's own index lists validations with JavaScript from CDNs, which do not load offline;
    this page links every validation page (newest first) in plain HTML."""
    site = docs_root / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = sorted(
        (site / "validations").rglob("*.html"), key=lambda p: p.parent.name, reverse=True
    )
    if not pages:
        return None
    items = "\n".join(
        f'<li><a href="{p.relative_to(docs_root).as_posix()}">{p.parent.name} — '
        f"{p.parts[p.parts.index('validations') + 1]}</a></li>"
        for p in pages
    )
    index = docs_root / "index.html"
    index.write_text(
        "<!doctype html><html lang='fr'><meta charset='utf-8'><title>Data Docs</title>"
        "<h1>Validations Great Expectations</h1><p>Une page par table et par exécution de "
        f"l'ETL, la plus récente en premier.</p><ul>{items}</ul></html>\n",
        encoding="utf-8",
    )
    return index


def save(docs_root: Path, run_id: str, outcome: GxOutcome) -> Path:
    """Keep GX's verdicts on a published snapshot beside its Data Docs (the snapshot itself is
    never written again): `data_docs/results/<run_id>.json`."""
    path = docs_root / "results" / f"{run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {**asdict(outcome), "docs": str(outcome.docs) if outcome.docs else None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def store(con: duckdb.DuckDBPyConnection, run_id: str, outcome: GxOutcome) -> None:
    """Keep GX's verdicts beside the raw counts (quality.gx_results, one row per expectation)."""
    import pandas as pd

    frame = pd.DataFrame(
        outcome.results, columns=["check", "table", "field", "unexpected", "element", "success"]
    )
    frame.insert(0, "run_id", run_id)
    con.execute(
        "CREATE TABLE IF NOT EXISTS quality.gx_results (run_id VARCHAR, check_name VARCHAR, "
        "table_name VARCHAR, field VARCHAR, unexpected BIGINT, element BIGINT, "
        "success BOOLEAN)"
    )
    con.register("_gx", frame)
    con.execute("INSERT INTO quality.gx_results SELECT * FROM _gx")
    con.unregister("_gx")
