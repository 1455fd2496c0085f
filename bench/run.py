"""The whole benchmark in one run, written to BENCHMARKS.md (`make bench`, `make bench-quick`).

    python -m bench.run --profile national     # ~10.7M dossiers over 10 years (generated once)
    python -m bench.run --profile quick        # ~1M, a few minutes, while developing

Every figure is set against a limit measured in the same run (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import boards, cda, day, etl, extract, peer, quality, watermark
from bench.dataset import PROFILES, Profile, ensure, fiche_rows
from bench.figures import Figure, Target, render, row
from bench.machine import ROOT, describe, load_average
from bench.report import write

COMMANDS = {"national": "make bench", "quick": "make bench-quick"}
STEPS = ("extract", "build", "incremental", "quality", "boards", "cda")
CDA_DOCUMENTS = {"national": 100_000, "quick": 10_000}  # national Fiche RCP documents (issue 21)


def _step(name: str, notes: list[str], fn: Callable[[], list[Figure]]) -> list[Figure]:
    """Run one measuring step; a failure is noted in the report and the others go on."""
    print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)
    try:
        return fn()
    except Exception as exc:
        notes.append(f"- {name} failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}")
        print(notes[-1], flush=True)
        return []


def build_figures(
    profile: Profile, copy_rates: dict[str, float], built: dict[str, float]
) -> list[Figure]:
    log = profile.workdir / "etl.log"
    shutil.rmtree(etl.warehouse_dir(profile), ignore_errors=True)
    full = etl.run(profile, full=True, log=log)
    built["seconds"] = full.measured.seconds
    built["bytes"] = etl.published(profile).stat().st_size
    extract_s = full.extract_seconds
    gx = etl.validate(profile, log)
    figures = [
        Figure(
            "full build: extract → staging → core → marts → quality (SQL gate) → publish",
            full.measured.seconds,
            "s",
            Target.ratio_at_most(3),
            limit=extract_s,
            limit_text=f"its extraction alone {extract_s:,.1f} s",
        ),
        Figure(
            "peak RSS of the full build",
            full.measured.peak_rss_mb,
            "MB",
            Target.at_most(4096, " MB"),
        ),
        Figure(
            "Great Expectations on the published snapshot, with Data Docs (`rrc quality "
            "validate`, what `rrc etl run` does after its publish)",
            gx.seconds,
            "s",
            note=f"peak RSS {gx.peak_rss_mb:,.0f} MB",
        ),
    ]
    for key, (rows, seconds) in full.extract_by_table().items():
        table = key.split(".", 1)[1]
        # the benchmark's PostgreSQL tables (another source may have a table of the same name,
        # the CDA source's pps_phase, empty in the benchmark's stores)
        if table in copy_rates and seconds > 0 and rows > 0:
            figures.append(
                extract.rate_figure(
                    f"extract `{table}`, ETL run into raw",
                    rows,
                    seconds,
                    copy_rates[table],
                    extract.TARGET,
                )
            )
    figures.append(
        Figure("quality: SQL checks inside the build", full.log["sql_check_seconds"], "s")
    )
    figures.append(
        Figure("warehouse file size", etl.published(profile).stat().st_size / 2**20, "MB")
    )
    seconds, unused = etl.imports(profile)
    figures.append(
        Figure(
            "libraries `rrc etl run` imports at startup without using them (Great "
            "Expectations off)",
            len(unused),
            "",
            Target.at_most(0),
            note=(", ".join(unused) or "none") + f"; its imports take {seconds:,.2f} s; "
            "during the run, DuckDB's Python client imports pandas and pyarrow at the first "
            "query given parameters or Arrow data (0.3 to 0.5 s, measured apart)",
        )
    )
    return figures


DAYS = (400, 4_000, 40_000)  # fiches changed in a day: the run's cost should follow this


def incremental_figures(profile: Profile, built: dict[str, float]) -> list[Figure]:
    """Days of 400, 4,000 and 40,000 fiches, each applied to the stores and run incrementally
    from the same published warehouse (restored before each); dlt's extract and merge of the
    4,000-fiche day beside it; the published file's size against the full build's."""
    from warehouse.publish import Warehouse

    wh = Warehouse(etl.warehouse_dir(profile))
    current = wh.current()
    if current is None:
        raise RuntimeError("no published warehouse to run incrementally from: run the build step")
    # kept aside: the runs' publishes prune older snapshots, this one among them
    base = profile.workdir / "incremental-base.duckdb"
    shutil.copyfile(current, base)

    def start_from_base() -> None:
        """Publish the base again (a copy, under its own id), as `rrc etl run` would."""
        wh.building_dir.mkdir(parents=True, exist_ok=True)
        build = wh.building_dir / f"{current.stem}.duckdb"
        shutil.copyfile(base, build)
        wh.publish(build, current.stem, keep=len(DAYS) + 2)

    runs: dict[int, etl.Run] = {}
    for fiches in DAYS:
        start_from_base()
        changed = day.apply(profile.url, fiches)
        try:
            runs[changed] = etl.run(profile, full=False, log=profile.workdir / "etl.log")
        finally:
            day.revert(profile.url)
    size = etl.published(profile).stat().st_size
    start_from_base()  # the warehouse matches the stores again
    peer_s, peer_rows = peer.day_merge(profile.url, profile.workdir / "dlt")
    standard = day.NEW + day.TOUCHED
    inc = runs[standard]
    figures = [
        Figure(
            f"incremental run after one day of changes ({standard:,} fiches), to the publish",
            inc.measured.seconds,
            "s",
            Target.both(Target.at_most(5, " s"), Target.ratio_at_most(2)),
            limit=peer_s,
            limit_text=f"dlt's extract and merge of the same day {peer_s:,.2f} s "
            f"({peer_rows:,} rows)",
            note=f"of which extraction {inc.extract_seconds:,.1f} s; {_modes(inc)}; "
            f"by step: {_steps(inc)}",
        )
    ]
    for fiches, run in runs.items():
        models = sum(run.log["models"].values())
        figures.append(
            Figure(
                f"incremental day of {fiches:,} fiches (extraction {run.extract_seconds:,.1f} s, "
                f"models {models:,.1f} s)",
                run.measured.seconds,
                "s",
                Target.report("grows with the change, not the history"),
                limit=inc.measured.seconds,
                limit_text=f"the {standard:,}-fiche day {inc.measured.seconds:,.1f} s",
            )
        )
    if "seconds" in built:  # ratios within one run only: the machine is shared
        figures.append(
            Figure(
                f"incremental day ({standard:,} fiches) against the full build of this run",
                inc.measured.seconds,
                "s",
                Target.ratio_at_most(0.1),
                limit=built["seconds"],
                limit_text=f"full build {built['seconds']:,.1f} s",
                note="the run's cost should follow the change, not the history",
            )
        )
        figures.append(
            Figure(
                f"published file after the {DAYS[-1]:,}-fiche day, against the full build's",
                size / 2**20,
                "MB",
                Target.ratio_at_most(1.1),
                limit=built["bytes"] / 2**20,
                limit_text=f"full build {built['bytes'] / 2**20:,.0f} MB",
                note="updated in place, compacted past 10 % free blocks",
            )
        )
    return figures


def _steps(run: etl.Run) -> str:
    """The run's seconds by step (its run-log entry), slowest first."""
    steps = sorted(run.log.get("steps", {}).items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {sec:,.1f} s" for name, sec in steps) or "not recorded"


def _modes(run: etl.Run) -> str:
    """How the run built its models: by key, whole, left unchanged."""
    modes = list(run.log.get("model_modes", {}).values())
    by_key = sum(m.startswith("by key") for m in modes)
    whole = sum(m == "whole" for m in modes)
    return f"models by key {by_key}, whole {whole}, unchanged {len(modes) - by_key - whole}"


def quality_figures(profile: Profile) -> list[Figure]:
    from pipelines.config import load_config

    cadence = {s.name: s.cadence_hours for s in load_config().sources}
    ours, plain = quality.measure(etl.published(profile), profile.workdir, cadence)
    return [
        Figure(
            "quality suite (SQL checks, counts stored, rows quarantined)",
            ours,
            "s",
            Target.ratio_at_most(1.5),
            limit=plain,
            limit_text=f"same checks, plain DuckDB SQL {plain:,.2f} s",
        )
    ]


def _results(profile: Profile) -> Path:
    return profile.workdir / "results.json"


def _load(profile: Profile) -> dict[str, Any]:
    """The last measured rows of each step (a run of some steps keeps the others' figures)."""
    path = _results(profile)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _measure_steps(profile: Profile, steps: list[str], requests: int) -> dict[str, Any]:
    results = _load(profile)
    copy_rates: dict[str, float] = results.get("extract", {}).get("copy_rates", {})

    built: dict[str, float] = {}

    def extract_step() -> list[Figure]:
        dlt_rates = peer.extraction(profile.url, profile.workdir / "dlt")
        figures, copy_rates_now = extract.measure(profile.url, peer=dlt_rates)
        copy_rates.update(copy_rates_now)
        return figures + watermark.measure(profile.url)

    runs: dict[str, Callable[[list[str]], list[Figure]]] = {
        "extract": lambda _notes: extract_step(),
        "build": lambda _notes: build_figures(profile, copy_rates, built),
        "incremental": lambda _notes: incremental_figures(profile, built),
        "quality": lambda _notes: quality_figures(profile),
        "boards": lambda notes: boards.measure(profile, etl.published(profile), requests, notes),
        "cda": lambda _notes: cda.measure(CDA_DOCUMENTS[profile.name], profile.workdir / "cda"),
    }
    for name in STEPS:
        if name not in steps:
            continue
        notes: list[str] = []
        figures = _step(name, notes, lambda fn=runs[name], notes=notes: fn(notes))
        results = _load(profile)  # another run of other steps may have written meanwhile
        results[name] = {
            "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "rows": [row(f) for f in figures],
            "notes": notes,
            "copy_rates": copy_rates if name == "extract" else {},
        }
        _results(profile).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="national")
    parser.add_argument("--requests", type=int, default=50, help="HTTP requests per callback")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help="comma-separated subset of " + ",".join(STEPS) + " (the others keep their last "
        "figures; later steps use the last published warehouse when build is left out)",
    )
    args = parser.parse_args()
    # a terminated benchmark still stops the server it started (the `finally` blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    steps = [s for s in args.steps.split(",") if s]
    if set(steps) - set(STEPS):
        parser.error(f"unknown steps: {set(steps) - set(STEPS)}")
    profile = PROFILES[args.profile]
    profile.workdir.mkdir(parents=True, exist_ok=True)
    lock = (profile.workdir / ".bench.lock").open("w")
    try:  # one run per profile at a time: a build would pull the warehouse from under the boards
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        parser.error(f"another {profile.name} benchmark is running (lock {lock.name})")
    os.environ.update(etl.env(profile))
    started, load_before = time.perf_counter(), load_average()
    with contextlib.suppress(psycopg.OperationalError):  # no database yet
        day.revert(profile.url)  # a day left by a benchmark that died
    generated = ensure(profile, profile.workdir / "generate.log")
    scale = fiche_rows(profile)
    results = _measure_steps(profile, steps, args.requests)
    minutes = (time.perf_counter() - started) / 60
    command = f".venv/bin/python -m bench.run --profile {profile.name}"
    rows: list[str] = []
    notes: list[str] = []
    for name in STEPS:
        if name in results:
            rows += results[name]["rows"]
            notes += results[name]["notes"]
            if name not in steps:
                notes.append(f"- {name}: figures of an earlier run, {results[name]['at']}")
    if len(steps) < len(STEPS):
        command += f" --steps {','.join(steps) or chr(34) * 2}"  # "" rewrites the section only
    body = "\n".join(
        [
            f"Reproduce: `{COMMANDS[profile.name]}` (runs `.venv/bin/python -m bench.run "
            f"--profile {profile.name}`); this run: `{command}`.",
            "",
            *describe(),
            f"- data: {scale}, years {profile.years}, "
            f"`rrc demo generate --scale {profile.scale}` into PostgreSQL `{profile.database}` "
            + (f"(generated in {generated:,.0f} s)" if generated else "(reused: manifest matched)"),
            f"- load average (1/5/15 min) at start {load_before}, at end {load_average()}; "
            f"this run took {minutes:,.1f} min",
            "",
            render(rows),
            *notes,
        ]
    )
    title = f"{profile.name.capitalize()} scale (`{COMMANDS[profile.name]}`)"
    write(args.out, profile.name, title, body)
    print(render(rows))
    print("\n".join(notes))


if __name__ == "__main__":
    main()
