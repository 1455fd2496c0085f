"""The network's clinical-trial registry, trials proposed in RCP, and inclusions.

For the reference year (2013 when it is in range) the registry lists exactly the seed's figures:
69 trials open at some time during the year, 20 of which closed during it. Around it, trials open
at 20 a year and last about 2.5 years, the steady state that gives those figures.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import polars as pl

SPONSORS = [
    "CHU de Clermont-Ferrand",
    "Centre Jean Perrin",
    "UNICANCER",
    "IFCT",
    "FFCD",
    "GORTEC",
    "LYSA",
    "IFM",
    "ARCAGY-GINECO",
    "Roche",
    "AstraZeneca",
    "Novartis",
    "Sanofi",
    "Bristol-Myers Squibb",
    "Institut Curie",
    "Gustave Roussy",
]
PHASES = ["PHASE1", "PHASE2", "PHASE3", "PHASE4"]
PHASE_P = [0.08, 0.37, 0.5, 0.05]
CONTACTS = ["Dr Chassaing", "Dr Pradier", "Dr Vialle", "Dr Fayolle", "Dr Tixier", "Dr Vernet"]
ORGAN_SHARE = {
    "sein": 0.22,
    "digestif": 0.2,
    "thorax": 0.14,
    "urologie": 0.12,
    "gynecologie": 0.07,
    "orl": 0.06,
    "hematologie": 0.12,
    "dermatologie": 0.03,
    "neuro": 0.02,
    "endocrine": 0.01,
    "sarcome": 0.01,
}
# the first part of a trial's acronym, by organ (the registry lists one per trial)
ACRONYMS = {
    "sein": "MAMMA",
    "digestif": "COLON",
    "thorax": "PULMO",
    "urologie": "PROSTA",
    "gynecologie": "OVAIRE",
    "orl": "VADS",
    "hematologie": "LYMPHO",
    "dermatologie": "MELANO",
    "neuro": "GLIO",
    "endocrine": "THYRO",
    "sarcome": "SARCOME",
}
ORGAN_WORDS = {
    "sein": "cancer du sein",
    "digestif": "cancer colorectal",
    "thorax": "cancer bronchique non à petites cellules",
    "urologie": "cancer de la prostate",
    "gynecologie": "cancer de l'ovaire",
    "orl": "carcinome épidermoïde des VADS",
    "hematologie": "lymphome diffus à grandes cellules B",
    "dermatologie": "mélanome",
    "neuro": "glioblastome",
    "endocrine": "cancer de la thyroïde",
    "sarcome": "sarcome des tissus mous",
}


def _dates(rng: np.random.Generator, n: int, low: date, high: date) -> np.ndarray:
    lo, hi = np.datetime64(low, "D"), np.datetime64(high, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")


def build_trials(
    rng: np.random.Generator,
    *,
    network: int,
    first_year: int,
    last_year: int,
    reference_year: int,
    listed: int,
    closed: int,
) -> pl.DataFrame:
    """Trials of one network's registry; ids are NCT-like and unique across networks."""
    ref_start, ref_end = date(reference_year, 1, 1), date(reference_year, 12, 31)
    # listed in the reference year: `closed` close during it, the others stay open past it
    n_stay = listed - closed
    open_a = _dates(rng, closed, date(reference_year - 4, 1, 1), date(reference_year - 1, 6, 30))
    close_a = _dates(rng, closed, ref_start, ref_end)
    open_b = _dates(rng, n_stay, date(reference_year - 3, 1, 1), date(reference_year, 11, 30))
    close_b = _dates(rng, n_stay, date(reference_year + 1, 1, 1), date(reference_year + 4, 12, 31))
    # the rest of the stream: closed before the reference year, or opened after it
    before = max(0, (reference_year - first_year + 1)) * 20
    after = max(0, (last_year - reference_year)) * 20
    close_c = _dates(rng, before, date(first_year - 1, 1, 1), date(reference_year - 1, 12, 31))
    open_c = close_c - rng.integers(365, 1460, before).astype("timedelta64[D]")
    open_d = _dates(rng, after, date(reference_year + 1, 1, 1), date(last_year, 12, 31))
    close_d = open_d + rng.integers(365, 1460, after).astype("timedelta64[D]")
    opened = np.concatenate([open_a, open_b, open_c, open_d])
    closed_on = np.concatenate([close_a, close_b, close_c, close_d])
    n = len(opened)
    organs = rng.choice(list(ORGAN_SHARE), n, p=list(ORGAN_SHARE.values()))
    trials = pl.DataFrame(
        {
            "network": np.full(n, network, dtype=np.int32),
            "open_date": opened.astype("datetime64[D]"),
            "close_date": closed_on.astype("datetime64[D]"),
            "organ": organs,
            "phase": rng.choice(PHASES, n, p=PHASE_P),
            "sponsor": rng.choice(SPONSORS, n),
            "contact": rng.choice(CONTACTS, n),
            "target": rng.integers(40, 900, n),
        }
    )
    trials = trials.sort("open_date", "organ")
    return (
        trials.with_row_index("seq", offset=1 + (network - 1) * 10_000)
        .with_columns(
            trial_id=pl.lit("NCT") + (1_500_000 + pl.col("seq") * 37).cast(pl.String).str.zfill(8),
            title=pl.concat_str(
                pl.lit("Essai "),
                pl.col("phase").str.replace("PHASE", "de phase "),
                pl.lit(" - "),
                pl.col("organ").replace_strict(ORGAN_WORDS),
            ),
            synopsis=pl.concat_str(
                pl.lit(
                    "Étude randomisée multicentrique évaluant une nouvelle stratégie thérapeutique "
                    "dans le "
                ),
                pl.col("organ").replace_strict(ORGAN_WORDS),
                pl.lit(". Objectif principal : survie sans progression. Effectif prévu : "),
                pl.col("target").cast(pl.String),
                pl.lit(" patients."),
            ),
            acronym=pl.col("organ").replace_strict(ACRONYMS)
            + pl.lit("-")
            + (pl.col("seq") % 97 + 1).cast(pl.String).str.zfill(2),
            contact_email=pl.lit("essais.")
            + pl.col("seq").cast(pl.String)
            + pl.lit("@oncauvergne.fr"),
        )
        .drop("seq", "target")
    )


