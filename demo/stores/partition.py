"""Split the canonical dataset by operational store: each 3C's data goes to its software."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from demo.dataset import ID_STRIDE, Dataset


@dataclass(frozen=True)
class Share:
    """The part of the dataset one store holds (its 3Cs' RCPs and what they refer to)."""

    c3: pl.DataFrame
    entities: pl.DataFrame
    participants: pl.DataFrame
    sessions: pl.DataFrame
    attendance: pl.DataFrame
    fiches: pl.DataFrame
    versions: pl.DataFrame
    proposals: pl.DataFrame
    pps: pl.DataFrame
    pps_phases: pl.DataFrame
    identities: pl.DataFrame
    professionals: pl.DataFrame


def identities(ds: Dataset) -> pl.DataFrame:
    """One identity per (patient, establishment): the IPP-ROI pair, with the attributes that
    establishment recorded (a birth-date conflict shows here)."""
    return (
        ds["patient_ipp"]
        .sort("patient_id", "finess")
        .with_row_index("identity_id", offset=1 + (ds.network - 1) * ID_STRIDE)
        .with_columns(pl.col("identity_id").cast(pl.Int64))
        .join(
            ds["patients"].select(
                "patient_id",
                "ins",
                "last_name",
                "first_name",
                "birth_date",
                "sex",
                "commune_code",
                "gp_id",
            ),
            on="patient_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(birth_date=pl.coalesce("birth_date_override", "birth_date"))
        .drop("birth_date_override")
    )


def share_of(ds: Dataset, kind: str, c3_id: str | None = None) -> Share:
    """Everything held by the stores of 3Cs whose software is `kind` (dcc, vendor_b, ...), or
    of one such 3C."""
    c3 = ds["c3"].filter(pl.col("source_kind") == kind)
    if c3_id is not None:
        c3 = c3.filter(pl.col("c3_id") == c3_id)
    entities = ds["entities"].join(c3.select("c3_id"), on="c3_id", how="semi")
    participants = ds["participants"].join(entities.select("entity_id"), on="entity_id", how="semi")
    sessions = ds["sessions"].join(entities.select("entity_id"), on="entity_id", how="semi")
    attendance = ds["attendance"].join(sessions.select("session_id"), on="session_id", how="semi")
    fiches = ds["fiches"].join(entities.select("entity_id"), on="entity_id", how="semi")
    versions = ds["versions"].join(fiches.select("fiche_id"), on="fiche_id", how="semi")
    proposals = ds["proposals"].join(fiches.select("fiche_id"), on="fiche_id", how="semi")
    pps = ds["pps"].join(fiches.select("fiche_id"), on="fiche_id", how="semi")
    phases = ds["pps_phases"].join(pps.select("pps_id"), on="pps_id", how="semi")
    pairs = pl.concat([fiches.select("patient_id", "finess"), pps.select("patient_id", "finess")])
    ident = identities(ds).join(pairs.unique(), on=["patient_id", "finess"], how="semi")
    referenced = (
        pl.concat(
            [
                participants.select("prof_id"),
                attendance.select("prof_id"),
                fiches.select(prof_id="requesting_prof_id"),
                versions.select(prof_id="validated_by"),
                pps.select(prof_id="responsible_prof_id"),
                pps.select(prof_id="gp_id"),
                ident.select(prof_id="gp_id"),
            ]
        )
        .drop_nulls()
        .unique()
    )
    professionals = ds["professionals"].join(referenced, on="prof_id", how="semi")
    return Share(
        c3,
        entities,
        participants,
        sessions,
        attendance,
        fiches,
        versions,
        proposals,
        pps,
        phases,
        ident,
        professionals,
    )


def identity_key(share: Share) -> pl.DataFrame:
    """(patient_id, finess) -> identity_id and ipp, to put on fiches and PPS."""
    return share.identities.select("patient_id", "finess", "identity_id", "ipp")
