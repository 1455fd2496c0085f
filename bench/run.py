"""The whole benchmark in one run, written to BENCHMARKS.md (`make bench`, `make bench-quick`).

    python -m bench.run --profile national     # ~10.7M dossiers over 10 years (generated once)
    python -m bench.run --profile quick        # ~1M, a few minutes, while developing

Every figure is set against a limit measured in the same run (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench import boards, day, etl, extract, quality
from bench.dataset import PROFILES, Profile, ensure, fiche_rows
from bench.figures import Figure, Target, render
from bench.machine import ROOT, describe, load_average
from bench.report import write

COMMANDS = {"national": "make bench", "quick": "make bench-quick"}


def _step(name: str, notes: list[str], fn: Callable[[], list[Figure]]) -> list[Figure]:
    """Run one measuring step; a failure is noted in the report and the others go on."""
    print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)
    try:
        return fn()
    except Exception as exc:
        notes.append(f"- {name} failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}")
        print(notes[-1], flush=True)
        return []


def build_figures(profile: Profile, copy_rates: dict[str, float]) -> list[Figure]:
    log = profile.workdir / "etl.log"
    shutil.rmtree(etl.warehouse_dir(profile), ignore_errors=True)
    full = etl.run(profile, full=True, log=log)
    extract_s = full.extract_seconds
    figures = [
        Figure(
            "full build: extract → staging → core → marts → quality → publish",
            full.measured.seconds,
            "s",
            Target.ratio_at_most(3),
            limit=extract_s,
            limit_text=f"its extraction alone {extract_s:,.1f} s",
        ),
        Figure("peak RSS of the full build", full.measured.peak_rss_mb, "MB", Target.at_most(4096)),
    ]
    for key, (rows, seconds) in full.extract_by_table().items():
        table = key.split(".", 1)[1]
        if table in copy_rates and seconds > 0:
            figures.append(
                extract.rate_figure(
                    f"extract `{table}`, ETL run into raw",
                    rows,
                    seconds,
                    copy_rates[table],
                    extract.TARGET,
                )
            )
    gx = full.log.get("gx") or {}
    figures.append(
        Figure(
            "quality: SQL checks inside the build",
            full.log["sql_check_seconds"],
            "s",
            note=f"Great Expectations on the same checks: {gx.get('seconds', 0):,.1f} s",
        )
    )
    figures.append(
        Figure("warehouse file size", etl.published(profile).stat().st_size / 2**20, "MB")
    )
    return figures


def incremental_figures(profile: Profile) -> list[Figure]:
    changed = day.apply(profile.url)
    try:
        inc = etl.run(profile, full=False, log=profile.workdir / "etl.log")
    finally:
        day.revert(profile.url)
    return [
        Figure(
            f"incremental run after one day of changes ({changed:,} fiches)",
            inc.measured.seconds,
            "s",
            Target.at_most(5, " s"),
            note=f"of which extraction {inc.extract_seconds:,.1f} s",
        )
    ]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="national")
    parser.add_argument("--requests", type=int, default=50, help="HTTP requests per callback")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    profile.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.update(etl.env(profile))
    started, load_before = time.perf_counter(), load_average()
    with contextlib.suppress(psycopg.OperationalError):  # no database yet
        day.revert(profile.url)  # a day left by a benchmark that died
    generated = ensure(profile, profile.workdir / "generate.log")
    dossiers, versions = fiche_rows(profile)
    notes: list[str] = []
    figures, copy_rates = extract.measure(profile.url)
    figures += _step("full build", notes, lambda: build_figures(profile, copy_rates))
    figures += _step("incremental run", notes, lambda: incremental_figures(profile))
    figures += _step("quality suite", notes, lambda: quality_figures(profile))
    figures += _step(
        "boards",
        notes,
        lambda: boards.measure(profile, etl.published(profile), args.requests, notes),
    )
    minutes = (time.perf_counter() - started) / 60
    command = COMMANDS[profile.name]
    body = "\n".join(
        [
            f"Reproduce: `{command}` (runs `.venv/bin/python -m bench.run --profile "
            f"{profile.name}`).",
            "",
            *describe(),
            f"- data: {dossiers:,} dossiers ({versions:,} fiche versions), years {profile.years}, "
            f"`rrc demo generate --scale {profile.scale}` into PostgreSQL `{profile.database}` "
            + (f"(generated in {generated:,.0f} s)" if generated else "(reused: manifest matched)"),
            f"- load average (1/5/15 min) at start {load_before}, at end {load_average()}; "
            f"the whole benchmark took {minutes:,.1f} min",
            "",
            render(figures),
            *notes,
        ]
    )
    write(args.out, profile.name, f"{profile.name.capitalize()} scale (`{command}`)", body)
    print(render(figures))
    print("\n".join(notes))


if __name__ == "__main__":
    main()
