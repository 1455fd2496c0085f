"""The demo's survey: an export of the CAHLIPSOS questionnaire as a questionnaire tool writes it
(`OUT/surveys/cahlipsos_2013.csv`: `;`, UTF-8 with a BOM, one row per respondent, the columns of
the codebook config/surveys/cahlipsos.toml), deterministic from the seed.

Respondents come to the evening meeting of their health territory (more of them where more people
live; the seed's 2013 meetings: Thiers–Ambert on 9 April, Clermont Nord on 3 December…) and
answer as one person would: a latent well-being, lower with long hours, for aides-soignant(e)s
and nurses, and in the rural territories, drives every quality-of-life, recognition and burn-out
answer (the burn-out ones the other way round), and a latent city–hospital link drives the
questions on information at discharge and palliative support. A few answers are left blank.

Unless `clean`, a few rows carry the defects the survey contract must catch (an answer outside
its scale, a number that is none, an hour count out of range, one rank given twice, a territory
no option names); `surveys/defects.json` lists each with its file, row and column. Each is
quarantined without flagging the run, as the other stores' demo defects are; a respondent on
two rows would be a contract finding that flags every demo run, so that case is left to the
contract's own tests (tests/pipelines/test_survey.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from rrc.settings import load_toml
from warehouse.codebook import Codebook, Question
from warehouse.codebook import load as load_codebook

FOLDER = "surveys"
PROFESSIONS = {  # share of respondents, share of women, mean weekly hours, well-being shift
    "infirmier": (0.30, 0.88, 46, -0.25),
    "medecin": (0.20, 0.45, 55, -0.10),
    "pharmacien": (0.14, 0.65, 45, 0.15),
    "kine": (0.12, 0.50, 44, 0.10),
    "aide_soignant": (0.08, 0.92, 36, -0.45),
    "psychologue": (0.04, 0.85, 38, 0.25),
    "dieteticienne": (0.03, 0.95, 35, 0.20),
    "assistante_sociale": (0.04, 0.95, 37, 0.0),
    "autre": (0.05, 0.70, 40, 0.05),
}
OTHER_PROFESSIONS = ["sophrologue", "orthophoniste", "ostéopathe", "podologue", "sage-femme",
                     "ergothérapeute"]  # fmt: skip
OTHER_MODES = ["centre de santé", "salarié d'un SSIAD", "salarié d'une HAD", "EHPAD"]
OTHER_MEASURES = ["groupes de parole entre libéraux", "annuaire des correspondants hospitaliers",
                  "temps de coordination rémunéré"]  # fmt: skip
RURAL = {"TS04", "TS05", "TS06", "TS08", "TS09", "TS14", "TS15"}
# the seed's 2013 meetings (Thiers–Ambert, PDD Sud, PDD Est, Cantal Ouest, PDD Nord, Clermont
# Nord), the others spread over the year
MEETINGS = {
    "TS12": "2013-04-09", "TS14": "2013-04-09", "TS13": "2013-07-02", "TS10": "2013-12-03",
    "TS04": "2013-10-08", "TS05": "2013-10-08", "TS11": "2013-11-12", "TS15": "2013-09-24",
}  # fmt: skip
DEFECTS = {
    "out_of_scale": "an answer outside its Likert scale",
    "not_a_number": "an hour count written in words",
    "out_of_range": "an hour count beyond its range",
    "rank_twice": "one rank given to two criteria",
    "unknown_territory": "a territory no option of the codebook names",
}


@dataclass(frozen=True)
class Settings:
    respondents: int
    codebook: str
    file: str
    blank_answers: float

    @classmethod
    def load(cls) -> Settings:
        raw = load_toml("demo.toml").get("survey", {})
        return cls(
            respondents=int(raw.get("respondents", 340)),
            codebook=str(raw.get("codebook", "cahlipsos.toml")),
            file=str(raw.get("file", "cahlipsos_2013.csv")),
            blank_answers=float(raw.get("blank_answers", 0.03)),
        )


def _territory_weights(book: Codebook) -> dict[str, float]:
    communes = pl.read_csv(
        io.BytesIO((resources.files("demo") / "data" / "communes.csv").read_bytes()),
        schema_overrides={"territory_code": pl.String, "population": pl.Int64},
    )
    people = dict(communes.group_by("territory_code").agg(pl.col("population").sum()).iter_rows())
    codes = [o.code for o in book.question(book.territory).options]
    total = sum(people.get(c, 0) for c in codes)
    return {c: people.get(c, 0) / total for c in codes}


def _ordinal(
    latent: np.ndarray, k: int, rng: np.random.Generator, shift: float = 0.0
) -> np.ndarray:
    """Categories 1..k from a latent score plus item noise, cut at fixed quantiles of N(0,1)."""
    y = latent + shift + rng.normal(0, 0.8, latent.size)
    cuts = {3: [-0.6, 0.7], 4: [-1.1, -0.1, 1.0]}[k]
    return 1 + np.searchsorted(cuts, y)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def answers(book: Codebook, n: int, seed: int, blank: float) -> list[dict[str, Any]]:
    """The respondents' rows, keyed by export column."""
    rng = np.random.default_rng([seed, 22, 4])
    weights = _territory_weights(book)
    territory = rng.choice(list(weights), n, p=np.array(list(weights.values())))
    shares = np.array([p[0] for p in PROFESSIONS.values()])
    profession = rng.choice(list(PROFESSIONS), n, p=shares / shares.sum())
    women = np.array([PROFESSIONS[p][1] for p in profession])
    hours = np.clip(np.round(np.array([PROFESSIONS[p][2] for p in profession])
                             + rng.normal(0, 7, n)), 12, 90)  # fmt: skip
    rural = np.isin(territory, list(RURAL))
    wellbeing = (
        np.array([PROFESSIONS[p][3] for p in profession])
        - (hours - 45) / 22
        - 0.25 * rural
        + rng.normal(0, 0.85, n)
    )
    link = -0.3 * rural + 0.2 * (profession == "medecin") + rng.normal(0, 0.9, n)
    age = rng.choice(["20-34", "35-49", "50-65", "65+"], n, p=[0.22, 0.38, 0.36, 0.04])
    years = np.array(
        [rng.integers(0, {"20-34": 8, "35-49": 20, "50-65": 35, "65+": 45}[a]) for a in age]
    )
    rows: list[dict[str, Any]] = []
    for i in range(n):
        rows.append(
            {
                "territoire": territory[i],
                "date_reunion": MEETINGS.get(str(territory[i]), f"2013-{3 + i % 9:02d}-15"),
                "sexe": "F" if rng.random() < women[i] else "H",
                "age": age[i],
                "profession": profession[i],
                "situation_familiale": "couple" if rng.random() < 0.74 else "seul",
                "enfants": "oui" if rng.random() < (0.2 if age[i] == "20-34" else 0.75) else "non",
                "annees_lieu": int(years[i]),
                "exercice": "groupe" if rng.random() < 0.55 else "seul",
                "heures": int(hours[i]),
            }
        )
    mode_other = rng.random(n) < 0.1
    for i, row in enumerate(rows):
        row["mode_exercice"] = "autre" if mode_other[i] else "liberal"
        if mode_other[i]:
            row["mode_exercice_autre"] = OTHER_MODES[int(rng.integers(len(OTHER_MODES)))]
        if row["profession"] == "autre":
            row["profession_autre"] = OTHER_PROFESSIONS[int(rng.integers(len(OTHER_PROFESSIONS)))]
    doctor = profession == "medecin"
    for q in book.questions:
        if q.type != "likert":
            continue
        k = len(q.options)
        driver = link if q.section.startswith("4/") else wellbeing
        shift = 0.0
        if q.id == "reconnu_medecins":
            shift = 0.6 * doctor - 0.3
        elif q.id == "aise_patients":
            shift = 0.4
        values = _ordinal(-driver if q.reverse else driver, k, rng, shift)
        for i, row in enumerate(rows):
            row[q.column] = str(values[i])
    consult = rng.random(n) < _sigmoid(-1.6 - 1.1 * wellbeing)
    treat = rng.random(n) < _sigmoid(-2.4 - 1.2 * wellbeing)
    same = rng.random(n) < _sigmoid(1.6 + 0.9 * wellbeing)
    informs = ["service", "medecin_traitant", "proches", "personne"]
    for i, row in enumerate(rows):
        row["consulter"] = "oui" if consult[i] else "non"
        row["traitement"] = (
            ("long_cours" if rng.random() < 0.3 else "occasionnel") if treat[i] else "non"
        )
        row["meme_profession"] = "oui" if same[i] else "non"
        p = np.array([0.35 + 0.1 * link[i], 0.3, 0.2 - 0.05 * link[i], 0.15 - 0.05 * link[i]])
        row["qui_informe"] = informs[
            int(rng.choice(4, p=np.clip(p, 0.02, None) / np.clip(p, 0.02, None).sum()))
        ]
    _criteria(book.question("criteres"), book, rows, wellbeing, hours, rng)
    measures = book.question("mesures")
    for row in rows:
        for column, option in book.columns(measures).items():
            assert option is not None
            chance = {"coordination": 0.55, "plateforme": 0.45, "elearning": 0.35}.get(
                option.code, 0.06 if option.code == "autres" else 0.25
            )
            row[column] = "1" if rng.random() < chance else "0"
        if row["mesures_autres"] == "1":
            row["mesures_precision"] = OTHER_MEASURES[int(rng.integers(len(OTHER_MEASURES)))]
    keep = {"territoire", "profession"}  # the meeting's sheet always says where and who
    optional = [c for c, (q, _o) in book.all_columns().items() if q.id not in keep
                and q.type not in ("multiple", "other", "text")]  # fmt: skip
    for row in rows:
        for column in optional:
            if rng.random() < blank:
                row[column] = ""
    return rows


