"""RCP activity of the demo networks: fiches and their versions, proposals, PPS.

Everything here is vectorised over polars frames; randomness comes from one numpy Generator and is
drawn on frames sorted by their keys, so a seed gives the same rows every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from demo.reference import TREATMENT_MIX, Reference, network_of
from demo.structure import closed, closure

TREATMENT_ORDER = [
    "chirurgie",
    "radiologie_interventionnelle",
    "chimiotherapie",
    "therapie_ciblee",
    "immunotherapie",
    "radiotherapie",
    "curietherapie",
    "hormonotherapie",
    "soins_support",
    "surveillance",
    "autre",
]
PHASE_DAYS = {
    "chirurgie": (1, 7),
    "radiologie_interventionnelle": (1, 3),
    "chimiotherapie": (90, 180),
    "therapie_ciblee": (90, 365),
    "immunotherapie": (90, 365),
    "radiotherapie": (25, 45),
    "curietherapie": (1, 7),
    "hormonotherapie": (365, 1825),
    "soins_support": (30, 180),
    "surveillance": (180, 365),
    "autre": (7, 60),
}
REASONS_FIRST = [
    "Décision thérapeutique initiale",
    "Bilan d'extension",
    "Traitement adjuvant après chirurgie",
]
REASONS_FOLLOW = [
    "Réévaluation après traitement",
    "Résultats anatomopathologiques",
    "Adaptation thérapeutique",
    "Suivi",
]


@dataclass(frozen=True)
class ActivityParams:
    start: date
    end: date
    rediscussions: float
    relapse_probability: float
    share_registered_first: float
    share_registered_followup: float
    share_video: float
    share_two_establishments: float
    share_pps: float
    share_deleted: float
    share_not_validated: float


def _uniform_days(rng: np.random.Generator, n: int, low: int, high: int) -> pl.Series:
    return pl.Series(rng.integers(low, high + 1, n), dtype=pl.Int64)


def choose_entities(patients: pl.DataFrame, ref: Reference, entities: pl.DataFrame) -> pl.DataFrame:
    """The RCP entity each patient is presented at: their establishment's 3C if it covers the
    organ, else the network's reference (recours) entity for that organ."""
    cover = (
        entities.select(
            "entity_id",
            "c3_id",
            "finess",
            "recours",
            n_organs=pl.col("organs").str.count_matches(r"\|") + 1,
            organ=pl.col("organs").str.split("|"),
        )
        .explode("organ")
        .with_columns(network=network_of(pl.col("c3_id")))
    )
    local = (
        cover.sort("n_organs", "entity_id")
        .group_by("c3_id", "organ", maintain_order=True)
        .agg(pl.col("entity_id").first(), pl.col("finess").first().alias("entity_finess"))
    )
    fallback = (
        cover.sort(pl.col("recours"), "n_organs", "entity_id", descending=[True, False, False])
        .group_by("network", "organ", maintain_order=True)
        .agg(
            pl.col("entity_id").first().alias("fb_entity"),
            pl.col("finess").first().alias("fb_finess"),
        )
    )
    est = ref.establishments.select("finess", "c3_id")
    out = (
        patients.join(est, on="finess", how="left", maintain_order="left")
        .join(local, on=["c3_id", "organ"], how="left", maintain_order="left")
        .join(fallback, on=["network", "organ"], how="left", maintain_order="left")
        .with_columns(
            entity_id=pl.coalesce("entity_id", "fb_entity"),
            fiche_finess=pl.when(pl.col("entity_id").is_not_null())
            .then(pl.col("finess"))
            .otherwise(pl.col("fb_finess")),
        )
        .drop("fb_entity", "fb_finess", "entity_finess")
    )
    return out


