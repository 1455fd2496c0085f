"""dbt-duckdb and SQLMesh against our own models on the same slice and the same day of changes.

The slice is four of our models, the ones a day of fiches runs through: `stg_fiche_version` →
`stg_fiche` → `fact_fiche` → `mart_rcp_activity_monthly`. Its inputs are copied from a published
warehouse built in full (`before`); the day's change set is the published warehouse of the
incremental run that followed the day (`after`): its `mapped.fiche_version` rows stamped with that
run's load id are the versions the day changed. Each engine builds the slice in full on the
`before` inputs, then, on the `after` inputs, runs incrementally; the four tables it leaves are
compared with ours built in full on the `after` inputs (content checksums).

    python -m bench.engines --before <full build>.duckdb --after <incremental run>.duckdb

The peers run in `.venv-bench` (`make bench-engines`), as child processes, timed there.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from bench.figures import Figure, Target, render
from bench.machine import ROOT
from warehouse import changes, incremental
from warehouse.dag import MODELS_DIR, discover

PEERS_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
INPUTS = (
    "mapped.fiche_version",
    "staging.stg_session",
    "staging.stg_rcp_entity",
    "staging.stg_patient_identity",
    "core.dim_geography",
    "core.fact_session",
    "ref.organ",
    "ref.icd10",
    "quality.blocked",
)
SLICE = (
    "staging.stg_fiche_version",
    "staging.stg_fiche",
    "core.fact_fiche",
    "marts.mart_rcp_activity_monthly",
)


BATCH = "'{{ var(\"batch\") }}'"
IS_INC = "{% if is_incremental() %}"
# dbt's version of each model: unique key, strategy, and what each input becomes (the model's
# own SQL is ours, its inputs swapped for dbt sources and refs, filtered to the run's batch when
# the model runs incrementally, as dbt's docs say to write it)
DBT = {
    "stg_fiche_version": (
        "['fiche_id', 'version']",
        "var('strategy')",
        {
            "mapped.fiche_version": "(select * from {{ source('mapped', 'fiche_version') }} "
            + IS_INC
            + " where _load_id = '{{ var(\"load_id\") }}' {% endif %})"
        },
    ),
    "stg_fiche": (
        "'fiche_id'",
        "var('strategy')",
        {
            "staging.stg_fiche_version": "(select * exclude (_batch) from "
            "{{ ref('stg_fiche_version') }} "
            + IS_INC
            + " where fiche_id in (select fiche_id from {{ ref('stg_fiche_version') }} "
            f"where _batch = {BATCH}) {{% endif %}})"
        },
    ),
    "fact_fiche": (
        "'fiche_id'",
        "var('strategy')",
        {
            "staging.stg_fiche": "(select * exclude (_batch) from {{ ref('stg_fiche') }} "
            + IS_INC
            + f" where _batch = {BATCH} {{% endif %}})"
        },
    ),
    "mart_rcp_activity_monthly": (
        "'month'",
        "'delete+insert'",  # a merge on the grain keeps emptied rows, and NULL keys never match
        {
            "core.fact_fiche": "(select * exclude (_batch) from {{ ref('fact_fiche') }} "
            + IS_INC
            + " where month in (select month from {{ ref('fact_fiche') }} "
            f"where _batch = {BATCH}) {{% endif %}})",
            "core.fact_session": "(select * from {{ source('core', 'fact_session') }} "
            + IS_INC
            + " where month in (select month from {{ ref('fact_fiche') }} "
            f"where _batch = {BATCH}) {{% endif %}})",
        },
    ),
}
SOURCE = re.compile(r"\b(mapped|staging|core|ref|quality)\.(\w+)\b(?!\.)")


def dbt_project(target: Path) -> Path:
    """The dbt project of the slice (bench/peers/dbt_slice) with its models written from ours."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(Path(__file__).parent / "peers" / "dbt_slice", target)
    (target / "models").mkdir(exist_ok=True)
    for name in SLICE:
        layer, model = name.split(".")
        key, strategy, inputs = DBT[model]
        sql = (MODELS_DIR / layer / f"{model}.sql").read_text(encoding="utf-8")
        for table, relation in inputs.items():
            sql = re.sub(rf"\b{re.escape(table)}\b(?!\.)", lambda _m, r=relation: r, sql)
        sql = SOURCE.sub(lambda m: f"{{{{ source('{m[1]}', '{m[2]}') }}}}", sql)
        config = (
            f"{{{{ config(materialized='incremental', unique_key={key}, "
            f"incremental_strategy={strategy}) }}}}"
        )
        body = f"{config}\nselect *, {BATCH} as _batch from (\n{sql}\n)\n"
        (target / "models" / f"{model}.sql").write_text(body, encoding="utf-8")
    return target


