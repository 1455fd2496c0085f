"""Incident patients of the demo networks: identity, residence, tumour, treating establishment."""

from __future__ import annotations

from datetime import date
from typing import cast

import numpy as np
import polars as pl

from demo.reference import Reference, network_of


def _weighted_choice(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    p = weights / weights.sum()
    return rng.choice(len(p), size=n, p=p)


def build_patients(
    ref: Reference,
    rng: np.random.Generator,
    *,
    first_year: int,
    last_year: int,
    per_year: float,
    growth: float,
    calibration_year: int,
    share_without_ins: float,
    share_outside: float,
    network: int = 1,
) -> pl.DataFrame:
    """One row per incident patient, diagnosed between 1 January `first_year` and `last_year`."""
    years = np.arange(first_year, last_year + 1)
    counts = np.round(per_year * (1 + growth) ** (years - calibration_year)).astype(np.int64)
    n = int(counts.sum())
    year = np.repeat(years, counts)
    # fewer cancers are diagnosed in the holidays: 1-21 August, 24 December-1 January
    days = np.ones(365)
    days[212:233] = 0.6
    days[[0, *range(357, 365)]] = 0.4
    day_of_year = rng.choice(365, size=n, p=days / days.sum())
    diagnosis = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + day_of_year

    organs = ref.organs
    organ_idx = _weighted_choice(rng, organs["share"].to_numpy(), n)
    organ = organs["organ"].to_numpy()[organ_idx]
    female = rng.random(n) < organs["sex_ratio_female"].to_numpy()[organ_idx]
    age = np.clip(rng.normal(organs["mean_age"].to_numpy()[organ_idx], 12.0), 18, 97)
    birth = diagnosis - np.round(age * 365.25).astype("timedelta64[D]")

    # ICD-10 topography within the organ, by weight
    icd = ref.icd10.with_columns(
        p=pl.col("weight") / pl.col("weight").sum().over("organ"),
    ).with_columns(cum=pl.col("p").cum_sum().over("organ"))
    u = rng.random(n)
    picks = (
        pl.DataFrame({"i": np.arange(n), "organ": organ, "u": u})
        .join(icd.select("organ", "icd10", "morphology", "cum"), on="organ")
        .filter(pl.col("cum") >= pl.col("u"))
        .sort("i", "cum")
        .group_by("i", maintain_order=True)
        .first()
        .sort("i")
    )

    # Residence: communes weighted by population; a few patients come from outside the region
    communes = ref.communes
    commune_idx = _weighted_choice(rng, communes["population"].to_numpy().astype(float), n)
    commune = communes["commune_code"].to_numpy()[commune_idx]
    territory = communes["territory_code"].to_numpy()[commune_idx]
    outside = rng.random(n) < share_outside
    out_codes = ref.outside_communes["commune_code"].to_numpy()
    commune = np.where(outside, out_codes[rng.integers(0, len(out_codes), n)], commune)

    surnames = ref.names.filter(pl.col("kind") == "surname")["name"].to_numpy()
    f_names = ref.names.filter(pl.col("kind") == "female")["name"].to_numpy()
    m_names = ref.names.filter(pl.col("kind") == "male")["name"].to_numpy()
    first_name = np.where(
        female, f_names[rng.integers(0, len(f_names), n)], m_names[rng.integers(0, len(m_names), n)]
    )
    has_ins = rng.random(n) >= share_without_ins
    # INS (NIR-like): sex digit, birth year and month, commune, order (unique), control key
    patients = (
        pl.DataFrame(
            {
                "patient_id": np.arange(1, n + 1, dtype=np.int64),
                "diagnosis_date": diagnosis.astype("datetime64[D]"),
                "organ": organ,
                "sex": np.where(female, "F", "M"),
                "birth_date": birth.astype("datetime64[D]"),
                "last_name": surnames[rng.integers(0, len(surnames), n)],
                "first_name": first_name,
                "commune_code": commune,
                "network": territory,
                "has_ins": has_ins,
            }
        )
        .with_columns(
            icd10=picks["icd10"],
            morphology=picks["morphology"],
            network=pl.when(pl.col("network").str.starts_with("R"))
            .then(pl.col("network").str.slice(1, 2).cast(pl.Int32))
            .otherwise(pl.lit(1, pl.Int32)),
        )
        .with_columns(
            ins_order=pl.int_range(0, pl.len()).over(
                "sex",
                pl.col("birth_date").dt.strftime("%y%m"),
                "commune_code",
                order_by="patient_id",
            )
        )
        .with_columns(
            # unique per person nationally: networks share the communes outside their region
            ins_order=pl.when(pl.col("commune_code").is_in(out_codes.tolist()))
            .then(pl.col("ins_order") * 32 + network)
            .otherwise(pl.col("ins_order") + 1)
        )
        .with_columns(
            ins=pl.when(pl.col("has_ins")).then(
                pl.concat_str(
                    pl.when(pl.col("sex") == "M").then(pl.lit("1")).otherwise(pl.lit("2")),
                    pl.col("birth_date").dt.strftime("%y%m"),
                    pl.col("commune_code"),
                    pl.col("ins_order").cast(pl.String).str.zfill(3),
                )
            )
        )
        .with_columns(
            ins=pl.when(pl.col("ins").is_not_null()).then(
                pl.col("ins")
                + (97 - pl.col("ins").str.replace_all("[^0-9]", "0").cast(pl.Int64) % 97)
                .cast(pl.String)
                .str.zfill(2)
            )
        )
    )
    if patients["ins_order"].max() > 999:  # type: ignore[operator]
        raise ValueError(
            "too many patients per commune, sex and birth month for 3-digit INS "
            "order numbers: use more networks (a larger --scale splits volume)"
        )
    return patients.drop("has_ins", "ins_order")


def assign_establishments(
    patients: pl.DataFrame, ref: Reference, rng: np.random.Generator
) -> pl.DataFrame:
    """Treating establishment within the patient's network: attractiveness weight over a
    distance decay from the commune of residence."""
    communes = pl.concat(
        [
            ref.communes.select("commune_code", "lat", "lon"),
            ref.outside_communes.select("commune_code", "lat", "lon"),
        ]
    )
    index = {c: i for i, c in enumerate(communes["commune_code"].to_list())}
    rows = patients["commune_code"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    networks = patients["network"].to_numpy()
    u = rng.random(patients.height)
    est_all = ref.establishments.with_columns(network=network_of(pl.col("c3_id")))
    chosen = np.empty(patients.height, dtype=object)
    for network in np.unique(networks):  # 1 or 25 networks; vectorised within each
        est = est_all.filter(pl.col("network") == int(network))
        km = np.hypot(
            (est["lat"].to_numpy()[None, :] - communes["lat"].to_numpy()[:, None]) * 111.0,
            (est["lon"].to_numpy()[None, :] - communes["lon"].to_numpy()[:, None]) * 78.0,
        )
        w = est["weight"].to_numpy()[None, :] / (1 + km / 20.0) ** 2.5
        cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
        mine = np.flatnonzero(networks == network)
        pick = np.minimum((cum[rows[mine]] < u[mine, None]).sum(axis=1), est.height - 1)
        chosen[mine] = est["finess"].to_numpy()[pick]
    return patients.with_columns(finess=pl.Series(chosen, dtype=pl.String))


def assign_gps(patients: pl.DataFrame, gps: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Médecin traitant: a GP practising in the patient's department (any, for outsiders)."""
    g = gps.select("prof_id", "department_code").sort("prof_id")
    by_dept = g.group_by("department_code", maintain_order=True).agg(
        first=pl.col("prof_id").min(), n=pl.len()
    )
    dept = patients["commune_code"].str.slice(0, 2)
    df = pl.DataFrame({"department_code": dept, "u": rng.random(patients.height)}).join(
        by_dept, on="department_code", how="left", maintain_order="left"
    )
    fallback_first = cast(int, g["prof_id"].min())  # outsiders: any GP of the network
    gp = (
        pl.when(pl.col("first").is_not_null())
        .then(pl.col("first") + (pl.col("u") * pl.col("n")).floor().cast(pl.Int64))
        .otherwise(fallback_first + (pl.col("u") * g.height).floor().cast(pl.Int64))
    )
    return patients.with_columns(gp_id=df.select(gp)["first"])


def days(d: date) -> np.datetime64:
    return np.datetime64(d, "D")
