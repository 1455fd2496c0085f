"""Store (b): another vendor's 3C software, with its own names, codes stored as labels and dates
stored as text. It keeps only the current state of each fiche (no versions) and deletes rows
physically, so the ETL must find deletions by comparing keys. `DATE_MAJ` (the watermark) is
indexed.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from demo.reference import Reference
from demo.stores.partition import Share, identity_key

metadata = sa.MetaData()
S = sa.String

onc_rcp = sa.Table(
    "ONC_RCP",
    metadata,
    sa.Column("CODE_RCP", S(16), primary_key=True),
    sa.Column("LIBELLE", S(160), nullable=False),
    sa.Column("CENTRE", S(120), nullable=False),
    sa.Column("SPECIALITE", S(200), nullable=False),
    sa.Column("LIEU", S(9), nullable=False),
    sa.Column("JOUR", S(10), nullable=False),
    sa.Column("FREQUENCE", S(24), nullable=False),
    sa.Column("HEURE", S(5), nullable=False),
)
onc_medecin = sa.Table(
    "ONC_MEDECIN",
    metadata,
    sa.Column("NUM_MEDECIN", sa.Integer, primary_key=True),
    sa.Column("RPPS", S(11), nullable=False),
    sa.Column("NOM", S(80), nullable=False),
    sa.Column("PRENOM", S(80), nullable=False),
    sa.Column("SPECIALITE", S(80), nullable=False),
    sa.Column("SPECIALITE2", S(80)),
    sa.Column("ETAB", S(9)),
)
onc_participant = sa.Table(
    "ONC_RCP_MEMBRE",
    metadata,
    sa.Column("CODE_RCP", S(16), primary_key=True),
    sa.Column("NUM_MEDECIN", sa.Integer, primary_key=True),
)
onc_reunion = sa.Table(
    "ONC_REUNION",
    metadata,
    sa.Column("NUM_REUNION", sa.Integer, primary_key=True),
    sa.Column("CODE_RCP", S(16), nullable=False),
    sa.Column("DATE_REUNION", S(16), nullable=False),
    sa.Column("DATE_MAJ", S(14), nullable=False, index=True),
)
onc_presence = sa.Table(
    "ONC_PRESENCE",
    metadata,
    sa.Column("NUM_REUNION", sa.Integer, primary_key=True),
    sa.Column("NUM_MEDECIN", sa.Integer, primary_key=True),
    sa.Column("TYPE_PRESENCE", S(24), nullable=False),
)
onc_malade = sa.Table(
    "ONC_MALADE",
    metadata,
    sa.Column("NUM_MALADE", S(20), primary_key=True),
    sa.Column("ETAB", S(9), primary_key=True),
    sa.Column("NUM_INS", S(15)),
    sa.Column("NOM", S(80), nullable=False),
    sa.Column("PRENOM", S(80), nullable=False),
    sa.Column("DT_NAISS", S(10), nullable=False),
    sa.Column("SEXE", S(10), nullable=False),
    sa.Column("CP_INSEE", S(5)),
    sa.Column("NUM_MEDECIN_TRAITANT", sa.Integer),
    sa.Column("DATE_MAJ", S(14), nullable=False, index=True),
)
onc_dossier = sa.Table(
    "ONC_DOSSIER",
    metadata,
    sa.Column("NUM_DOSSIER", sa.Integer, primary_key=True),
    sa.Column("NUM_REUNION", sa.Integer, nullable=False),
    sa.Column("NUM_MALADE", S(20), nullable=False),
    sa.Column("ETAB", S(9), nullable=False),
    sa.Column("MEDECIN_DEMANDEUR", sa.Integer),
    sa.Column("DT_RCP", S(10)),
    sa.Column("ORGANE", S(40)),
    sa.Column("CIM10", S(8)),
    sa.Column("MORPHO", S(8)),
    sa.Column("T", S(4)),
    sa.Column("N", S(4)),
    sa.Column("M", S(4)),
    sa.Column("OMS", S(1)),
    sa.Column("PHASE", S(20), nullable=False),
    sa.Column("PREMIERE_PRES", S(1), nullable=False),
    sa.Column("DOSSIER_PRECEDENT", sa.Integer),
    sa.Column("MOTIF", S(120), nullable=False),
    sa.Column("TYPE_DOSSIER", S(12), nullable=False),
    sa.Column("MODE", S(20), nullable=False),
    sa.Column("PATIENT_INFORME", S(3)),
    sa.Column("PROPOSITIONS", S(120), nullable=False),
    sa.Column("ESSAI", S(12)),
    sa.Column("STATUT", S(12), nullable=False),
    sa.Column("NUM_ORDRE", S(16)),
    sa.Column("DT_VALIDATION", S(16)),
    sa.Column("VALIDE_PAR", sa.Integer),
    sa.Column("DATE_MAJ", S(14), nullable=False, index=True),
)
onc_pps = sa.Table(
    "ONC_PPS",
    metadata,
    sa.Column("NUM_PPS", sa.Integer, primary_key=True),
    sa.Column("NUM_DOSSIER", sa.Integer, nullable=False),
    sa.Column("NUM_MALADE", S(20), nullable=False),
    sa.Column("ETAB", S(9), nullable=False),
    sa.Column("MEDECIN_TRAITANT", sa.Integer),
    sa.Column("MEDECIN_REFERENT", sa.Integer),
    sa.Column("DT_REMISE", S(10), nullable=False),
    sa.Column("DATE_MAJ", S(14), nullable=False, index=True),
)
onc_pps_etape = sa.Table(
    "ONC_PPS_ETAPE",
    metadata,
    sa.Column("NUM_PPS", sa.Integer, primary_key=True),
    sa.Column("ORDRE", sa.SmallInteger, primary_key=True),
    sa.Column("ETAPE", S(60), nullable=False),
    sa.Column("DT_DEBUT", S(10), nullable=False),
    sa.Column("DT_FIN", S(10), nullable=False),
    sa.Column("ETAB", S(9)),
)

DAYS = {1: "Lundi", 2: "Mardi", 3: "Mercredi", 4: "Jeudi", 5: "Vendredi"}
FREQUENCY = {1: "Hebdomadaire", 2: "Tous les 15 jours", 4: "Mensuelle"}
PRESENCE = {"present": "Présent", "visio": "Visioconférence", "avis_ecrit": "Avis écrit"}
PHASE = {"premier_episode": "Premier épisode", "rechute": "Rechute"}
FR_DATE = "%d/%m/%Y"
STAMP = "%Y%m%d%H%M%S"


def tables(share: Share, ref: Reference) -> dict[str, pl.DataFrame]:
    organ_label = dict(zip(ref.organs["organ"], ref.organs["label"], strict=True))
    spec_label = dict(
        zip(ref.specialties["specialty"], ref.specialties["vendor_b_label"], strict=True)
    )
    treat_label = dict(
        zip(ref.treatments["treatment"], ref.treatments["vendor_b_label"], strict=True)
    )
    c3_name = dict(zip(share.c3["c3_id"], share.c3["name"], strict=True))
    ident = identity_key(share)
    live = share.fiches.filter(~pl.col("deleted"))
    final = (
        share.versions.sort("fiche_id", "version").group_by("fiche_id", maintain_order=True).last()
    )
    dossiers = live.join(final, on="fiche_id").join(ident, on=["patient_id", "finess"], how="left")
    props = (
        share.proposals.with_columns(label=pl.col("treatment").replace_strict(treat_label))
        .group_by("fiche_id")
        .agg(pl.col("label").sort().str.join("+"))
    )
    dossiers = dossiers.join(props, on="fiche_id", how="left").sort("fiche_id")
    first_seen = (
        share.fiches.join(ident, on=["patient_id", "finess"])
        .group_by("identity_id")
        .agg(first=pl.col("session_start").min())
    )
    session_code = share.entities.select("entity_id", "entity_code")
    return {
        "ONC_RCP": share.entities.select(
            CODE_RCP="entity_code",
            LIBELLE="name",
            CENTRE=pl.col("c3_id").replace_strict(c3_name),
            SPECIALITE=pl.col("organs")
            .str.split("|")
            .list.eval(pl.element().replace_strict(organ_label))
            .list.join(", "),
            LIEU="finess",
            JOUR=pl.col("weekday").replace_strict(DAYS),
            FREQUENCE=pl.col("every_weeks").replace_strict(FREQUENCY),
            HEURE=pl.col("hour").cast(pl.String).str.zfill(2) + ":00",
        ),
        "ONC_MEDECIN": share.professionals.select(
            NUM_MEDECIN="prof_id",
            RPPS="rpps",
            NOM=pl.col("last_name").str.to_uppercase(),
            PRENOM="first_name",
            SPECIALITE=pl.col("specialty").replace_strict(spec_label),
            SPECIALITE2=pl.col("specialty_2").replace_strict(spec_label, default=None),
            ETAB="finess",
        ),
        "ONC_RCP_MEMBRE": share.participants.join(session_code, on="entity_id")
        .select(CODE_RCP="entity_code", NUM_MEDECIN="prof_id")
        .unique(),
        "ONC_REUNION": share.sessions.join(session_code, on="entity_id").select(
            NUM_REUNION="session_id",
            CODE_RCP="entity_code",
            DATE_REUNION=pl.col("session_start").dt.strftime("%d/%m/%Y %H:%M"),
            DATE_MAJ=(pl.col("session_start") + pl.duration(days=1)).dt.strftime(STAMP),
        ),
        "ONC_PRESENCE": share.attendance.select(
            NUM_REUNION="session_id",
            NUM_MEDECIN="prof_id",
            TYPE_PRESENCE=pl.col("attendance_mode").replace_strict(PRESENCE),
        ),
        "ONC_MALADE": share.identities.join(first_seen, on="identity_id", how="left").select(
            NUM_MALADE="ipp",
            ETAB="finess",
            NUM_INS="ins",
            NOM=pl.col("last_name").str.to_uppercase(),
            PRENOM="first_name",
            DT_NAISS=pl.col("birth_date").dt.strftime(FR_DATE),
            SEXE=pl.col("sex").replace_strict({"M": "Masculin", "F": "Féminin"}),
            CP_INSEE="commune_code",
            NUM_MEDECIN_TRAITANT="gp_id",
            DATE_MAJ=(pl.col("first") - pl.duration(days=7)).dt.strftime(STAMP),
        ),
        "ONC_DOSSIER": dossiers.select(
            NUM_DOSSIER="fiche_id",
            NUM_REUNION="session_id",
            NUM_MALADE="ipp",
            ETAB="finess",
            MEDECIN_DEMANDEUR="requesting_prof_id",
            DT_RCP=pl.col("rcp_date").dt.strftime(FR_DATE),
            ORGANE=pl.col("organ").replace_strict(organ_label, default=None),
            CIM10="icd10",
            MORPHO="morphology",
            T="tnm_t",
            N="tnm_n",
            M="tnm_m",
            OMS=pl.col("who_ps").cast(pl.String),
            PHASE=pl.col("phase").replace_strict(PHASE),
            PREMIERE_PRES=pl.when(pl.col("first_presentation"))
            .then(pl.lit("O"))
            .otherwise(pl.lit("N")),
            DOSSIER_PRECEDENT="previous_fiche_id",
            MOTIF="reason",
            TYPE_DOSSIER=pl.when(pl.col("case_status") == "discute")
            .then(pl.lit("Discuté"))
            .otherwise(pl.lit("Enregistré")),
            MODE=pl.when(pl.col("mode") == "visio")
            .then(pl.lit("Visioconférence"))
            .otherwise(pl.lit("Présentiel")),
            PATIENT_INFORME=pl.when(pl.col("patient_informed"))
            .then(pl.lit("Oui"))
            .when(pl.col("patient_informed").not_())
            .then(pl.lit("Non")),
            PROPOSITIONS="label",
            ESSAI="trial_id",
            STATUT=pl.when(pl.col("status") == "valide")
            .then(pl.lit("Validé"))
            .otherwise(pl.lit("En cours")),
            NUM_ORDRE="order_number",
            DT_VALIDATION=pl.col("validated_at").dt.strftime("%d/%m/%Y %H:%M"),
            VALIDE_PAR="validated_by",
            DATE_MAJ=pl.col("saved_at").dt.strftime(STAMP),
        ),
        "ONC_PPS": share.pps.join(ident, on=["patient_id", "finess"], how="left").select(
            NUM_PPS="pps_id",
            NUM_DOSSIER="fiche_id",
            NUM_MALADE="ipp",
            ETAB="finess",
            MEDECIN_TRAITANT="gp_id",
            MEDECIN_REFERENT="responsible_prof_id",
            DT_REMISE=pl.col("delivered_date").dt.strftime(FR_DATE),
            DATE_MAJ=pl.col("delivered_date").dt.combine(pl.time(18)).dt.strftime(STAMP),
        ),
        "ONC_PPS_ETAPE": share.pps_phases.select(
            NUM_PPS="pps_id",
            ORDRE="phase_no",
            ETAPE=pl.col("phase_type").replace_strict(
                {
                    **dict(zip(ref.treatments["treatment"], ref.treatments["label"], strict=True)),
                    "annonce": "Consultation d'annonce",
                }
            ),
            DT_DEBUT=pl.col("planned_start").dt.strftime(FR_DATE),
            DT_FIN=pl.col("planned_end").dt.strftime(FR_DATE),
            ETAB="finess",
        ),
    }