LOAD_TS = "strptime(left(_load_id, 15), '%Y%m%dT%H%M%S')"
IN_INTERVAL = "between @start_dt and @end_dt"
# SQLMesh's version: its kind, and what each input becomes (the interval's rows)
SQLMESH = {
    "stg_fiche_version": (
        "INCREMENTAL_BY_UNIQUE_KEY (unique_key (fiche_id, version))",
        {
            "mapped.fiche_version": "(select * from mapped.fiche_version "
            f"where {LOAD_TS} {IN_INTERVAL})"
        },
    ),
    "stg_fiche": (
        "INCREMENTAL_BY_UNIQUE_KEY (unique_key fiche_id)",
        {
            "staging.stg_fiche_version": "(select * exclude (_batch_ts) from sm.stg_fiche_version "
            "where fiche_id in (select fiche_id from sm.stg_fiche_version "
            f"where _batch_ts {IN_INTERVAL}))"
        },
    ),
    "fact_fiche": (
        "INCREMENTAL_BY_UNIQUE_KEY (unique_key fiche_id)",
        {
            "staging.stg_fiche": "(select * exclude (_batch_ts) from sm.stg_fiche "
            f"where _batch_ts {IN_INTERVAL})"
        },
    ),
    # INCREMENTAL_BY_TIME_RANGE on `month` would recompute the months of the run's interval (the
    # current one), not the old months a day's edits touch: a FULL model here
    "mart_rcp_activity_monthly": (
        "FULL",
        {"core.fact_fiche": "(select * exclude (_batch_ts) from sm.fact_fiche)"},
    ),
}


def sqlmesh_project(target: Path, db: Path, start: str) -> Path:
    """The SQLMesh project of the slice: our models, their inputs swapped for an interval's."""
    shutil.rmtree(target, ignore_errors=True)
    (target / "models").mkdir(parents=True)
    (target / "config.yaml").write_text(
        "gateways:\n  local:\n    connection:\n      type: duckdb\n"
        f"      database: '{db}'\ndefault_gateway: local\n"
        f"model_defaults:\n  dialect: duckdb\n  start: '{start}'\n",
        encoding="utf-8",
    )
    for name in SLICE:
        layer, model = name.split(".")
        kind, inputs = SQLMESH[model]
        sql = (MODELS_DIR / layer / f"{model}.sql").read_text(encoding="utf-8")
        for table, relation in inputs.items():
            sql = re.sub(rf"\b{re.escape(table)}\b(?!\.)", lambda _m, r=relation: r, sql)
        header = f"MODEL (name sm.{model}, kind {kind}, cron '@hourly');\n"
        stamp = "" if kind == "FULL" else ", @end_dt as _batch_ts"  # the interval's rows
        body = f"{header}select *{stamp} from (\n{sql}\n)\n"
        (target / "models" / f"{model}.sql").write_text(body, encoding="utf-8")
    return target


