"""Grain: one row per specialty a quorum rule of an RCP entity requires (entity_code, rule_id,
group_no, required_specialty): the rules of config/quorum_rules.toml for the entity's RCP type, as
the build read them, one group of `required` per group_no (any one of its specialties is enough),
with their dates. The public RCP directory names each RCP's required specialties from them
(warehouse/read/queries/public_rcp_specialties.sql)."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.quorum import load_rules

READS = ("core.dim_rcp_entity",)


def build(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    rules = load_rules()
    entities = con.execute("SELECT entity_code, rcp_type FROM core.dim_rcp_entity").fetchall()
    rows = [
        (code, r.id, r.applies_to, r.valid_from, r.valid_to, g, s)
        for code, rcp_type in entities
        for r in rules
        if r.applies_to == rcp_type
        for g, group in enumerate(r.required, start=1)
        for s in group
    ]
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "entity_code": pl.String,
            "rule_id": pl.String,
            "applies_to": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
            "group_no": pl.Int64,
            "required_specialty": pl.String,
        },
    )
