"""The tables of an extract, from the dossiers that met every criterion.

- `patients`: one row per patient, with the fields of its index dossier (the earliest dossier
  meeting every criterion) and a summary of its other dossiers;
- `dossiers`: one row per dossier meeting every criterion;
- `reasons`: one row per patient and criterion: why the patient is in the cohort (the values
  seen on its dossiers, which dossiers and when).

Patients and dossiers carry the extract's pseudonyms only; rows are sorted by pseudonym, which
says nothing of the warehouse's order.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cohorts.definition import Criterion, Definition
from cohorts.pseudonym import Pseudonymiser

SEP = "|"
DOSSIER_COLUMNS = [
    "patient_id", "dossier_id", "is_index", "rcp_date", "year", "age", "sex",
    "residence_department", "c3_id", "entity_code", "finess", "organ", "icd10", "icd10_block",
    "morphology", "tnm_t", "tnm_n", "tnm_m", "who_ps", "phase", "first_presentation",
    "case_status", "mode", "quorum_status", "treatments", "trial_proposed_id",
]  # fmt: skip
PATIENT_COLUMNS = [
    "patient_id", "index_dossier_id", "index_date", "year", "age", "sex", "residence_department",
    "c3_id", "entity_code", "organ", "icd10", "icd10_block", "morphology", "tnm_t", "tnm_n",
    "tnm_m", "who_ps", "phase", "case_status", "quorum_status", "treatments", "trial_proposed_id",
    "trial_included", "included_trials", "dossiers", "first_date", "last_date",
]  # fmt: skip


@dataclass(frozen=True)
class Tables:
    patients: pl.DataFrame
    dossiers: pl.DataFrame
    reasons: pl.DataFrame

    def items(self) -> list[tuple[str, pl.DataFrame]]:
        return [("patients", self.patients), ("dossiers", self.dossiers), ("reasons", self.reasons)]


def _joined(column: str) -> pl.Expr:
    return pl.col(column).list.join(SEP)


def _evidence(c: Criterion) -> pl.Expr:
    """What a dossier shows for a criterion, as text."""
    if c.spec.kind == "stage":
        return pl.concat_str([pl.col(f"tnm_{k}") for k in c.value], separator=" ")
    return pl.col(c.spec.column).cast(pl.String)


def _reasons(flat: pl.DataFrame, definition: Definition) -> pl.DataFrame:
    per_step = []
    for k, c in enumerate(definition.criteria, start=1):
        per_step.append(
            flat.with_columns(observed=_evidence(c))
            .group_by("patient_id")
            .agg(
                observed=pl.col("observed").drop_nulls().unique().sort().str.join(SEP),
                dossiers=pl.len().cast(pl.Int64),
                dossier_ids=pl.col("dossier_id").str.join(SEP),
                dates=pl.col("rcp_date").cast(pl.String).str.join(SEP),
            )
            .with_columns(
                step=pl.lit(k, pl.Int64),
                criterion=pl.lit(c.name),
                condition=pl.lit(c.describe()),
            )
        )
    columns = ["patient_id", "step", "criterion", "condition", "observed", "dossiers"]
    return pl.concat(per_step).select(*columns, "dossier_ids", "dates").sort("patient_id", "step")


def build(selected: pl.DataFrame, definition: Definition, approval: str) -> Tables:
    pseudo = Pseudonymiser(definition, approval)
    flat = (
        selected.with_columns(
            patient_id=pl.col("patient_key").map_elements(pseudo.patient, pl.String),
            dossier_id=pl.col("fiche_id").map_elements(pseudo.dossier, pl.String),
            treatments=_joined("treatments"),
            trial_included=pl.col("included_trials").list.len() > 0,
            included_trials=_joined("included_trials"),
        )
        .drop("patient_key", "fiche_id")
        .sort("patient_id", "rcp_date", "dossier_id")
        .with_columns(is_index=pl.col("dossier_id").cum_count().over("patient_id") == 1)
    )
    if flat["dossier_id"].n_unique() != flat.height:
        raise RuntimeError("two dossiers got the same pseudonym: report this")
    summary = flat.group_by("patient_id").agg(
        dossiers=pl.len().cast(pl.Int64),
        first_date=pl.col("rcp_date").min(),
        last_date=pl.col("rcp_date").max(),
    )
    patients = (
        flat.filter("is_index")
        .rename({"dossier_id": "index_dossier_id"})
        .with_columns(index_date=pl.col("rcp_date"))
        .join(summary, on="patient_id")
        .select(PATIENT_COLUMNS)
        .sort("patient_id")
    )
    return Tables(patients, flat.select(DOSSIER_COLUMNS), _reasons(flat, definition))