def load_id(snapshot: Path) -> str:
    """The run that built `snapshot`: the load id of the rows its incremental run extracted."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        row = con.execute(
            "SELECT run_id FROM meta.run_log WHERE status = 'success' "
            "ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise RuntimeError(f"{snapshot}: no successful run in meta.run_log")
    return str(row[0])


def copy_inputs(db: Path, snapshot: Path) -> None:
    """The slice's inputs in `db`, as `snapshot` holds them (replaced when present)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"ATTACH '{snapshot}' AS snap (READ_ONLY)")
        for name in INPUTS:
            schema = name.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM snap.{name}")
        con.execute("DETACH snap")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def ours_full(db: Path) -> float:
    """Our four models as `rrc etl run --full` builds them: CREATE OR REPLACE TABLE ... AS."""
    con = duckdb.connect(str(db))
    try:
        started = time.perf_counter()
        for name in SLICE:
            layer, model = name.split(".")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            sql = (MODELS_DIR / layer / f"{model}.sql").read_text(encoding="utf-8")
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        con.execute("CHECKPOINT")
        return time.perf_counter() - started
    finally:
        con.close()


def slice_checksums(db: Path, schema_of: dict[str, str] | None = None) -> dict[str, object]:
    """Checksums of the four tables (`schema_of` renames their schema, e.g. to dbt's), without
    the peer's own bookkeeping columns."""
    con = duckdb.connect(str(db))
    try:
        con.execute("ATTACH ':memory:' AS cmp")
        for name in SLICE:
            layer, model = name.split(".")
            source = f"{(schema_of or {}).get(layer, layer)}.{model}"
            cols = [
                r[0]
                for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
                if not r[0].startswith("_")
            ]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS cmp.{layer}")
            con.execute(f"CREATE TABLE cmp.{name} AS SELECT {', '.join(cols)} FROM {source}")
        out: dict[str, object] = {}
        for name in SLICE:
            out[name] = con.execute(
                "SELECT count(*), sum(md5_number_upper(t::VARCHAR)), "
                f"sum(md5_number_lower(t::VARCHAR)) FROM cmp.{name} t"
            ).fetchone()
        return out
    finally:
        con.close()


