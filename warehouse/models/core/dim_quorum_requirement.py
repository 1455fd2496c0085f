"""Grain: one row per specialty a quorum rule requires (rule_id, group_no, required_specialty):
the rules of config/quorum_rules.toml as the build read them, one group of `required` per
group_no (any one of its specialties is enough). The public RCP directory names each RCP's
required specialties from them (warehouse/read/queries/public_rcp_specialties.sql)."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.quorum import load_rules

READS: tuple[str, ...] = ()


def build(_con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    rows = [
        (r.id, r.applies_to, r.valid_from, r.valid_to, g, s)
        for r in load_rules()
        for g, group in enumerate(r.required, start=1)
        for s in group
    ]
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "rule_id": pl.String,
            "applies_to": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
            "group_no": pl.Int64,
            "required_specialty": pl.String,
        },
    )
