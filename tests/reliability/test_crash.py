"""kill -9 the ETL at random moments: the published warehouse is always a whole snapshot, the one
before the run or the one it built, and the next run completes.

The kill moments are spread over the measured duration of a run (the last one that finished; a
little beyond, so that some runs finish): one drawn at random in each of as many equal slices as
there are kills, so that even the few kills of the CI land before, during and after the build;
`make stress` kills 100 times. The seed is printed with any failure (RRC_STRESS_SEED replays it).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.run import history
from tests.reliability.conftest import STRESS, Etl, etl_command, run_cli, seed
from warehouse.publish import Warehouse

KILLS = int(os.environ.get("RRC_STRESS_KILLS", 100 if STRESS else 6))


def _phase(wh: Warehouse, before: Path, leftovers: bool) -> str:
    """Where the kill landed, from what it left."""
    if wh.current() != before:
        return "after the publish swap"
    return "during the build" if leftovers else "before the build started"


def test_kill_9_at_random_moments_never_publishes_a_partial_warehouse(
    small_demo: Path, etl_factory: Callable[..., Etl], tmp_path: Path
) -> None:
    etl = etl_factory(small_demo, "crash")
    wh = Warehouse(etl.warehouse)
    started = time.perf_counter()
    assert run_cli("--full").returncode == 0
    duration = time.perf_counter() - started
    expected = etl.checksums()  # the sources do not change: every whole snapshot has these
    rng_seed = seed()
    rng = random.Random(rng_seed)
    phases: Counter[str] = Counter()
    kills = finished = 0
    # one moment in each slice of [0, 1.1] run durations, in random order
    moments = [(i + rng.random()) * 1.1 / KILLS for i in range(KILLS)]
    rng.shuffle(moments)
    while kills < KILLS:
        before = wh.current()
        assert before is not None
        known = {s.id for s in wh.records()}
        delay = moments[(kills + finished) % KILLS] * duration
        args = ("--full",) if rng.random() < 0.5 else ()
        log = tmp_path / "run.log"
        with log.open("w") as out:
            proc = subprocess.Popen(etl_command(*args), stdout=out, stderr=out)
        launched = time.perf_counter()
        try:
            proc.wait(timeout=delay)
            finished += 1
            duration = time.perf_counter() - launched  # follow the machine's current pace
            assert proc.returncode == 0, f"seed {rng_seed}, after {kills} kills: {log.read_text()}"
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        where = f"seed {rng_seed}, kill {kills} at {delay:.2f} s of {duration:.1f} s"
        now = wh.current()
        assert now is not None, where
        new = {s.id for s in wh.records()} - known
        assert now == before or now.stem in new, f"{where}: {now} is neither before nor new"
        snapshot = next(s for s in wh.records() if s.path.resolve() == now)
        snapshot.verify()  # the file is the one recorded at publish, byte for byte
        if now != before:  # a new one: its content too (the one before was checked already)
            assert etl.checksums() == expected, f"{where}: published content differs"
        leftovers = any((etl.warehouse / "building").glob("*"))
        phases[_phase(wh, before, leftovers) if proc.returncode else "run completed"] += 1
    result = run_cli()
    assert result.returncode == 0, f"seed {rng_seed}: {result.stderr[-2000:]}"
    assert etl.checksums() == expected
    assert not list((etl.warehouse / "building").glob("*"))  # what the kills left is cleaned
    assert not list(etl.warehouse.glob(".current.duckdb.*"))
    assert history(etl.warehouse)[-1]["status"] == "success"
    print(f"\n{kills} kills ({dict(phases)}), {finished} runs finished, seed {rng_seed}")


def test_a_kill_while_great_expectations_writes_its_project_leaves_later_runs_working(
    small_demo: Path, etl_factory: Callable[..., Etl], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window the random kills above leave out (the suite runs without GX): a run killed
    while Great Expectations validates the published snapshot and rewrites its project once tore
    a file that stopped every later run (RELIABILITY.md). Here the kill lands in that window."""
    monkeypatch.setenv("RRC_GREAT_EXPECTATIONS", "after_publish")
    etl = etl_factory(small_demo, "gx-kill")
    assert run_cli("--full").returncode == 0  # a project for the next run to copy and rewrite
    rng_seed = seed()
    pause = random.Random(rng_seed).uniform(0.1, 1.5)
    proc = subprocess.Popen(etl_command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(etl.warehouse.glob(".data_docs.*")):  # the copy GX works on
        assert proc.poll() is None, "the run ended before Great Expectations started"
        assert time.monotonic() < deadline, "Great Expectations did not start in 5 minutes"
        time.sleep(0.02)
    time.sleep(pause)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    where = f"seed {rng_seed}, killed {pause:.2f} s into Great Expectations"
    result = run_cli()
    assert result.returncode == 0, f"{where}: {result.stderr[-2000:]}"
    assert history(etl.warehouse)[-1]["status"] == "success", where
    assert (etl.warehouse / "data_docs" / "index.html").exists(), where
    assert not list(etl.warehouse.glob(".data_docs.*")), f"{where}: what the kill left stays"