def _peer(args: list[str], log: Path) -> dict[str, object]:
    """One peer run in `.venv-bench`; its JSON answer, with the child's wall time."""
    if not PEERS_PYTHON.exists():
        raise RuntimeError(
            f"{PEERS_PYTHON} is missing: `make bench-engines` installs the peers "
            "(bench/engines-requirements.txt)"
        )
    started = time.perf_counter()
    done = subprocess.run(
        [str(PEERS_PYTHON), "-m", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - started
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(args)}\n{done.stdout}\n{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[-1500:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    answer["wall"] = wall
    return answer


def _sqlmesh(
    base: Path, after: Path, day: str, workdir: Path, log: Path, expected: dict[str, object]
) -> tuple[float, float, bool]:
    """SQLMesh's plan (the full build) on `before`, then its run on `after`. Its intervals are
    hours of load time: the build's rows are loaded in the hour before the plan, the day's rows
    are stamped an hour later (they were loaded minutes after the build), and the run covers
    it."""
    db = workdir / "slice-sqlmesh.duckdb"
    shutil.copyfile(base, db)
    first_load = duckdb.connect(str(db))
    try:
        row = first_load.execute(f"SELECT max({LOAD_TS}) FROM mapped.fiche_version").fetchone()
    finally:
        first_load.close()
    built = (row[0] if row else datetime.now()).replace(minute=0, second=0, microsecond=0)
    plan_at, day_at, run_at = (built + timedelta(hours=h) for h in (1, 2, 3))
    project = sqlmesh_project(workdir / "sqlmesh", db, f"{built:%Y-%m-%d}")
    first = _peer(
        ["bench.peers.run_sqlmesh", "--project", str(project), "--plan",
         "--execution-time", f"{plan_at:%Y-%m-%d %H:%M:%S}"],
        log,
    )  # fmt: skip
    copy_inputs(db, after)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "UPDATE mapped.fiche_version SET _load_id = ? || substr(_load_id, 16) "
            "WHERE _load_id = ?",
            [f"{day_at:%Y%m%dT%H%M%S}", day],
        )
    finally:
        con.close()
    inc = _peer(
        ["bench.peers.run_sqlmesh", "--project", str(project),
         "--execution-time", f"{run_at:%Y-%m-%d %H:%M:%S}"],
        log,
    )  # fmt: skip
    same = slice_checksums(db, {layer: "sm" for layer in ("staging", "core", "marts")})
    return float(first["seconds"]), float(inc["seconds"]), same == expected


def ours_by_key(
    base: Path, after: Path, workdir: Path, expected: dict[str, object]
) -> tuple[float, float, bool]:
    """Our ETL's way: the slice built in full on `before` (timed), then, on `after`, the day's
    changes of its inputs recorded as the mapping and the quality gate record them (not timed:
    they are the mapping's output), and the four models run by `warehouse.incremental` (timed)."""
    db = workdir / "slice-ours.duckdb"
    shutil.copyfile(base, db)
    first = ours_full(db)
    con = duckdb.connect(str(db))
    try:
        for name in ("mapped.fiche_version", "quality.blocked"):
            con.execute(f"CREATE TABLE {name}__before AS SELECT * FROM {name}")
    finally:
        con.close()
    copy_inputs(db, after)
    con = duckdb.connect(str(db))
    try:
        changes.attach(con)
        for name in ("mapped.fiche_version", "quality.blocked"):
            changes.record(con, name.split(".")[1], f"{name}__before", name)
            con.execute(f"DROP TABLE {name}__before")
        models = [m for m in discover() if m.qualified in SLICE]
        started = time.perf_counter()
        incremental.Build(con, True).run(models)
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        changes.detach(con)
    finally:
        con.close()
    return first, seconds, slice_checksums(db) == expected


def measure(before: Path, after: Path, workdir: Path) -> list[Figure]:
    """Every engine on the slice: full on `before`, then incremental on `after`."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "engines.log"
    base = workdir / "slice-before.duckdb"
    base.unlink(missing_ok=True)
    copy_inputs(base, before)
    day = load_id(after)
    reference = workdir / "slice-reference.duckdb"
    shutil.copyfile(base, reference)
    copy_inputs(reference, after)
    full_s = ours_full(reference)
    expected = slice_checksums(reference)
    results: dict[str, tuple[float, float, bool]] = {}
    results["ours (warehouse/incremental.py, by key)"] = ours_by_key(base, after, workdir, expected)
    for strategy in ("merge", "delete+insert"):
        db = workdir / f"slice-dbt-{strategy.replace('+', '-')}.duckdb"
        shutil.copyfile(base, db)
        with tempfile.TemporaryDirectory() as target:
            project = dbt_project(Path(target) / "project")
            common = ["bench.peers.run_dbt", "--db", str(db), "--strategy", strategy]
            common += ["--target-path", target, "--project", str(project)]
            first = _peer([*common, "--full-refresh"], log)
            copy_inputs(db, after)
            inc = _peer([*common, "--load-id", day, "--batch", day], log)
        same = slice_checksums(db, {layer: "dbt" for layer in ("staging", "core", "marts")})
        results[f"dbt-duckdb {strategy} (`dbt run`)"] = (
            float(first["seconds"]),
            float(inc["seconds"]),
            same == expected,
        )
    results["SQLMesh INCREMENTAL_BY_UNIQUE_KEY (`sqlmesh run`)"] = _sqlmesh(
        base, after, day, workdir, log, expected
    )
    again = ours_full(reference)  # the machine is shared: our full build before and after
    figures = []
    for name, (first_s, inc_s, same) in results.items():
        figures.append(
            Figure(
                f"slice of 4 models after the day, {name}",
                inc_s,
                "s",
                Target.report(),
                limit=min(full_s, again),
                limit_text=f"our full build of the slice {min(full_s, again):,.2f} s "
                f"(of {full_s:,.1f} and {again:,.1f} s)",
                note=f"its own full build {first_s:,.2f} s; "
                + ("same rows as ours" if same else "**rows differ from ours**"),
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench" / "engines")
    args = parser.parse_args()
    print(render(measure(args.before, args.after, args.workdir)))


if __name__ == "__main__":
    main()