def build_fiches(
    patients: pl.DataFrame,
    sessions: pl.DataFrame,
    participants: pl.DataFrame,
    ref: Reference,
    p: ActivityParams,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """One row per fiche (document set) presented at a session between p.start and p.end."""
    n = patients.height
    relapse = rng.random(n) < p.relapse_probability
    episodes = pl.concat(
        [
            patients.select(
                "patient_id",
                "entity_id",
                "fiche_finess",
                "second_finess",
                start=pl.col("diagnosis_date")
                + pl.duration(days=pl.lit(_uniform_days(rng, n, 0, 20))),
                phase=pl.lit("premier_episode"),
            ),
            patients.filter(pl.Series(relapse)).select(
                "patient_id",
                "entity_id",
                "fiche_finess",
                "second_finess",
                start=pl.col("diagnosis_date")
                + pl.duration(days=pl.lit(_uniform_days(rng, int(relapse.sum()), 365, 1460))),
                phase=pl.lit("rechute"),
            ),
        ]
    ).sort("patient_id", "start")
    m = episodes.height
    k = rng.poisson(p.rediscussions * np.where(episodes["phase"] == "rechute", 0.5, 1.0))
    episodes = episodes.with_columns(episode_id=pl.int_range(1, m + 1), n_fiches=pl.Series(k + 1))
    fiches = (
        episodes.with_columns(seq=pl.int_ranges(0, pl.col("n_fiches")))
        .explode("seq")
        .sort("episode_id", "seq")
    )
    f = fiches.height
    gap = np.where(fiches["seq"].to_numpy() == 0, 0, rng.integers(30, 151, f))
    fiches = fiches.with_columns(gap=pl.Series(gap, dtype=pl.Int64)).with_columns(
        event=pl.col("start") + pl.duration(days=pl.col("gap").cum_sum().over("episode_id"))
    )
    # what falls in the RCPs' Christmas break is not all presented at the first session back: a
    # first presentation waits up to six weeks after it, a re-discussion is brought forward into
    # the three weeks before or put off up to six weeks after; sessions keep their size all year
    day = pl.col("event").dt.date()
    first_closed, last_closed = closure(day)
    offset = pl.lit(pl.Series(rng.integers(0, 63, f), dtype=pl.Int64))
    moved = (
        pl.when(pl.col("seq") == 0)
        .then(last_closed + pl.duration(days=offset % 42 + 1))
        .when(offset < 21)
        .then(first_closed - pl.duration(days=21 - offset))
        .otherwise(last_closed + pl.duration(days=offset - 20))
    )
    fiches = fiches.with_columns(event=pl.when(closed(day)).then(moved).otherwise(pl.col("event")))
    # the next session of the entity on or after the event
    sess = sessions.select("session_id", "entity_id", "day").sort("day")
    fiches = (
        fiches.sort("event")
        .join_asof(
            sess,
            left_on="event",
            right_on="day",
            by="entity_id",
            strategy="forward",
            check_sortedness=False,
        )
        .filter(
            pl.col("session_id").is_not_null()
            & (pl.col("day") >= p.start)
            & (pl.col("day") <= p.end)
        )
        .join(sessions.select("session_id", "session_start"), on="session_id")
        .sort("session_start", "entity_id", "patient_id", "episode_id", "seq")
        # a relapse may fall on the session of a re-discussion: one fiche per patient and session
        .unique(["patient_id", "session_id"], keep="first", maintain_order=True)
    )
    f = fiches.height
    first = fiches["seq"] == 0
    # a follow-up may be handled in the patient's second establishment
    second = pl.Series(rng.random(f) < 0.5) & ~first & fiches["second_finess"].is_not_null()
    registered = np.where(
        first.to_numpy(),
        rng.random(f) < p.share_registered_first,
        rng.random(f) < p.share_registered_followup,
    )
    core = participants.filter(pl.col("slot") >= 0).sort("entity_id", "slot", "rank", "prof_id")
    core = core.group_by("entity_id", maintain_order=True).agg(pl.col("prof_id"))
    fiches = (
        fiches.with_row_index("fiche_id", offset=1)
        .with_columns(pl.col("fiche_id").cast(pl.Int64))
        .join(core, on="entity_id", how="left", maintain_order="left")
        .with_columns(
            finess=pl.when(second).then(pl.col("second_finess")).otherwise(pl.col("fiche_finess")),
            first_presentation=first,
            rcp_date=pl.col("session_start").dt.date(),
            previous_fiche_id=pl.when(~first).then(
                pl.col("fiche_id").shift(1).over("episode_id", order_by="seq")
            ),
            case_status=pl.when(pl.Series(registered))
            .then(pl.lit("enregistre"))
            .otherwise(pl.lit("discute")),
            mode=pl.when(pl.Series(rng.random(f) < p.share_video))
            .then(pl.lit("visio"))
            .otherwise(pl.lit("presentiel")),
            patient_informed=pl.lit(True),
            requesting_prof_id=pl.col("prof_id").list.get(
                pl.lit(pl.Series(rng.integers(0, 2, f))), null_on_oob=True
            ),
            reason=pl.Series(
                np.where(
                    first.to_numpy(),
                    np.array(REASONS_FIRST)[rng.integers(0, 3, f)],
                    np.array(REASONS_FOLLOW)[rng.integers(0, 4, f)],
                )
            ),
            who_ps=pl.Series(rng.choice(5, f, p=[0.45, 0.3, 0.15, 0.07, 0.03]), dtype=pl.Int8),
            t_raw=pl.Series(rng.integers(1, 5, f)),
            n_raw=pl.Series(rng.choice(4, f, p=[0.55, 0.25, 0.15, 0.05])),
            m_raw=pl.Series(rng.random(f) < 0.12),
            deleted=pl.Series(rng.random(f) < p.share_deleted),
            validated=pl.Series(rng.random(f) >= p.share_not_validated),
            extra_draft=pl.Series(rng.random(f) < 0.15),
            draft_days=_uniform_days(rng, f, 1, 6),
            validation_hours=_uniform_days(rng, f, 1, 240),
        )
        .drop("prof_id")
    )
    return fiches


def attach_clinical(fiches: pl.DataFrame, patients: pl.DataFrame) -> pl.DataFrame:
    """Organ, ICD-10, morphology and TNM of each fiche (hematology has no TNM)."""
    pat = patients.select("patient_id", "organ", "icd10", "morphology")
    solid = pl.col("organ") != "hematologie"
    in_situ = pl.col("icd10").str.starts_with("D")
    return (
        fiches.join(pat, on="patient_id", how="left", maintain_order="left")
        .with_columns(
            tnm_t=pl.when(solid).then(
                pl.when(in_situ)
                .then(pl.lit("Tis"))
                .otherwise(pl.lit("T") + pl.col("t_raw").cast(pl.String))
            ),
            # a carcinoma in situ (ICD-10 D00-D09) has spread nowhere: N0 M0
            tnm_n=pl.when(solid).then(
                pl.when(in_situ)
                .then(pl.lit("N0"))
                .otherwise(pl.lit("N") + pl.col("n_raw").cast(pl.String))
            ),
            tnm_m=pl.when(solid).then(
                pl.when(pl.col("m_raw") & ~in_situ).then(pl.lit("M1")).otherwise(pl.lit("M0"))
            ),
        )
        .drop("t_raw", "n_raw", "m_raw")
    )


def build_versions(fiches: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """Versions of each fiche: drafts, then the validated version with its order number."""
    n_versions = (
        pl.when(~pl.col("validated"))
        .then(1 + pl.col("extra_draft").cast(pl.Int64))
        .otherwise(2 + pl.col("extra_draft").cast(pl.Int64))
    )
    base = fiches.select(
        "fiche_id",
        "session_start",
        "draft_days",
        "validation_hours",
        "validated",
        "entity_id",
        "requesting_prof_id",
        n_versions=n_versions,
    )
    v = base.with_columns(version=pl.int_ranges(1, pl.col("n_versions") + 1)).explode("version")
    is_final_validated = pl.col("validated") & (pl.col("version") == pl.col("n_versions"))
    v = v.with_columns(
        status=pl.when(is_final_validated).then(pl.lit("valide")).otherwise(pl.lit("brouillon")),
        saved_at=pl.when(is_final_validated)
        .then(pl.col("session_start") + pl.duration(hours=pl.col("validation_hours")))
        .when(pl.col("version") == 1)
        .then(pl.col("session_start") - pl.duration(days=pl.col("draft_days")))
        .otherwise(pl.col("session_start") - pl.duration(hours=2)),
    ).with_columns(
        validated_at=pl.when(pl.col("status") == "valide").then(pl.col("saved_at")),
        validated_by=pl.when(pl.col("status") == "valide").then(pl.col("requesting_prof_id")),
    )
    c3 = entities.select("entity_id", "c3_id")
    v = v.join(c3, on="entity_id", how="left", maintain_order="left")
    valid = (
        v.filter(pl.col("status") == "valide")
        .sort("validated_at", "fiche_id")
        .with_columns(
            order_number=pl.concat_str(
                pl.col("validated_at").dt.year().cast(pl.String),
                pl.lit("-"),
                (pl.int_range(1, pl.len() + 1).over("c3_id", pl.col("validated_at").dt.year()))
                .cast(pl.String)
                .str.zfill(6),
            )
        )
        .select("fiche_id", "version", "order_number")
    )
    return (
        v.join(valid, on=["fiche_id", "version"], how="left", maintain_order="left")
        .select(
            "fiche_id",
            "version",
            "status",
            "saved_at",
            "validated_at",
            "validated_by",
            "order_number",
        )
        .sort("fiche_id", "version")
    )


def build_proposals(fiches: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Treatment types proposed on each fiche (at least one)."""
    mix = pl.DataFrame(
        [(o, t, pr) for o, items in TREATMENT_MIX.items() for t, pr in items],
        schema=["organ", "treatment", "p"],
        orient="row",
    )
    rows = fiches.select("fiche_id", "organ").join(mix, on="organ").sort("fiche_id", "treatment")
    rows = rows.filter(pl.Series(rng.random(rows.height)) < pl.col("p")).select(
        "fiche_id", "treatment"
    )
    missing = (
        fiches.select("fiche_id")
        .join(rows, on="fiche_id", how="anti")
        .with_columns(treatment=pl.lit("surveillance"))
    )
    return pl.concat([rows, missing]).sort("fiche_id", "treatment")


def build_pps(
    fiches: pl.DataFrame,
    proposals: pl.DataFrame,
    patients: pl.DataFrame,
    p: ActivityParams,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A PPS for most first presentations: the announcement, then each proposed treatment."""
    eligible = fiches.filter(
        pl.col("first_presentation")
        & (pl.col("phase") == "premier_episode")
        & pl.col("validated")
        & ~pl.col("deleted")
    ).sort("fiche_id")
    chosen = eligible.filter(pl.Series(rng.random(eligible.height) < p.share_pps))
    pps = (
        chosen.select(
            "fiche_id",
            "patient_id",
            "finess",
            responsible_prof_id=pl.col("requesting_prof_id"),
            delivered_date=pl.col("session_start").dt.date()
            + pl.duration(days=pl.lit(_uniform_days(rng, chosen.height, 3, 21))),
        )
        .with_row_index("pps_id", offset=1)
        .with_columns(pl.col("pps_id").cast(pl.Int64))
    )
    pps = pps.join(
        patients.select("patient_id", "gp_id"), on="patient_id", how="left", maintain_order="left"
    )
    order = {t: i for i, t in enumerate(TREATMENT_ORDER)}
    steps = (
        pps.select("pps_id", "fiche_id", "finess", "delivered_date")
        .join(proposals, on="fiche_id")
        .with_columns(rank=pl.col("treatment").replace_strict(order, return_dtype=pl.Int64))
        .sort("pps_id", "rank")
    )
    lo = steps["treatment"].replace_strict({k: v[0] for k, v in PHASE_DAYS.items()}).to_numpy()
    hi = steps["treatment"].replace_strict({k: v[1] for k, v in PHASE_DAYS.items()}).to_numpy()
    duration = rng.integers(lo, hi + 1)
    wait = rng.integers(7, 22, steps.height)
    steps = (
        steps.with_columns(duration=pl.Series(duration), wait=pl.Series(wait))
        .with_columns(
            planned_start=pl.col("delivered_date")
            + pl.duration(
                days=(pl.col("wait") + pl.col("duration")).cum_sum().over("pps_id")
                - pl.col("duration")
            ),
        )
        .with_columns(planned_end=pl.col("planned_start") + pl.duration(days=pl.col("duration")))
    )
    announce = pps.select(
        "pps_id",
        "finess",
        phase_type=pl.lit("annonce"),
        planned_start=pl.col("delivered_date"),
        planned_end=pl.col("delivered_date"),
    )
    phases = (
        pl.concat(
            [
                announce,
                steps.select(
                    "pps_id",
                    "finess",
                    phase_type=pl.col("treatment"),
                    planned_start=pl.col("planned_start"),
                    planned_end=pl.col("planned_end"),
                ),
            ]
        )
        .sort("pps_id", "planned_start", "phase_type")
        .with_columns(phase_no=pl.int_range(1, pl.len() + 1).over("pps_id"))
    )
    return pps, phases
