"""Realistic defects, injected at configured rates into the canonical dataset, and their manifest.

Each defect class picks its rows at random (seeded) among eligible rows, changes them, and records
one manifest entry per changed thing with its canonical key. The store writers later add where
each entry lives (source, table, key in that source). Quality tests use the manifest as ground
truth, so a defect class must never be produced by the clean generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
import polars as pl

from demo.dataset import Dataset
from warehouse.quorum import Rule

DEFECT_CLASSES = {
    "missing_patient_informed": "fiche: 'patient informed' not traced",
    "missing_organ": "fiche: organ missing",
    "missing_icd10": "fiche: ICD-10 topography missing",
    "missing_rcp_date": "fiche: RCP date missing",
    "missing_requesting_physician": "fiche: requesting physician missing",
    "invalid_icd10": "fiche: ICD-10 code not in the WHO classification",
    "pps_before_rcp": "PPS delivered before the RCP that decided it",
    "birth_in_future": "patient: birth date in the future",
    "duplicate_fiche": "fiche recorded twice (same patient, session, version)",
    "session_under_quorum": "session: a required specialty absent (quorum not met)",
    "session_without_attendance": "session: no attendance recorded (quorum unknown)",
    "pps_without_gp": "PPS: no GP (médecin traitant) named",
    "ins_conflicting_birth_date": "identity: one INS with two birth dates",
    "orphan_fiche_session": "fiche refers to a session that does not exist",
}


@dataclass
class Injected:
    """What the injector changed: entries keyed on canonical tables."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, defect: str, table: str, rows: pl.DataFrame, key: list[str], **extra: Any
    ) -> None:
        """One entry per row: `key` columns form its key, other columns become fields."""
        for row in rows.iter_rows(named=True):  # one entry per defect: hundreds, not millions
            fields = {c: v for c, v in row.items() if c not in key}
            self.entries.append(
                {
                    "defect": defect,
                    "table": table,
                    "key": {c: row[c] for c in key},
                    **extra,
                    **fields,
                }
            )


def _pick(frame: pl.DataFrame, rate: float, rng: np.random.Generator) -> pl.DataFrame:
    """A seeded sample of about `rate` of the rows (at least one when rate > 0)."""
    if rate <= 0 or frame.height == 0:
        return frame.clear()
    n = max(1, round(frame.height * rate))
    idx = np.sort(rng.choice(frame.height, size=min(n, frame.height), replace=False))
    return frame[idx]


