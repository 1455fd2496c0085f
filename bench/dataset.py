"""The operational stores a benchmark reads: generated into PostgreSQL once, reused after.

A profile (national: 25 networks x 10 years, about 10.7M dossiers; quick: about 1M) is generated
by `rrc demo generate` into its own database. Generation writes `generation.json` (parameters,
rows per table, checksums); a later run reuses the database when that manifest asks for the same
parameters and the row counts in PostgreSQL still match it, so reruns do not regenerate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa

from bench.machine import ROOT

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Profile:
    name: str
    database: str
    years: str
    scale: str
    seed: int = 2013

    @property
    def url(self) -> str:
        return f"{PG}/{self.database}"

    @property
    def out(self) -> Path:
        """Where the generator writes the file stores and its manifests."""
        return ROOT / "data" / "bench" / self.name

    @property
    def workdir(self) -> Path:
        """The benchmark's own warehouses, access database and logs."""
        return ROOT / "data" / "bench" / f"{self.name}-run"


PROFILES = {
    "national": Profile("national", "rrc_bench", "2016-2025", "national"),
    "quick": Profile("quick", "rrc_bench_quick", "2016-2025", "5"),
}


def libpq(url: str) -> str:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL."""
    u = sa.make_url(url)
    return (
        f"host={u.host or '127.0.0.1'} port={u.port or 5432} user={u.username} dbname={u.database}"
    )


def _matches(profile: Profile) -> bool:
    manifest = profile.out / "generation.json"
    if not manifest.exists():
        return False
    summary = json.loads(manifest.read_text(encoding="utf-8"))
    first, last = (int(y) for y in profile.years.split("-"))
    if summary.get("seed") != profile.seed or summary.get("years") != [first, last]:
        return False
    if profile.database not in json.dumps(summary.get("stores", {})):
        return False
    # stores of an older generator lack the network's activity files the ETL now reads
    if not (profile.out / "dcc_service").is_dir() or not any(
        (profile.out / "reseau").glob("*.xlsx")
    ):
        return False
    try:
        with psycopg.connect(libpq(profile.url)) as conn:
            for tables in summary["rows"].values():
                for table, rows in tables.items():
                    found = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                    if not found or found[0] != rows:
                        return False
    except psycopg.Error:
        return False
    return True


def ensure(profile: Profile, log: Path) -> float | None:
    """Make the profile's stores ready; return the generation time, or None when reused."""
    if _matches(profile):
        return None
    with psycopg.connect(libpq(f"{PG}/postgres"), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [profile.database]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{profile.database}"')
    rrc = Path(sys.executable).with_name("rrc")
    # --no-cda: the CDA 3C in its database, so that the build figures measure the SQL stores
    # they always did (bench.cda measures the documents, 100,000 of them)
    command = [
        str(rrc), "demo", "generate", "--out", str(profile.out), "--years", profile.years,
        "--scale", profile.scale, "--seed", str(profile.seed), "--target", profile.url,
        "--no-cda",
    ]  # fmt: skip
    print(f"generating {profile.name} stores: {' '.join(command)}", flush=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as out:
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True, cwd=ROOT)
    return time.perf_counter() - started


def fiche_rows(profile: Profile) -> str:
    """The scale the figures were measured at: dossiers in both SQL stores, fiche versions."""
    with psycopg.connect(libpq(profile.url)) as conn:
        row = conn.execute(
            "SELECT (SELECT count(DISTINCT id_fiche) FROM fiche_rcp), "
            '(SELECT count(*) FROM fiche_rcp), (SELECT count(*) FROM "ONC_DOSSIER")'
        ).fetchone()
    assert row is not None
    dcc, versions, vendor_b = (int(v) for v in row)
    return (
        f"{dcc + vendor_b:,} dossiers in the SQL stores ({dcc:,} DCC fiches in {versions:,} "
        f"versions, {vendor_b:,} vendor B dossiers; the spreadsheets add a few more)"
    )
