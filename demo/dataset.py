"""Build the canonical demo dataset: every table of the demo networks as polars frames.

The canonical dataset is vendor-neutral; `demo.stores` then writes each 3C's share of it in the
shape of the software that 3C uses (regional DCC, another vendor, spreadsheets), plus the trial
registry and the establishment directory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import numpy as np
import polars as pl

from demo import activity, population, structure, trials
from demo.reference import Reference, clone_network, load_region, network_of
from rrc.settings import load_toml
from warehouse.quorum import Rule, load_rules

BURN_IN_YEARS = 4  # patients diagnosed before the window still come back (relapses, follow-ups)
NATIONAL_NETWORKS = 25
NATIONAL_VOLUME = 1.934  # x 25 networks x 20,680 dossiers = about 1M fiches a year
ID_STRIDE = 10_000_000  # ids of network k start at (k - 1) * ID_STRIDE + 1

# integer id columns of each canonical table, shifted by network so ids are unique nationally
ID_COLUMNS = {
    "entities": ["entity_id"],
    "professionals": ["prof_id"],
    "gp_practice": ["prof_id"],
    "participants": ["entity_id", "prof_id"],
    "sessions": ["session_id", "entity_id"],
    "attendance": ["session_id", "prof_id"],
    "patients": ["patient_id", "gp_id", "entity_id"],
    "patient_ipp": ["patient_id"],
    "fiches": [
        "fiche_id",
        "patient_id",
        "session_id",
        "entity_id",
        "requesting_prof_id",
        "previous_fiche_id",
        "episode_id",
    ],
    "versions": ["fiche_id", "validated_by"],
    "proposals": ["fiche_id"],
    "pps": ["pps_id", "fiche_id", "patient_id", "responsible_prof_id", "gp_id"],
    "pps_phases": ["pps_id"],
    "inclusions": ["inclusion_id", "patient_id", "fiche_id"],
    "supportive_care": ["provider_id"],
}


@dataclass(frozen=True)
class Scale:
    networks: int
    volume: float

    @classmethod
    def parse(cls, text: str) -> Scale:
        """ "region", "national" or a factor of the region's volume ("10", "0.1")."""
        if text == "region":
            return cls(1, 1.0)
        if text == "national":
            return cls(NATIONAL_NETWORKS, NATIONAL_VOLUME)
        try:
            factor = float(text)
        except ValueError as exc:
            raise ValueError(
                f"--scale must be 'region', 'national' or a number, not {text!r}"
            ) from exc
        if factor <= 0:
            raise ValueError("--scale factor must be positive")
        networks = max(1, round(factor / NATIONAL_VOLUME))
        return cls(networks, factor / networks)


@dataclass
class Dataset:
    """All canonical tables, keyed by name, plus what was generated with."""

    tables: dict[str, pl.DataFrame]
    reference: Reference
    first_year: int
    last_year: int
    seed: int
    scale: Scale
    network: int = 1
    rules: list[Rule] = field(default_factory=list)

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name]


Progress = Callable[[str], None]


def quorum_rules() -> list[Rule]:
    """The network's quorum rules, the same the quality checks evaluate."""
    return load_rules()