def propose_trials(
    fiches: pl.DataFrame, trials: pl.DataFrame, rng: np.random.Generator, share: float
) -> pl.DataFrame:
    """Set `trial_id` on a share of discussed fiches, choosing an open trial of the organ."""
    cand = (
        fiches.filter((pl.col("case_status") == "discute") & ~pl.col("deleted"))
        .select("fiche_id", "organ", "network", day=pl.col("session_start").dt.date())
        .sort("fiche_id")
    )
    cand = cand.filter(pl.Series(rng.random(cand.height) < share))
    options = (
        cand.join(
            trials.select("trial_id", "organ", "network", "open_date", "close_date"),
            on=["organ", "network"],
        )
        .filter((pl.col("open_date") <= pl.col("day")) & (pl.col("close_date") > pl.col("day")))
        .sort("fiche_id", "trial_id")
    )
    options = options.with_columns(r=pl.Series(rng.random(options.height)))
    pick = options.filter(pl.col("r") == pl.col("r").max().over("fiche_id")).select(
        "fiche_id", "trial_id"
    )
    return fiches.join(pick, on="fiche_id", how="left", maintain_order="left")


def build_inclusions(
    fiches: pl.DataFrame, trials: pl.DataFrame, rng: np.random.Generator, share: float, end: date
) -> pl.DataFrame:
    """Patients included after a trial proposal, before the trial closed."""
    proposed = (
        fiches.filter(pl.col("trial_id").is_not_null())
        .select(
            "fiche_id", "patient_id", "finess", "trial_id", day=pl.col("session_start").dt.date()
        )
        .sort("fiche_id")
    )
    proposed = proposed.with_columns(
        accept=pl.Series(rng.random(proposed.height) < share),
        delay=pl.Series(rng.integers(7, 46, proposed.height)),
    )
    inc = (
        proposed.filter(pl.col("accept"))
        .join(trials.select("trial_id", "close_date"), on="trial_id")
        .with_columns(inclusion_date=pl.col("day") + pl.duration(days=pl.col("delay")))
        .filter(
            (pl.col("inclusion_date") < pl.col("close_date")) & (pl.col("inclusion_date") <= end)
        )
        .sort("inclusion_date", "fiche_id")
        .with_row_index("inclusion_id", offset=1)
        .select(
            pl.col("inclusion_id").cast(pl.Int64),
            "trial_id",
            "patient_id",
            "finess",
            "inclusion_date",
            "fiche_id",
        )
    )
    return inc


