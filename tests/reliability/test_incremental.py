"""An incremental run gives the warehouse a full rebuild gives, whatever changed in the stores.

Property: after any random change set in the PostgreSQL (DCC) and MariaDB (vendor B) stores
(inserts, updates, tombstones, physical deletes, late-arriving rows with a back-dated
watermark, rows quarantined by one round and fixed by the next), the incremental run's
staging, core and marts have the same content checksums as a full rebuild of the same stores
in a new warehouse, the same quarantine, and a published file within 10 % of the full build's
(it grew at every incremental run until the rebuilt tables were dropped first). Two rounds
follow each other on the same stores (the second fixes what the first broke), so a divergence
that only shows once incremental runs have piled up shows too; the comparison is made after
the last round (after every round, and more rounds, under `make stress`).

The incremental run maps only the raw keys the extract changed and recomputes the models by
the keys their rules say were touched (warehouse/incremental.py); the test checks that it did
(models built by key, others left unchanged), so that a silent fall-back to a full rebuild
cannot pass for it. The last round extracts the SQL stores only (`--source`), so the other
sources' rows are kept, not mapped again.

The change sets come from one seed, printed on failure: `RRC_STRESS_SEED=<n>` replays it;
`make stress` (RRC_STRESS=1) runs four rounds.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from demo.generate import Request, generate
from tests.pipelines.conftest import SMALL
from tests.reliability.changes import ChangeSet, Pending
from tests.reliability.conftest import STRESS, Etl, seed
from warehouse.incremental import rules

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.mariadb]
ROUNDS = 4 if STRESS else 2


def _quarantine(etl: Etl) -> list[tuple]:
    con = etl.connect()
    try:
        return con.execute(
            "SELECT source, source_table, entity, reason, location, count(*) "
            "FROM quality.quarantine GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def _edit_inclusions(stores: Path, rng: random.Random) -> str:
    """A trial inclusion moved to the year before and another withdrawn in the registry's file:
    both years of the trial patients' mart must be computed again."""
    path = stores / "registry" / "inclusions.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    moved, gone = rng.sample(range(len(lines)), 2)
    *fields, day = lines[moved].split(",")
    lines[moved] = ",".join([*fields, f"{int(day[:4]) - 1}{day[4:]}"])
    del lines[gone]
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return f"inclusion line {moved + 2} a year earlier, line {gone + 2} withdrawn"


def _point(etl: Etl, dcc: str, vendor_b: str) -> Etl:
    """Make `etl` the one the next run uses (the factory points at its newest)."""
    etl.monkeypatch.setenv("RRC_GREAT_EXPECTATIONS", "off")  # not what is compared here
    etl.monkeypatch.setenv("RRC_DEMO_DIR", str(etl.demo))
    etl.monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(etl.warehouse))
    etl.use_urls(dcc, vendor_b)  # DCC in PostgreSQL, vendor B in MariaDB
    return etl


def test_incremental_runs_after_random_change_sets_equal_a_full_rebuild(
    tmp_path: Path,
    etl_factory: Callable[..., Etl],
    postgres_url: str,
    mariadb_url: str,
) -> None:
    urls = (postgres_url, mariadb_url)
    chosen = seed()
    rng = random.Random(chosen)
    generate(Request(out=tmp_path / "stores-pg", target=postgres_url, **SMALL))
    generate(Request(out=tmp_path / "stores-maria", target=mariadb_url, **SMALL))
    incremental = _point(etl_factory(tmp_path / "stores-pg", "incremental"), *urls)
    assert incremental.run(full=True).status == "success"
    pending = Pending()
    for n in range(ROUNDS):
        stamp = datetime(2030, 1, 1 + n, 10, 0)
        done = ChangeSet(rng, stamp, pending).apply(postgres_url, mariadb_url)
        if n == 0:  # the registry is extracted in every round but the last
            # in the stores the run reads (a copy) and those a rebuild copies
            done = f"{done}; {_edit_inclusions(tmp_path / 'stores-pg', rng)}"
            edited = Path("registry") / "inclusions.csv"
            shutil.copyfile(tmp_path / "stores-pg" / edited, incremental.demo / edited)
        where = f"seed {chosen} (RRC_STRESS_SEED={chosen} replays it), round {n + 1}: {done}"
        # the last round extracts only the SQL stores: the other sources' mapped rows and
        # models are then kept as they are, not read again
        only = ["dcc", "vendor_b"] if n + 1 == ROUNDS else None
        result = _point(incremental, *urls).run(only=only)
        modes = {(x.source, x.table): x.mode for x in result.loads}
        assert modes[("dcc", "fiche_rcp")] == "incremental", where
        assert modes[("vendor_b", "ONC_DOSSIER")] == "incremental", where
        # a table without a watermark is read whole, compared with raw, mapped by its changed keys
        assert modes[("dcc", "fiche_proposition")] == "compared", where
        # the run built models by key, left others as they were: not a full rebuild in disguise
        built = set(result.model_modes.values())
        assert any(m.startswith("by key") for m in built), f"{where}: {result.model_modes}"
        assert "unchanged" in built, f"{where}: {result.model_modes}"
        # and every model with a rule (warehouse/models/*/incremental/) followed it
        whole = sorted(m for m, x in result.model_modes.items() if m in rules() and x == "whole")
        assert not whole, f"{where}: models with a rule rebuilt whole: {whole}"
        if n == 0:
            trials = result.model_modes["marts.mart_trial_patients_yearly"]
            assert trials.startswith("by key"), f"{where}: {trials}"
        if n + 1 < ROUNDS and not STRESS:  # a rebuild per round under `make stress` only
            continue
        rebuilt = _point(etl_factory(tmp_path / "stores-pg", f"rebuild-{n}"), *urls)
        rebuilt_run = rebuilt.run(full=True)
        assert rebuilt_run.status == "success"
        got, expected = incremental.checksums(), rebuilt.checksums()
        differ = sorted(k for k in expected.keys() | got.keys() if got.get(k) != expected.get(k))
        assert not differ, f"{where}: tables that differ from a full rebuild: {differ}"
        quarantined = _quarantine(rebuilt)
        assert _quarantine(incremental) == quarantined, where
        # the published file does not grow run after run: within 10 % of a full build's
        grown, fresh = (Path(r.snapshot or "").stat().st_size for r in (result, rebuilt_run))
        assert grown <= 1.1 * fresh, f"{where}: {grown:,} bytes, a full build {fresh:,}"
        # the round's broken rows are in the quarantine; the last round's fixes are not
        reasons = " ".join(str(q[3]) for q in quarantined)
        assert "unknown code INCONNU" in reasons and "unknown code Pancréas" in reasons, where
