"""Store (a): the regional DCC/RCP software, a normalised schema with codes and versioned fiches.

Every table carries `updated_at` (the ETL's watermark), indexed as a store read incrementally
indexes it (the day's read is then an index scan, not a scan of the table); fiches deleted by users
keep their rows with `deleted_at` set (tombstones). Patients are identities per establishment
(IPP + FINESS), with the INS when known.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from demo.stores.partition import Share, identity_key

metadata = sa.MetaData()
S = sa.String

centre_3c = sa.Table(
    "centre_3c",
    metadata,
    sa.Column("id_3c", S(16), primary_key=True),
    sa.Column("libelle", S(120), nullable=False),
    sa.Column("code_departement", S(3), nullable=False),
)
rcp = sa.Table(
    "rcp",
    metadata,
    sa.Column("id_rcp", sa.Integer, primary_key=True),
    sa.Column("code_rcp", S(16), nullable=False),
    sa.Column("libelle", S(160), nullable=False),
    sa.Column("id_3c", S(16), nullable=False),
    sa.Column("finess_lieu", S(9), nullable=False),
    sa.Column("type_rcp", S(24), nullable=False),
    sa.Column("organes", S(200), nullable=False),
    sa.Column("jour_semaine", sa.SmallInteger, nullable=False),
    sa.Column("periodicite_semaines", sa.SmallInteger, nullable=False),
    sa.Column("heure", sa.SmallInteger, nullable=False),
    sa.Column("recours", sa.Boolean, nullable=False),
)
professionnel = sa.Table(
    "professionnel",
    metadata,
    sa.Column("id_professionnel", sa.Integer, primary_key=True),
    sa.Column("rpps", S(11), nullable=False),
    sa.Column("nom", S(80), nullable=False),
    sa.Column("prenom", S(80), nullable=False),
    sa.Column("finess", S(9)),
)
professionnel_specialite = sa.Table(
    "professionnel_specialite",
    metadata,
    sa.Column("id_professionnel", sa.Integer, primary_key=True),
    sa.Column("code_specialite", S(40), primary_key=True),
    sa.Column("rang", sa.SmallInteger, nullable=False),
)
rcp_participant_habituel = sa.Table(
    "rcp_participant_habituel",
    metadata,
    sa.Column("id_rcp", sa.Integer, primary_key=True),
    sa.Column("id_professionnel", sa.Integer, primary_key=True),
)
patient_identite = sa.Table(
    "patient_identite",
    metadata,
    sa.Column("id_identite", sa.Integer, primary_key=True),
    sa.Column("ipp", S(20), nullable=False),
    sa.Column("finess", S(9), nullable=False),
    sa.Column("ins", S(15)),
    sa.Column("nom", S(80), nullable=False),
    sa.Column("prenom", S(80), nullable=False),
    sa.Column("date_naissance", sa.Date, nullable=False),
    sa.Column("sexe", sa.SmallInteger, nullable=False),
    sa.Column("code_commune", S(5)),
    sa.Column("id_medecin_traitant", sa.Integer),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
rcp_seance = sa.Table(
    "rcp_seance",
    metadata,
    sa.Column("id_seance", sa.Integer, primary_key=True),
    sa.Column("id_rcp", sa.Integer, nullable=False),
    sa.Column("date_seance", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
seance_presence = sa.Table(
    "seance_presence",
    metadata,
    sa.Column("id_seance", sa.Integer, primary_key=True),
    sa.Column("id_professionnel", sa.Integer, primary_key=True),
    sa.Column("mode_presence", S(12), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
fiche_rcp = sa.Table(
    "fiche_rcp",
    metadata,
    sa.Column("id_fiche", sa.Integer, primary_key=True),
    sa.Column("version", sa.SmallInteger, primary_key=True),
    sa.Column("id_seance", sa.Integer, nullable=False),
    sa.Column("id_identite", sa.Integer, nullable=False),
    sa.Column("id_medecin_demandeur", sa.Integer),
    sa.Column("date_rcp", sa.Date),
    sa.Column("code_organe", S(16)),
    sa.Column("cim10", S(8)),
    sa.Column("morpho_cimo3", S(8)),
    sa.Column("tnm_t", S(4)),
    sa.Column("tnm_n", S(4)),
    sa.Column("tnm_m", S(4)),
    sa.Column("score_oms", sa.SmallInteger),
    sa.Column("phase", S(20), nullable=False),
    sa.Column("premiere_presentation", sa.Boolean, nullable=False),
    sa.Column("id_fiche_precedente", sa.Integer),
    sa.Column("motif", S(120), nullable=False),
    sa.Column("niveau", sa.SmallInteger, nullable=False),
    sa.Column("mode_presentation", S(12), nullable=False),
    sa.Column("patient_informe", sa.Boolean),
    sa.Column("essai_propose", S(12)),
    sa.Column("statut", S(12), nullable=False),
    sa.Column("numero_ordre", S(16)),
    sa.Column("date_validation", sa.DateTime),
    sa.Column("id_validateur", sa.Integer),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    sa.Column("deleted_at", sa.DateTime),
)
fiche_proposition = sa.Table(
    "fiche_proposition",
    metadata,
    sa.Column("id_fiche", sa.Integer, primary_key=True),
    sa.Column("code_traitement", S(32), primary_key=True),
)
pps = sa.Table(
    "pps",
    metadata,
    sa.Column("id_pps", sa.Integer, primary_key=True),
    sa.Column("id_fiche", sa.Integer, nullable=False),
    sa.Column("id_identite", sa.Integer, nullable=False),
    sa.Column("id_medecin_traitant", sa.Integer),
    sa.Column("id_medecin_referent", sa.Integer),
    sa.Column("date_remise", sa.Date, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
pps_phase = sa.Table(
    "pps_phase",
    metadata,
    sa.Column("id_pps", sa.Integer, primary_key=True),
    sa.Column("num_phase", sa.SmallInteger, primary_key=True),
    sa.Column("type_phase", S(32), nullable=False),
    sa.Column("date_debut_prevue", sa.Date, nullable=False),
    sa.Column("date_fin_prevue", sa.Date, nullable=False),
    sa.Column("finess_lieu", S(9)),
)

SEX_CODE = {"M": 1, "F": 2}


def tables(share: Share) -> dict[str, pl.DataFrame]:
    """The rows of each DCC table for this share of the dataset."""
    ident = identity_key(share)
    fiches = share.fiches.join(
        ident, on=["patient_id", "finess"], how="left", maintain_order="left"
    )
    last_saved = share.versions.group_by("fiche_id").agg(last=pl.col("saved_at").max())
    fiches = fiches.join(last_saved, on="fiche_id", how="left", maintain_order="left").with_columns(
        deleted_at=pl.when(pl.col("deleted")).then(pl.col("last") + pl.duration(days=3))
    )
    versions = share.versions.join(fiches, on="fiche_id", how="inner")
    first_seen = fiches.group_by("identity_id").agg(first=pl.col("session_start").min())
    out = {
        "centre_3c": share.c3.select(
            id_3c="c3_id", libelle="name", code_departement="department_code"
        ),
        "rcp": share.entities.select(
            id_rcp="entity_id",
            code_rcp="entity_code",
            libelle="name",
            id_3c="c3_id",
            finess_lieu="finess",
            type_rcp=pl.col("rule_key").str.to_uppercase(),
            organes=pl.col("organs").str.to_uppercase(),
            jour_semaine="weekday",
            periodicite_semaines="every_weeks",
            heure="hour",
            recours=pl.col("recours") == 1,
        ),
        "professionnel": share.professionals.select(
            id_professionnel="prof_id",
            rpps="rpps",
            nom=pl.col("last_name").str.to_uppercase(),
            prenom="first_name",
            finess="finess",
        ),
        "professionnel_specialite": pl.concat(
            [
                share.professionals.select(
                    id_professionnel="prof_id", code_specialite="specialty", rang=pl.lit(1)
                ),
                share.professionals.filter(pl.col("specialty_2").is_not_null()).select(
                    id_professionnel="prof_id", code_specialite="specialty_2", rang=pl.lit(2)
                ),
            ]
        ),
        "rcp_participant_habituel": share.participants.select(
            id_rcp="entity_id", id_professionnel="prof_id"
        ).unique(),
        "patient_identite": share.identities.join(
            first_seen, on="identity_id", how="left", maintain_order="left"
        ).select(
            id_identite="identity_id",
            ipp="ipp",
            finess="finess",
            ins="ins",
            nom=pl.col("last_name").str.to_uppercase(),
            prenom="first_name",
            date_naissance="birth_date",
            sexe=pl.col("sex").replace_strict(SEX_CODE),
            code_commune="commune_code",
            id_medecin_traitant="gp_id",
            updated_at=pl.coalesce("first", pl.lit(None, pl.Datetime("us"))) - pl.duration(days=7),
        ),
        "rcp_seance": share.sessions.select(
            id_seance="session_id",
            id_rcp="entity_id",
            date_seance="session_start",
            updated_at=pl.col("session_start") + pl.duration(days=1),
        ),
        "seance_presence": share.attendance.join(
            share.sessions.select("session_id", "session_start"), on="session_id"
        ).select(
            id_seance="session_id",
            id_professionnel="prof_id",
            mode_presence=pl.col("attendance_mode").str.to_uppercase(),
            updated_at=pl.col("session_start") + pl.duration(days=1),
        ),
        "fiche_rcp": versions.select(
            id_fiche="fiche_id",
            version="version",
            id_seance="session_id",
            id_identite="identity_id",
            id_medecin_demandeur="requesting_prof_id",
            date_rcp="rcp_date",
            code_organe=pl.col("organ").str.to_uppercase(),
            cim10="icd10",
            morpho_cimo3="morphology",
            tnm_t="tnm_t",
            tnm_n="tnm_n",
            tnm_m="tnm_m",
            score_oms="who_ps",
            phase=pl.col("phase").str.to_uppercase(),
            premiere_presentation="first_presentation",
            id_fiche_precedente="previous_fiche_id",
            motif="reason",
            niveau=pl.when(pl.col("case_status") == "discute").then(2).otherwise(1),
            mode_presentation=pl.col("mode").str.to_uppercase(),
            patient_informe="patient_informed",
            essai_propose="trial_id",
            statut=pl.when(pl.col("status") == "valide")
            .then(pl.lit("VALIDEE"))
            .otherwise(pl.lit("BROUILLON")),
            numero_ordre="order_number",
            date_validation="validated_at",
            id_validateur="validated_by",
            created_at="saved_at",
            updated_at=pl.coalesce("deleted_at", "saved_at"),
            deleted_at="deleted_at",
        ),
        "fiche_proposition": share.proposals.select(
            id_fiche="fiche_id", code_traitement="treatment"
        ),
        "pps": share.pps.join(
            ident, on=["patient_id", "finess"], how="left", maintain_order="left"
        ).select(
            id_pps="pps_id",
            id_fiche="fiche_id",
            id_identite="identity_id",
            id_medecin_traitant="gp_id",
            id_medecin_referent="responsible_prof_id",
            date_remise="delivered_date",
            updated_at=pl.col("delivered_date").dt.combine(pl.time(18)),
        ),
        "pps_phase": share.pps_phases.select(
            id_pps="pps_id",
            num_phase="phase_no",
            type_phase="phase_type",
            date_debut_prevue="planned_start",
            date_fin_prevue="planned_end",
            finess_lieu="finess",
        ),
    }
    return out