# centres outside the region that national groups' trials list beside the network's own
OUTSIDE_CENTRES = [
    ("Gustave Roussy", "Villejuif", "94805", 48.7946, 2.3535),
    ("Institut Curie", "Paris", "75005", 48.8440, 2.3441),
    ("Centre Léon Bérard", "Lyon", "69008", 45.7431, 4.8813),
    ("Institut Paoli-Calmettes", "Marseille", "13009", 43.2719, 5.4024),
]
NATIONAL_GROUPS = {"UNICANCER", "IFCT", "FFCD", "GORTEC", "LYSA", "IFM", "ARCAGY-GINECO"}


def _draw(trial_id: str, salt: str) -> int:
    """A number drawn from the trial's id: the same centres whatever else the generator draws."""
    return int.from_bytes(hashlib.sha256(f"{trial_id}:{salt}".encode()).digest()[:8], "big")


def trial_sites(trials: pl.DataFrame, establishments: pl.DataFrame) -> dict[str, list[dict]]:
    """The centres each trial lists (the registry's `locations`): the network's largest
    establishment giving chemotherapy and up to two others, and, for a national group's trial,
    one centre outside the region; each with its clinical research unit as contact."""
    centres = establishments.filter(pl.col("chemotherapy") == 1).sort(
        "weight", "finess", descending=[True, False]
    )
    rows = centres.select("finess", "name", "town", "postcode", "lat", "lon").rows(named=True)
    out: dict[str, list[dict]] = {}
    for t in trials.select("trial_id", "sponsor").iter_rows(named=True):  # structure, not facts
        chosen = rows[:1]
        for i in range(_draw(t["trial_id"], "n") % 3 if len(rows) > 1 else 0):
            pick = rows[1 + _draw(t["trial_id"], str(i)) % (len(rows) - 1)]
            if pick not in chosen:
                chosen.append(pick)
        sites = [
            {
                "facility": r["name"],
                "city": r["town"],
                "zip": r["postcode"],
                "country": "France",
                "contact": f"Unité de recherche clinique - {r['name']}",
                "phone": f"04 65 71 {90 + k:02d} {int(r['finess'][-2:]):02d}",
                "email": f"urc.{r['finess']}@oncauvergne.fr",
                "lat": r["lat"],
                "lon": r["lon"],
            }
            for k, r in enumerate(chosen)
        ]
        if t["sponsor"] in NATIONAL_GROUPS:
            name, city, zip_code, lat, lon = OUTSIDE_CENTRES[
                _draw(t["trial_id"], "out") % len(OUTSIDE_CENTRES)
            ]
            sites.append(
                {
                    "facility": name,
                    "city": city,
                    "zip": zip_code,
                    "country": "France",
                    "contact": f"Unité de recherche clinique - {name}",
                    "phone": "01 99 00 12 34",
                    "email": f"essais@{city.lower()}.example.fr",
                    "lat": lat,
                    "lon": lon,
                }
            )
        out[t["trial_id"]] = sites
    return out