def _criteria(
    q: Question,
    book: Codebook,
    rows: list[dict[str, Any]],
    wellbeing: np.ndarray,
    hours: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Up to three criteria of suffering at work, ranked: workload with long hours, lack of
    recognition and stress with low well-being."""
    columns = book.columns(q)
    codes = [o.code for o in q.options]
    for i, row in enumerate(rows):
        base = {c: 1.0 for c in codes}
        base["charge"] += max(0.0, (hours[i] - 40) / 8)
        base["reconnaissance"] += max(0.0, -wellbeing[i]) * 1.5
        base["stress"] += max(0.0, -wellbeing[i])
        p = np.array(list(base.values()))
        count = int(rng.choice([0, 1, 2, 3], p=[0.12, 0.15, 0.23, 0.5]))
        picked = list(rng.choice(codes, count, replace=False, p=p / p.sum()))
        for column, option in columns.items():
            assert option is not None
            row[column] = str(picked.index(option.code) + 1) if option.code in picked else ""


def _defects(
    rows: list[dict[str, Any]], rng: np.random.Generator, file: str
) -> list[dict[str, Any]]:
    """Spoil a few rows (each kind once, on distinct rows); the manifest names file, row,
    column. Rows are numbered as a spreadsheet shows them: the header is row 1."""
    picked = [int(i) for i in rng.choice(len(rows), len(DEFECTS), replace=False)]
    changes = [
        ("out_of_scale", "qv_professionnelle", "5"),
        ("not_a_number", "heures", "quarante"),
        ("out_of_range", "heures", "168"),
        ("rank_twice", "criteres_charge", "1"),
        ("unknown_territory", "territoire", "TS16"),
    ]
    manifest = []
    for i, (kind, column, value) in zip(picked, changes, strict=True):
        rows[i][column] = value
        if kind == "rank_twice":  # a second criterion ranked 1 too
            rows[i]["criteres_stress"] = "1"
        manifest.append({"defect": kind, "file": file, "row": i + 2, "column": column,
                         "value": value, "respondent": rows[i]["id_reponse"]})  # fmt: skip
    return manifest


def write(out: Path, seed: int, clean: bool) -> list[Path]:
    """Write the survey's export (and its defects' manifest); the files written."""
    settings = Settings.load()
    book = load_codebook(settings.codebook)
    rows = answers(book, settings.respondents, seed, settings.blank_answers)
    order = np.random.default_rng([seed, 22, 5]).permutation(len(rows))
    rows = sorted((rows[int(i)] for i in order), key=lambda r: r["date_reunion"])
    for n, row in enumerate(rows, start=1):
        row[book.export.respondent] = str(n)
    manifest = [] if clean else _defects(rows, np.random.default_rng([seed, 22, 6]), settings.file)
    header = [book.export.respondent, *book.export.extras, *book.all_columns()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=book.export.separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row.get(c, "") for c in header] for row in rows)
    folder = out / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / settings.file
    export.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    defects = folder / "defects.json"
    defects.write_text(
        json.dumps({"descriptions": DEFECTS, "defects": manifest}, ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8",
    )
    return [export, defects]
