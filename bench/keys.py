"""Cost of the key reconciliation of incremental SQL extracts (pipelines/extract/keys.py).

A PostgreSQL table shaped like the DCC's `fiche_rcp` (composite key, 20 columns, a watermark)
is filled with N rows by `generate_series`, extracted in full into a DuckDB file, then extracted
incrementally with nothing changed: what the watermark reads alone, what the key reconciliation
adds (the store's keys against raw's), and the hash check sampled (1,000 rows) and full.

    python -m bench.keys --url postgresql+psycopg://postgres@127.0.0.1/rrc_bench_keys --rows 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import sqlalchemy as sa

from pipelines.config import Source, load_mapping
from pipelines.extract import keys as key_check
from pipelines.extract import sql as sql_extract

MAPPING = """
[contract]
hash_check = "{hash_check}"

[tables.fiche]
key = ["id_fiche", "version"]
watermark = "updated_at"
deletes = "tombstone"
"""


def fill(url: str, rows: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS fiche"))
        conn.execute(
            sa.text(
                "CREATE TABLE fiche AS SELECT g / 2 AS id_fiche, g % 2 + 1 AS version, "
                "g % 5000 AS id_seance, g % 400000 AS id_identite, g % 3000 AS id_medecin, "
                "DATE '2016-01-01' + (g % 3650) AS date_rcp, 'DIGESTIF' AS code_organe, "
                "'C18.' || (g % 10) AS cim10, '8140/3' AS morpho, 'T' || (g % 4) AS tnm_t, "
                "'N' || (g % 3) AS tnm_n, 'M0' AS tnm_m, g % 5 AS score_oms, "
                "'PREMIER_EPISODE' AS phase, g % 2 AS premiere, 'Décision' AS motif, "
                "g % 2 + 1 AS niveau, 'PRESENTIEL' AS mode, 'VALIDEE' AS statut, "
                "TIMESTAMP '2016-01-01' + (g % 3650) * INTERVAL '1 day' AS updated_at, "
                "CAST(NULL AS TIMESTAMP) AS deleted_at "
                "FROM generate_series(0, :n - 1) g"
            ),
            {"n": rows},
        )
        conn.execute(sa.text("ALTER TABLE fiche ADD PRIMARY KEY (id_fiche, version)"))
        conn.execute(sa.text("CREATE INDEX ON fiche (updated_at)"))
        conn.execute(sa.text("ANALYZE fiche"))
    engine.dispose()


def measure(url: str, hash_check: str, folder: Path) -> dict[str, float]:
    path = folder / f"{hash_check}.toml"
    path.write_text(MAPPING.format(hash_check=hash_check), encoding="utf-8")
    source = Source("bench", "sql", load_mapping(path), url=url)
    con = duckdb.connect(str(folder / f"{hash_check}.duckdb"))
    con.execute("CREATE SCHEMA raw")
    started = time.perf_counter()
    sql_extract.extract(con, source, load_id="full", full=True, lag_hours=48)
    full = time.perf_counter() - started
    spent: dict[str, float] = {"reconcile": 0.0, "hash": 0.0}
    reconcile, hash_check_fn = key_check.reconcile, key_check._hash_check

    def timed_reconcile(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return reconcile(*args, **kwargs)
        finally:
            spent["reconcile"] += time.perf_counter() - t

    def timed_hash(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return hash_check_fn(*args, **kwargs)
        finally:
            spent["hash"] += time.perf_counter() - t

    key_check.reconcile, key_check._hash_check = timed_reconcile, timed_hash  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        sql_extract.extract(con, source, load_id="inc", full=False, lag_hours=48)
        incremental = time.perf_counter() - started
    finally:
        key_check.reconcile, key_check._hash_check = reconcile, hash_check_fn  # type: ignore[assignment]
    con.close()
    return {
        "full extract": full,
        "incremental, total": incremental,
        "key reconciliation (keys + compare)": spent["reconcile"] - spent["hash"],
        f"hash check ({hash_check})": spent["hash"],
        "watermark read and upsert": incremental - spent["reconcile"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--checks", default="sample,full")
    args = parser.parse_args()
    started = time.perf_counter()
    fill(args.url, args.rows)
    print(f"{args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for check in args.checks.split(","):
            for name, seconds in measure(args.url, check, Path(tmp)).items():
                print(f"{check:>6}  {name:<40} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
