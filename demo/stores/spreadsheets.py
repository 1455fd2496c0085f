"""Store (c): yearly xlsx activity workbooks of 3Cs without RCP software.

French formats throughout: a title row above the header, accented column names, dates as
dd/mm/yyyy (real date cells in some columns, text in others), decimal commas, Oui/Non.
One workbook per 3C and year, sheets Réunions, Dossiers, Présences, PPS and Médecins.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from demo.dataset import Dataset
from demo.reference import Reference
from demo.stores.partition import Share, identity_key, share_of

FR_DATE = "%d/%m/%Y"
FIXED_CREATED = datetime(2014, 1, 15, 8, 0, 0)  # deterministic workbook metadata
PRESENCE = {"present": "Présent", "visio": "Visio", "avis_ecrit": "Avis écrit"}


def _oui_non(col: str) -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit("Oui")).when(pl.col(col).not_()).then(pl.lit("Non"))


def sheets_for_year(share: Share, ref: Reference, year: int) -> dict[str, pl.DataFrame]:
    organ_label = dict(zip(ref.organs["organ"], ref.organs["label"], strict=True))
    spec_label = dict(zip(ref.specialties["specialty"], ref.specialties["label"], strict=True))
    treat_label = dict(zip(ref.treatments["treatment"], ref.treatments["label"], strict=True))
    est_name = dict(zip(ref.establishments["finess"], ref.establishments["name"], strict=True))
    ident = identity_key(share)
    sessions = share.sessions.filter(pl.col("session_start").dt.year() == year).join(
        share.entities.select("entity_id", "name", place="finess"), on="entity_id"
    )
    fiches = share.fiches.filter((pl.col("session_start").dt.year() == year) & ~pl.col("deleted"))
    final = (
        share.versions.sort("fiche_id", "version").group_by("fiche_id", maintain_order=True).last()
    )
    props = (
        share.proposals.with_columns(label=pl.col("treatment").replace_strict(treat_label))
        .group_by("fiche_id")
        .agg(pl.col("label").sort().str.join(", "))
    )
    rpps = share.professionals.select("prof_id", "rpps")
    dossiers = (
        fiches.join(final, on="fiche_id")
        .join(ident, on=["patient_id", "finess"], how="left")
        .join(
            share.identities.select(
                "identity_id",
                "ins",
                "last_name",
                "first_name",
                "birth_date",
                "sex",
                "commune_code",
                "gp_id",
            ),
            on="identity_id",
            how="left",
        )
        .join(props, on="fiche_id", how="left")
        .join(
            rpps.rename({"rpps": "rpps_req"}),
            left_on="requesting_prof_id",
            right_on="prof_id",
            how="left",
        )
        .join(rpps.rename({"rpps": "rpps_gp"}), left_on="gp_id", right_on="prof_id", how="left")
        .sort("fiche_id")
    )
    attendance = (
        share.attendance.join(sessions.select("session_id"), on="session_id")
        .join(share.professionals, on="prof_id")
        .sort("session_id", "prof_id")
    )
    pps = share.pps.join(fiches.select("fiche_id"), on="fiche_id")
    phases = (
        share.pps_phases.join(pps, on="pps_id", suffix="_pps")
        .join(rpps.rename({"rpps": "rpps_gp"}), left_on="gp_id", right_on="prof_id", how="left")
        .join(
            rpps.rename({"rpps": "rpps_ref"}),
            left_on="responsible_prof_id",
            right_on="prof_id",
            how="left",
        )
        .sort("pps_id", "phase_no")
    )
    phase_label = {**treat_label, "annonce": "Consultation d'annonce"}
    return {
        "Réunions": sessions.sort("session_id").select(
            pl.col("session_id").alias("N° réunion"),
            pl.col("name").alias("RCP"),
            pl.col("session_start").dt.date().alias("Date"),
            pl.col("session_start").dt.strftime("%Hh%M").alias("Heure"),
            pl.col("place").replace_strict(est_name).alias("Lieu"),
            pl.when(pl.col("session_id") % 3 == 0)
            .then(pl.lit("1,5"))
            .otherwise(pl.lit("2"))
            .alias("Durée (h)"),
        ),
        "Dossiers": dossiers.select(
            pl.col("fiche_id").alias("N° fiche"),
            pl.col("session_id").alias("N° réunion"),
            pl.col("rcp_date").alias("Date RCP"),
            pl.col("finess").alias("Établissement (FINESS)"),
            pl.col("ipp").alias("IPP"),
            pl.col("ins").alias("INS"),
            pl.col("last_name").str.to_uppercase().alias("Nom"),
            pl.col("first_name").alias("Prénom"),
            pl.col("birth_date").dt.strftime(FR_DATE).alias("Né(e) le"),
            pl.col("sex").replace_strict({"M": "H", "F": "F"}).alias("Sexe"),
            pl.col("commune_code").alias("Commune (INSEE)"),
            pl.col("rpps_gp").alias("Médecin traitant (RPPS)"),
            pl.col("rpps_req").alias("Médecin demandeur (RPPS)"),
            pl.col("organ").replace_strict(organ_label, default=None).alias("Organe"),
            pl.col("icd10").alias("CIM-10"),
            pl.col("morphology").alias("Morphologie (CIM-O-3)"),
            pl.col("tnm_t").alias("T"),
            pl.col("tnm_n").alias("N"),
            pl.col("tnm_m").alias("M"),
            pl.col("who_ps").alias("OMS"),
            pl.col("phase")
            .replace_strict({"premier_episode": "Premier épisode", "rechute": "Rechute"})
            .alias("Phase"),
            _oui_non("first_presentation").alias("1re présentation"),
            pl.col("previous_fiche_id").alias("Fiche précédente"),
            pl.col("reason").alias("Motif"),
            pl.when(pl.col("case_status") == "discute")
            .then(pl.lit("Discuté"))
            .otherwise(pl.lit("Enregistré"))
            .alias("Type de dossier"),
            pl.when(pl.col("mode") == "visio")
            .then(pl.lit("Visio"))
            .otherwise(pl.lit("Présentiel"))
            .alias("Mode"),
            _oui_non("patient_informed").alias("Patient informé"),
            pl.col("label").alias("Propositions"),
            pl.col("trial_id").alias("Essai proposé"),
            pl.when(pl.col("status") == "valide")
            .then(pl.lit("Validée"))
            .otherwise(pl.lit("En cours"))
            .alias("Statut"),
            pl.col("order_number").alias("N° d'ordre"),
            pl.col("validated_at").dt.strftime("%d/%m/%Y %H:%M").alias("Validée le"),
        ),
        "Présences": attendance.select(
            pl.col("session_id").alias("N° réunion"),
            pl.col("rpps").alias("RPPS"),
            (pl.col("last_name").str.to_uppercase() + " " + pl.col("first_name")).alias("Médecin"),
            pl.col("attendance_mode").replace_strict(PRESENCE).alias("Présence"),
        ),
        "PPS": phases.select(
            pl.col("pps_id").alias("N° PPS"),
            pl.col("fiche_id").alias("N° fiche"),
            pl.col("delivered_date").alias("Remis le"),
            pl.col("rpps_gp").alias("Médecin traitant (RPPS)"),
            pl.col("rpps_ref").alias("Médecin référent (RPPS)"),
            pl.col("phase_no").alias("Étape"),
            pl.col("phase_type").replace_strict(phase_label).alias("Type d'étape"),
            pl.col("planned_start").dt.strftime(FR_DATE).alias("Début prévu"),
            pl.col("planned_end").dt.strftime(FR_DATE).alias("Fin prévue"),
        ),
        "Médecins": share.professionals.sort("prof_id").select(
            pl.col("rpps").alias("RPPS"),
            pl.col("last_name").str.to_uppercase().alias("Nom"),
            pl.col("first_name").alias("Prénom"),
            pl.col("specialty").replace_strict(spec_label).alias("Spécialité"),
            pl.col("specialty_2").replace_strict(spec_label, default=None).alias("Spécialité 2"),
        ),
    }


def write_workbook(path: Path, title: str, sheets: dict[str, pl.DataFrame]) -> None:
    """Write `sheets` with a title row above each header, French date formats, fixed metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(path) as wb:
        wb.set_properties({"created": FIXED_CREATED, "author": "3C", "title": title})
        bold = wb.add_format({"bold": True, "font_size": 13})
        for name, frame in sheets.items():
            ws = wb.add_worksheet(name)
            ws.write(0, 0, f"{title} — {name}", bold)
            frame.write_excel(
                workbook=wb,
                worksheet=name,
                position="A2",
                table_style=None,
                autofit=False,
                dtype_formats={pl.Date: "dd/mm/yyyy", pl.Datetime: "dd/mm/yyyy hh:mm"},
            )


def write_all(ds: Dataset, folder: Path) -> list[Path]:
    """One workbook per 3C without software and per year."""
    written = []
    kind = ds["c3"].filter(pl.col("source_kind") == "spreadsheet")
    for c3 in kind.iter_rows(named=True):  # a few 3Cs
        one = share_of(ds, "spreadsheet", c3["c3_id"])
        for year in range(ds.first_year, ds.last_year + 1):
            path = folder / f"{c3['c3_id']}_activite_{year}.xlsx"
            write_workbook(
                path,
                f"{c3['name']} — activité RCP {year}",
                sheets_for_year(one, ds.reference, year),
            )
            written.append(path)
    return written