def build(
    first_year: int,
    last_year: int,
    seed: int,
    scale: Scale,
    network: int = 1,
    progress: Progress = lambda _step: None,
) -> Dataset:
    """Network `network` (1 = Auvergne) of a run; national runs build networks one by one, so
    memory stays that of one network whatever the scale."""
    cfg = load_toml("demo.toml")
    vol = cfg["volume"]
    rng = np.random.default_rng([seed, network] if network > 1 else seed)
    ref = clone_network(load_region(), network)
    rules = quorum_rules()
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)

    progress("structure")
    profs, participants, entities = structure.build_professionals(ref, rules, rng)
    gps = structure.build_gps(ref, first_id=cast(int, profs["prof_id"].max()) + 1)
    sessions = structure.build_sessions(entities, date(first_year - BURN_IN_YEARS, 1, 1), end)
    sessions = sessions.with_row_index("session_id", offset=1).with_columns(
        pl.col("session_id").cast(pl.Int64)
    )

    progress("patients")
    per_year = vol["new_patients_per_year"] * scale.volume
    patients = population.build_patients(
        ref,
        rng,
        first_year=first_year - BURN_IN_YEARS,
        last_year=last_year,
        per_year=per_year,
        growth=vol["yearly_growth"],
        calibration_year=vol["calibration_year"],
        share_without_ins=vol["share_without_ins"],
        share_outside=vol["share_outside_region"],
        network=network,
    )
    patients = population.assign_establishments(patients, ref, rng)
    second = population.assign_establishments(patients, ref, rng)["finess"]
    two = pl.Series(rng.random(patients.height) < vol["share_two_establishments"])
    patients = patients.with_columns(
        second_finess=pl.when(two & (second != pl.col("finess"))).then(second)
    )
    patients = population.assign_gps(patients, gps, rng)
    patients = activity.choose_entities(patients, ref, entities)

    progress("fiches")
    params = activity.ActivityParams(
        start=start,
        end=end,
        rediscussions=vol["rediscussions_per_episode"],
        relapse_probability=vol["relapse_probability"],
        share_registered_first=vol["share_registered_first"],
        share_registered_followup=vol["share_registered_followup"],
        share_video=vol["share_video"],
        share_two_establishments=vol["share_two_establishments"],
        share_pps=vol["share_pps"],
        share_deleted=vol["share_deleted"],
        share_not_validated=vol["share_not_validated"],
    )
    fiches = activity.build_fiches(patients, sessions, participants, ref, params, rng)
    fiches = activity.attach_clinical(fiches, patients)
    fiches = fiches.join(
        entities.select("entity_id", "c3_id"), on="entity_id", how="left", maintain_order="left"
    ).with_columns(network=network_of(pl.col("c3_id")))

    progress("trials")
    reference_year = vol["calibration_year"]
    if not first_year <= reference_year <= last_year:
        reference_year = first_year
    trial_table = trials.build_trials(
        rng,
        network=network,
        first_year=first_year,
        last_year=last_year,
        reference_year=reference_year,
        listed=cfg["trials"]["listed_in_reference_year"],
        closed=cfg["trials"]["closed_in_reference_year"],
    )
    fiches = trials.propose_trials(fiches, trial_table, rng, vol["share_trial_proposed"])
    inclusions = trials.build_inclusions(
        fiches, trial_table, rng, vol["share_trial_inclusion"], end
    )

    progress("versions, proposals, PPS")
    versions = activity.build_versions(fiches, entities)
    proposals = activity.build_proposals(fiches, rng)
    pps, phases = activity.build_pps(fiches, proposals, patients, params, rng)

    progress("attendance")
    held = sessions.join(fiches.select("session_id").unique(), on="session_id", how="semi")
    held = held.join(
        entities.select("entity_id", "c3_id", "rule_key"),
        on="entity_id",
        how="left",
        maintain_order="left",
    )
    attendance = structure.build_attendance(held, participants, rng)

    # patients and identities actually seen in the window
    seen = (
        pl.concat(
            [
                fiches.select("patient_id", "finess"),
                inclusions.select("patient_id", "finess"),
                pps.select("patient_id", "finess"),
            ]
        )
        .unique()
        .sort("patient_id", "finess")
    )
    ipp = seen.with_columns(
        ipp=pl.concat_str(
            pl.col("finess").str.slice(0, 2),
            pl.lit("P"),
            (pl.col("patient_id") * 7919 % 10_000_000).cast(pl.String).str.zfill(7),
        )
    )
    patients_seen = patients.join(seen.select("patient_id").unique(), on="patient_id", how="semi")
    first_fiche = (
        fiches.filter((pl.col("phase") == "premier_episode") & pl.col("first_presentation"))
        .group_by("patient_id")
        .agg(first_day=pl.col("session_start").min())
    )
    patients_seen = patients_seen.join(
        first_fiche, on="patient_id", how="left", maintain_order="left"
    ).sort("patient_id")

    professionals = pl.concat(
        [
            profs.select("prof_id", "specialty", "specialty_2", "c3_id", "finess"),
            gps.select("prof_id", "specialty", "specialty_2", "c3_id", "finess"),
        ]
    ).sort("prof_id")
    professionals = _name_professionals(professionals, ref, rng)

    supportive = _supportive_care(ref, rng)
    tables = {
        "c3": ref.c3,
        "establishments": ref.establishments,
        "entities": entities,
        "professionals": professionals,
        "gp_practice": gps.select("prof_id", "commune_code"),
        "participants": participants,
        "sessions": held.sort("session_id"),
        "attendance": attendance.sort("session_id", "prof_id"),
        "patients": patients_seen,
        "patient_ipp": ipp,
        "fiches": fiches.sort("fiche_id"),
        "versions": versions,
        "proposals": proposals,
        "pps": pps.sort("pps_id"),
        "pps_phases": phases.sort("pps_id", "phase_no"),
        "trials": trial_table,
        "inclusions": inclusions,
        "supportive_care": supportive,
    }
    if network > 1:
        offset = (network - 1) * ID_STRIDE
        for name, columns in ID_COLUMNS.items():
            present = [c for c in columns if c in tables[name].columns]
            tables[name] = tables[name].with_columns(pl.col(present) + offset)
    return Dataset(tables, ref, first_year, last_year, seed, scale, network, rules)