def inject(ds: Dataset, rates: dict[str, float], rng: np.random.Generator) -> Injected:
    """Apply every defect class to `ds.tables` in place; return what was changed."""
    unknown = set(rates) - set(DEFECT_CLASSES)
    if unknown:
        raise ValueError(
            f"unknown defect classes in config/demo.toml: {sorted(unknown)}; "
            f"known: {sorted(DEFECT_CLASSES)}"
        )
    t = ds.tables
    out = Injected()
    # fiches that carry exactly one defect each, so counts stay exact per class
    live = t["fiches"].filter(~pl.col("deleted")).select("fiche_id").sort("fiche_id")
    # a national Fiche RCP has one date, its session's: it cannot lack its RCP date, nor refer
    # to a session that does not exist (the session is where and when the document says)
    dated = (
        t["fiches"]
        .join(t["entities"].select("entity_id", "c3_id"), on="entity_id")
        .join(ds["c3"].select("c3_id", "source_kind"), on="c3_id")
        .filter(~pl.col("deleted") & (pl.col("source_kind") != "cda"))
        .select("fiche_id")
        .sort("fiche_id")
    )
    taken: set[int] = set()

    def fresh(rate: float, pool: pl.DataFrame = live) -> pl.DataFrame:
        pool = pool.filter(~pl.col("fiche_id").is_in(list(taken)))
        chosen = _pick(pool, rate, rng)
        taken.update(chosen["fiche_id"].to_list())
        return chosen

    fiche_nulls = {
        "missing_patient_informed": "patient_informed",
        "missing_organ": "organ",
        "missing_icd10": "icd10",
        "missing_rcp_date": "rcp_date",
        "missing_requesting_physician": "requesting_prof_id",
    }
    fiches = t["fiches"]
    for defect, column in fiche_nulls.items():
        chosen = fresh(rates.get(defect, 0.0), dated if defect == "missing_rcp_date" else live)
        fiches = fiches.with_columns(
            pl.when(pl.col("fiche_id").is_in(chosen["fiche_id"].implode()))
            .then(None)
            .otherwise(pl.col(column))
            .alias(column)
        )
        out.add(defect, "fiches", chosen, ["fiche_id"], column=column)

    chosen = fresh(rates.get("invalid_icd10", 0.0))
    bad = ds.reference.invalid_icd10["code"].to_numpy()
    codes = chosen.with_columns(
        bad_code=pl.Series(bad[rng.integers(0, len(bad), chosen.height)], dtype=pl.String)
    )
    fiches = (
        fiches.join(codes, on="fiche_id", how="left", maintain_order="left")
        .with_columns(icd10=pl.coalesce("bad_code", "icd10"))
        .drop("bad_code")
    )
    out.add(
        "invalid_icd10", "fiches", codes.rename({"bad_code": "value"}), ["fiche_id"], column="icd10"
    )

    chosen = fresh(rates.get("orphan_fiche_session", 0.0), dated)
    top = cast(int, t["sessions"]["session_id"].max()) + 100_000
    orphan_ids = chosen.with_columns(new_session=pl.int_range(top, top + pl.len()).cast(pl.Int64))
    fiches = (
        fiches.join(orphan_ids, on="fiche_id", how="left", maintain_order="left")
        .with_columns(session_id=pl.coalesce("new_session", "session_id"))
        .drop("new_session")
    )
    out.add(
        "orphan_fiche_session",
        "fiches",
        orphan_ids.rename({"new_session": "value"}),
        ["fiche_id"],
        column="session_id",
    )

    chosen = fresh(rates.get("duplicate_fiche", 0.0))
    next_id = cast(int, fiches["fiche_id"].max()) + 1
    dup_map = chosen.with_columns(new_id=pl.int_range(next_id, next_id + pl.len()).cast(pl.Int64))
    dups = (
        fiches.join(dup_map, on="fiche_id")
        .with_columns(duplicate_of=pl.col("fiche_id"), fiche_id=pl.col("new_id"))
        .drop("new_id")
    )
    fiches = pl.concat([fiches.with_columns(duplicate_of=pl.lit(None, pl.Int64)), dups])
    dup_versions = (
        t["versions"]
        .join(dup_map, on="fiche_id")
        .with_columns(fiche_id=pl.col("new_id"))
        .drop("new_id")
    )
    t["versions"] = pl.concat([t["versions"], dup_versions]).sort("fiche_id", "version")
    dup_props = (
        t["proposals"]
        .join(dup_map, on="fiche_id")
        .with_columns(fiche_id=pl.col("new_id"))
        .drop("new_id")
    )
    t["proposals"] = pl.concat([t["proposals"], dup_props]).sort("fiche_id", "treatment")
    out.add(
        "duplicate_fiche",
        "fiches",
        dup_map.select(fiche_id=pl.col("new_id"), duplicate_of=pl.col("fiche_id")),
        ["fiche_id"],
    )
    t["fiches"] = fiches.sort("fiche_id")

    # PPS (of fiches that carry no defect themselves, so each PPS defect stands alone)
    pps = t["pps"].sort("pps_id")
    sound = pps.filter(~pl.col("fiche_id").is_in(list(taken))).select("pps_id")
    chosen = _pick(sound, rates.get("pps_without_gp", 0.0), rng)
    pps = pps.with_columns(
        gp_id=pl.when(pl.col("pps_id").is_in(chosen["pps_id"].implode()))
        .then(None)
        .otherwise(pl.col("gp_id"))
    )
    out.add("pps_without_gp", "pps", chosen, ["pps_id"], column="gp_id")
    rest = sound.filter(~pl.col("pps_id").is_in(chosen["pps_id"].implode()))
    chosen = _pick(rest, rates.get("pps_before_rcp", 0.0), rng)
    rcp_day = t["fiches"].select("fiche_id", day=pl.col("session_start").dt.date())
    early = chosen.join(pps.select("pps_id", "fiche_id"), on="pps_id").join(rcp_day, on="fiche_id")
    early = early.with_columns(
        new_date=pl.col("day")
        - pl.duration(days=pl.lit(pl.Series(rng.integers(1, 31, early.height))))
    ).select("pps_id", "new_date")
    pps = (
        pps.join(early, on="pps_id", how="left", maintain_order="left")
        .with_columns(delivered_date=pl.coalesce("new_date", "delivered_date"))
        .drop("new_date")
    )
    out.add("pps_before_rcp", "pps", chosen, ["pps_id"], column="delivered_date")
    t["pps"] = pps

    # Patients and identities
    patients = t["patients"].sort("patient_id")
    ipp = t["patient_ipp"].with_columns(birth_date_override=pl.lit(None, pl.Date))
    chosen = _pick(patients.select("patient_id"), rates.get("birth_in_future", 0.0), rng)
    future = date(ds.last_year + 15, 6, 15)
    patients = patients.with_columns(
        birth_date=pl.when(pl.col("patient_id").is_in(chosen["patient_id"].implode()))
        .then(pl.lit(future))
        .otherwise(pl.col("birth_date"))
    )
    out.add("birth_in_future", "patients", chosen, ["patient_id"], column="birth_date")
    multi = (
        ipp.join(
            patients.filter(pl.col("ins").is_not_null()).select("patient_id", "ins"),
            on="patient_id",
        )
        .filter(~pl.col("patient_id").is_in(chosen["patient_id"].implode()))
        .group_by("patient_id")
        .agg(pl.col("finess").sort().last(), pl.col("ins").first(), n=pl.len())
        .filter(pl.col("n") >= 2)
        .sort("patient_id")
    )
    conflict = _pick(
        multi.select("patient_id", "finess", "ins"),
        rates.get("ins_conflicting_birth_date", 0.0),
        rng,
    )
    shifted = conflict.join(patients.select("patient_id", "birth_date"), on="patient_id").select(
        "patient_id", "finess", other=pl.col("birth_date") + pl.duration(days=31 * 13)
    )
    ipp = (
        ipp.join(shifted, on=["patient_id", "finess"], how="left", maintain_order="left")
        .with_columns(birth_date_override=pl.coalesce("other", "birth_date_override"))
        .drop("other")
    )
    out.add(
        "ins_conflicting_birth_date",
        "patient_ipp",
        conflict,
        ["patient_id", "finess"],
        column="birth_date",
    )
    t["patients"], t["patient_ipp"] = patients, ipp

    # Sessions: quorum
    sessions = t["sessions"].sort("session_id").select("session_id")
    chosen_missing = _pick(sessions, rates.get("session_without_attendance", 0.0), rng)
    rest = sessions.join(chosen_missing, on="session_id", how="anti")
    chosen_under = _pick(rest, rates.get("session_under_quorum", 0.0), rng)
    att = t["attendance"].filter(
        ~pl.col("session_id").is_in(chosen_missing["session_id"].implode())
    )
    critical = _critical_groups(t["sessions"], ds.rules)
    removed = (
        att.join(chosen_under, on="session_id")
        .join(critical, on="session_id")
        .join(t["professionals"].select("prof_id", "specialty", "specialty_2"), on="prof_id")
        .filter(
            pl.col("specialty").is_in(pl.col("group"))
            | pl.col("specialty_2").fill_null("").is_in(pl.col("group"))
        )
        .select("session_id", "prof_id")
    )
    t["attendance"] = att.join(removed, on=["session_id", "prof_id"], how="anti")
    out.add("session_without_attendance", "sessions", chosen_missing, ["session_id"])
    missing = chosen_under.join(critical, on="session_id", how="left", maintain_order="left")
    out.add(
        "session_under_quorum",
        "sessions",
        missing.rename({"group": "missing_specialties"}),
        ["session_id"],
    )
    return out


def _critical_groups(sessions: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """For each session, the first required group of its RCP type's rule in force that day."""
    rows = []
    for rule in rules:
        rows.append(
            (
                rule.applies_to,
                rule.valid_from,
                rule.valid_to or date(9999, 12, 31),
                list(rule.required[0]),
            )
        )
    rule_frame = pl.DataFrame(
        rows, schema=["rule_key", "valid_from", "valid_to", "group"], orient="row"
    )
    return (
        sessions.select("session_id", "rule_key", day=pl.col("session_start").dt.date())
        .join(rule_frame, on="rule_key")
        .filter((pl.col("valid_from") <= pl.col("day")) & (pl.col("day") <= pl.col("valid_to")))
        .select("session_id", "group")
    )