def _name_professionals(
    profs: pl.DataFrame, ref: Reference, rng: np.random.Generator
) -> pl.DataFrame:
    surnames = ref.names.filter(pl.col("kind") == "surname")["name"].to_numpy()
    firsts = ref.names.filter(pl.col("kind") != "surname")["name"].to_numpy()
    n = profs.height
    return profs.with_columns(
        last_name=pl.Series(surnames[rng.integers(0, len(surnames), n)]),
        first_name=pl.Series(firsts[rng.integers(0, len(firsts), n)]),
        rpps=pl.lit("10")
        + (pl.col("prof_id") * 104_729 % 1_000_000_000).cast(pl.String).str.zfill(9),
    )


def _supportive_care(ref: Reference, rng: np.random.Generator) -> pl.DataFrame:
    """Supportive-care providers: about one per kind and 100,000 inhabitants, in towns."""
    towns = ref.communes.filter(pl.col("population") >= 3000).sort("commune_code")
    frames = []
    total = ref.communes["population"].sum()
    for row in ref.supportive_kinds.iter_rows(named=True):  # 7 kinds
        n = max(1, round(total / 100_000 * row["per_100k"]))
        w = towns["population"].to_numpy().astype(float)
        idx = rng.choice(towns.height, n, p=w / w.sum())
        frames.append(
            towns[idx].select(
                "commune_code",
                "commune_name",
                "lat",
                "lon",
                kind=pl.lit(row["kind"]),
                kind_label=pl.lit(row["label"]),
            )
        )
    out = pl.concat(frames).with_row_index("provider_id", offset=1)
    return out.with_columns(
        pl.col("provider_id").cast(pl.Int64),
        name=pl.col("kind_label") + pl.lit(" - ") + pl.col("commune_name"),
        lat=pl.col("lat") + pl.Series(rng.normal(0, 0.004, out.height)),
        lon=pl.col("lon") + pl.Series(rng.normal(0, 0.004, out.height)),
        phone=pl.lit("04 73 ")
        + (pl.col("provider_id") * 4391 % 1_000_000)
        .cast(pl.String)
        .str.zfill(6)
        .str.replace(r"(\d\d)(\d\d)(\d\d)", "$1 $2 $3"),
    )
