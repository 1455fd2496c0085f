"""The network's own activity: what its coordination team records (working-group meetings, visits
of 3Cs, training sessions and their participants by profession, documents written and copies
distributed, conventions signed, the website's audience) and what the DCC service logs
(incidents, planned maintenance, adverse-event and malfunction reports, user satisfaction).

The calibration year (config/demo.toml, 2013) holds the seed's figures exactly
(demo/data/network_2013.toml); the other years are drawn around them. The activity is the
network's, not proportional to its volume of dossiers: the demo region's scale does not change
it. Frames here are vendor-neutral; demo/stores/network.py writes them in their stores' shapes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources

import numpy as np
import polars as pl

from demo.reference import Reference

# the workbook's `Groupe` labels, and the meetings a year of each outside the calibration year
GROUPS = {
    "Groupe 3C": 4,
    "Groupe pharmaciens": 5,
    "Groupe psys": 2,
    "AFSOS": 4,
    "OMEDIT": 4,
    "Chimiothérapie orale": 0,
    "CPOM": 1,
    "Onco-hématologie": 1,
    "Oncogériatrie": 1,
    "DCC": 1,
    "Régionales de cancérologie": 1,
    "Tumorothèque": 0,
    "Information des patients": 1,
    "Pharmaciens interrégional": 1,
}
TOPICS = {
    "Groupe 3C": "Réunion du groupe 3C",
    "Groupe pharmaciens": "Réunion du groupe pharmaciens",
    "Groupe psys": "Réunion du groupe des psycho-oncologues",
    "AFSOS": "Groupe de travail AFSOS",
    "OMEDIT": "Comité technique de l'OMEDIT Auvergne",
    "Chimiothérapie orale": "Étude sur le suivi des thérapies orales à domicile",
    "CPOM": "Suivi du CPOM",
    "Onco-hématologie": "Réunion d'onco-hématologie",
    "Oncogériatrie": "Réunion d'oncogériatrie",
    "DCC": "Projet DCC",
    "Régionales de cancérologie": "Préparation des Régionales de cancérologie",
    "Tumorothèque": "Tumorothèque régionale",
    "Information des patients": "Réunion d'information des patients",
    "Pharmaciens interrégional": "Réunion interrégionale des pharmaciens",
}
# participants of a meeting (the report gives none): a range per group
PARTICIPANTS = {"Groupe 3C": (9, 15), "Groupe pharmaciens": (8, 14), "Groupe psys": (6, 12)}
ANNOUNCEMENT = "Dispositif d'annonce"
ACCOMPANIMENT = "Temps d'accompagnement soignant"
SECRETARIES = "Formation des secrétaires de 3C"
PATIENT_SHEET = "Fiche d'information patient"
LEAFLET = "Plaquette"
SEVERITIES = ("Mineure", "Majeure", "Critique")
COMPONENTS = ("Connexion", "Fiche RCP", "PPS", "Messagerie sécurisée", "Annuaire", "Impression")
PROFILES = ("Secrétaire", "Médecin", "Coordonnateur 3C")
SCORES = ("Très insatisfait", "Plutôt insatisfait", "Plutôt satisfait", "Très satisfait")


@dataclass
class Activity:
    """Every table of the network's activity for the window, as frames."""

    meetings: pl.DataFrame  # key, group, date, topic, participants
    visits: pl.DataFrame  # key, c3_id, date, topic
    trainings: pl.DataFrame  # key, training, session, start, end, days, nurses, techs, ...
    documents: pl.DataFrame  # key, title, type, written
    distribution: pl.DataFrame  # key, document, finess, date, copies
    conventions: pl.DataFrame  # key, partner, subject, signed
    website: pl.DataFrame  # month, visits, visitors, page_views
    incidents: pl.DataFrame  # key, start, end, severity, component, unavailable
    maintenance: pl.DataFrame  # key, planned_start, planned_end, start, end, subject
    reports: pl.DataFrame  # key, reported, type, severity, c3_id, closed
    satisfaction: pl.DataFrame  # key, answered, c3_id, profile, score


def calibration() -> dict[str, object]:
    """The seed's 2013 activity (demo/data/network_2013.toml)."""
    with (resources.files("demo") / "data" / "network_2013.toml").open("rb") as fh:
        return tomllib.load(fh)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _weekdays(rng: np.random.Generator, year: int, n: int) -> list[date]:
    """`n` distinct working days of `year`, sorted (no meeting in August)."""
    days = [
        date(year, 1, 1) + timedelta(d)
        for d in range(365)
        if (date(year, 1, 1) + timedelta(d)).weekday() < 5
        and (date(year, 1, 1) + timedelta(d)).month != 8
    ]
    picked = rng.choice(len(days), size=min(n, len(days)), replace=False)
    return sorted(days[i] for i in picked)


def _meetings(rng: np.random.Generator, year: int, cal: dict | None) -> list[tuple]:
    rows: list[tuple] = []
    if cal is not None:
        for d, group, topic in cal["meetings"]:  # type: ignore[union-attr]
            rows.append((group, _day(d), topic))
        for d in cal["oral_chemotherapy"]:  # type: ignore[union-attr]
            rows.append(("Chimiothérapie orale", _day(d), TOPICS["Chimiothérapie orale"]))
    else:
        for group, per_year in GROUPS.items():
            n = per_year + (int(rng.integers(-1, 2)) if per_year > 1 else 0)
            if group == "DCC" and year > 2013:
                n = 8  # the deployment year of the DCC software
            for d in _weekdays(rng, year, max(n, 0)):
                rows.append((group, d, TOPICS[group]))
    rows.sort(key=lambda r: (r[1], r[0]))
    out = []
    for i, (group, d, topic) in enumerate(rows, start=1):
        low, high = PARTICIPANTS.get(group, (4, 20))
        out.append((f"R{year}-{i:02d}", group, d, topic, int(rng.integers(low, high + 1))))
    return out


def _visits(rng: np.random.Generator, year: int, cal: dict | None, ref: Reference) -> list[tuple]:
    if cal is not None:
        rows = [(c3, _day(d), topic) for c3, d, topic in cal["visits"]]  # type: ignore[union-attr]
    else:
        names = dict(zip(ref.c3["c3_id"], ref.c3["name"], strict=True))
        c3s = rng.choice(sorted(names), size=2, replace=False)
        rows = [
            (str(c), d, f"Visite du {names[str(c)]}")
            for c, d in zip(c3s, _weekdays(rng, year, 2), strict=True)
        ]
    return [(f"V{year}-{i:02d}", *r) for i, r in enumerate(sorted(rows, key=lambda r: r[1]), 1)]


def _trainings(rng: np.random.Generator, year: int, cal: dict | None) -> list[tuple]:
    """(key, training, session, start, end, days, nurses, techs, physicians, others)."""
    rows: list[tuple] = []
    if cal is not None:
        for t, s, start, end, days, *people in cal["trainings"]:  # type: ignore[union-attr]
            rows.append((t, s, _day(start), _day(end), float(days), *people))
    else:
        number = 10 + 2 * (year - 2013)  # the course's 10th session was the first of 2013
        for k, start in enumerate(_weekdays(rng, year, 2)):
            n = int(rng.integers(12, 17))
            techs, doctors = int(rng.integers(2, 5)), int(rng.integers(1, 4))
            rows.append(
                (
                    ANNOUNCEMENT,
                    f"{number + k}e session",
                    start,
                    start + timedelta(29),
                    4.0,
                    n - techs - doctors,
                    techs,
                    doctors,
                    0,
                )
            )
        for start in _weekdays(rng, year, int(rng.integers(2, 4))):
            n = int(rng.integers(5, 11))
            techs = int(rng.integers(1, 3))
            rows.append(
                (ACCOMPANIMENT, "Analyse de la pratique", start, start, 1.0, n - techs, techs, 0, 0)
            )
        if year > 2013:  # the 3C secretaries' course, with the DCC software (2014-2015)
            for start in _weekdays(rng, year, 2):
                rows.append(
                    (
                        SECRETARIES,
                        "Logiciel RCP/PPS",
                        start,
                        start,
                        1.0,
                        0,
                        0,
                        0,
                        int(rng.integers(8, 13)),
                    )
                )
    rows.sort(key=lambda r: (r[2], r[0]))
    return [(f"F{year}-{i:02d}", *r) for i, r in enumerate(rows, start=1)]


SHEET_TITLES = (
    "Paclitaxel : effets secondaires et conseils",
    "Docétaxel : effets secondaires et conseils",
    "Oxaliplatine : effets secondaires et conseils",
    "Irinotécan : effets secondaires et conseils",
    "Cisplatine : effets secondaires et conseils",
    "Vinorelbine orale : effets secondaires et conseils",
    "Lapatinib : effets secondaires et conseils",
    "Everolimus : effets secondaires et conseils",
    "Trastuzumab : effets secondaires et conseils",
    "Cétuximab : effets secondaires et conseils",
    "Abiratérone : effets secondaires et conseils",
    "Fludarabine orale : effets secondaires et conseils",
)


def _documents(rng: np.random.Generator, year: int, first: int, cal: dict | None) -> list[tuple]:
    """(key, title, type, written): the documents written during `year`."""
    if cal is not None:
        titles = list(cal["sheets_written"])  # type: ignore[arg-type]
    else:
        n = int(rng.integers(5, 9))
        offset = (year - 2011) * 3 % len(SHEET_TITLES)
        titles = [SHEET_TITLES[(offset + i) % len(SHEET_TITLES)] for i in range(n)]
    written = _weekdays(rng, year, len(titles) + 1)
    rows = [(t, PATIENT_SHEET, d) for t, d in zip(titles, written, strict=False)]
    if year == first:  # the network's leaflets, written before the window opens: in its first year
        rows.append(("Les missions du réseau", LEAFLET, date(year, 1, 15)))
        rows.append(("Les soins oncologiques de support", LEAFLET, date(year, 2, 5)))
    rows.sort(key=lambda r: (r[2], r[0]))
    return [(f"D{year}-{i:02d}", *r) for i, r in enumerate(rows, start=1)]


def _split(rng: np.random.Generator, total: int, n: int) -> list[int]:
    """`total` split into `n` positive parts (a multinomial, every part at least 1)."""
    if n <= 0:
        return []
    parts = rng.multinomial(total - n, np.ones(n) / n) + 1
    return [int(p) for p in parts]


def _distribution(
    rng: np.random.Generator,
    year: int,
    documents: pl.DataFrame,
    ref: Reference,
    cal: dict | None,
) -> list[tuple]:
    """(key, document, finess, date, copies): shipments of the year, sheets and leaflets, to the
    establishments, each after its document was written."""
    finess = sorted(ref.establishments["finess"].to_list())
    out: list[tuple] = []
    for kind, total in (
        (PATIENT_SHEET, int(cal["sheets_distributed"]) if cal else int(rng.integers(9000, 14000))),  # type: ignore[call-overload]
        (LEAFLET, int(cal["leaflets_distributed"]) if cal else int(rng.integers(80, 300))),  # type: ignore[call-overload]
    ):
        docs = documents.filter(
            (pl.col("type") == kind) & (pl.col("written") < date(year, 12, 1))
        ).sort("key")
        if docs.height == 0:
            continue
        n = 150 if kind == PATIENT_SHEET else 4
        picks = rng.integers(0, docs.height, n)
        rows = []
        for i, copies in zip(picks, _split(rng, total, n), strict=True):
            key, written = docs["key"][int(i)], docs["written"][int(i)]
            start = max(written + timedelta(1), date(year, 1, 2))
            span = (date(year, 12, 31) - start).days
            rows.append(
                (
                    key,
                    str(rng.choice(finess)),
                    start + timedelta(int(rng.integers(0, span + 1))),
                    copies,
                )
            )
        out += rows
    out.sort(key=lambda r: (r[2], r[0], r[1]))
    return [(f"E{year}-{i:03d}", *r) for i, r in enumerate(out, start=1)]


def _conventions(year: int, ref: Reference) -> list[tuple]:
    """(key, partner, subject, signed): none in 2013 (the report names conventions to come)."""
    rows: list[tuple] = {
        2011: [
            (
                "Ligue contre le cancer, comité du Puy-de-Dôme",
                "Information des patients",
                date(2011, 3, 8),
            ),
            (
                "Réseau de soins palliatifs d'Auvergne",
                "Coordination des soins palliatifs",
                date(2011, 10, 4),
            ),
        ],
        2012: [
            ("Antenne régionale de l'AFSOS", "Soins oncologiques de support", date(2012, 6, 19))
        ],
        2014: [("GCS SIMPA", "Assistance à maîtrise d'ouvrage du DCC", date(2014, 2, 11))]
        + [
            (name, "Utilisation des outils du DCC", date(2014, 4, 1) + timedelta(7 * i))
            for i, name in enumerate(sorted(ref.c3["name"].to_list()))
        ],
    }.get(year, [])
    return [(f"C{year}-{i:02d}", *r) for i, r in enumerate(rows, start=1)]


def _website(rng: np.random.Generator, year: int) -> list[tuple]:
    base = 1400 * 1.18 ** (year - 2011)
    out = []
    for m in range(1, 13):
        season = 0.6 if m == 8 else 1.0
        visits = int(base * season * rng.uniform(0.85, 1.15))
        out.append(
            (
                date(year, m, 1),
                visits,
                int(visits * rng.uniform(0.62, 0.72)),
                int(visits * rng.uniform(2.8, 3.6)),
            )
        )
    return out


def _moment(rng: np.random.Generator, year: int) -> datetime:
    day = date(year, 1, 1) + timedelta(int(rng.integers(0, 365)))
    return datetime(
        day.year, day.month, day.day, int(rng.integers(7, 19)), int(rng.choice([0, 15, 30, 45]))
    )


def _incidents(rng: np.random.Generator, year: int) -> list[tuple]:
    """(key, start, end, severity, component, unavailable)."""
    rows = []
    for _ in range(int(rng.poisson(14))):
        severity = str(rng.choice(SEVERITIES, p=[0.6, 0.3, 0.1]))
        start = _moment(rng, year)
        hours = {"Mineure": (1, 48), "Majeure": (2, 24), "Critique": (0.5, 6)}[severity]
        end = start + timedelta(minutes=int(rng.uniform(*hours) * 60))
        down = severity == "Critique" or (severity == "Majeure" and rng.random() < 0.5)
        rows.append((start, end, severity, str(rng.choice(COMPONENTS)), down))
    rows.sort()
    return [(f"INC-{year}-{i:03d}", *r) for i, r in enumerate(rows, start=1)]


def _maintenance(rng: np.random.Generator, year: int) -> list[tuple]:
    """(key, planned start, planned end, start, end, subject): every other month, a Saturday
    evening."""
    rows = []
    for i, month in enumerate(range(2, 13, 2), start=1):
        day = date(year, month, 1)
        while day.weekday() != 5:
            day += timedelta(1)
        planned = datetime(day.year, day.month, day.day, 20, 0)
        start = planned + timedelta(minutes=int(rng.integers(-5, 16)))
        end = planned + timedelta(hours=3, minutes=int(rng.integers(-30, 46)))
        rows.append(
            (
                f"MAINT-{year}-{i:02d}",
                planned,
                planned + timedelta(hours=3),
                start,
                end,
                "Mise à jour de version",
            )
        )
    return rows


def _reports(rng: np.random.Generator, year: int, ref: Reference) -> list[tuple]:
    """(key, reported, type, severity, c3_id, closed)."""
    c3s = sorted(ref.c3["c3_id"].to_list())
    rows = []
    for _ in range(int(rng.poisson(18))):
        reported = _moment(rng, year)
        kind = "Évènement indésirable" if rng.random() < 0.3 else "Dysfonctionnement"
        severity = str(rng.choice(SEVERITIES, p=[0.55, 0.35, 0.1]))
        closed = reported + timedelta(days=float(rng.uniform(0.5, 30)))
        rows.append(
            (
                reported,
                kind,
                severity,
                str(rng.choice(c3s)),
                closed if closed.year == year or rng.random() < 0.7 else None,
            )
        )
    rows.sort(key=lambda r: r[0])
    return [(f"SIG-{year}-{i:03d}", *r) for i, r in enumerate(rows, start=1)]


def _satisfaction(rng: np.random.Generator, year: int, ref: Reference) -> list[tuple]:
    """(key, answered, c3_id, profile, score 1-4): the yearly survey of DCC users, in November."""
    c3s = sorted(ref.c3["c3_id"].to_list())
    better = min(0.04 * (year - 2011), 0.16)  # users grow happier, up to a point
    p = np.array([0.06 - better / 4, 0.16 - better / 2, 0.5, 0.28 + 3 * better / 4])
    rows = []
    for i in range(int(rng.integers(80, 111))):
        answered = date(year, 11, 4) + timedelta(int(rng.integers(0, 21)))
        rows.append(
            (
                f"Q{year}-{i + 1:03d}",
                answered,
                str(rng.choice(c3s)),
                str(rng.choice(PROFILES, p=[0.5, 0.35, 0.15])),
                int(rng.choice([1, 2, 3, 4], p=p / p.sum())),
            )
        )
    return rows


def build(
    first_year: int, last_year: int, seed: int, calibration_year: int, ref: Reference
) -> Activity:
    """The network's activity for every year of the window; the calibration year is the seed's."""
    rng = np.random.default_rng([seed, 22])
    cal = calibration()
    parts: dict[str, list[tuple]] = {k: [] for k in Activity.__dataclass_fields__}
    for year in range(first_year, last_year + 1):
        c = cal if year == calibration_year else None
        parts["meetings"] += _meetings(rng, year, c)
        parts["visits"] += _visits(rng, year, c, ref)
        parts["trainings"] += _trainings(rng, year, c)
        parts["documents"] += _documents(rng, year, first_year, c)
        documents = pl.DataFrame(
            parts["documents"],
            schema={"key": pl.String, "title": pl.String, "type": pl.String, "written": pl.Date},
            orient="row",
        )
        parts["distribution"] += _distribution(rng, year, documents, ref, c)
        parts["conventions"] += _conventions(year, ref)
        parts["website"] += _website(rng, year)
        parts["incidents"] += _incidents(rng, year)
        parts["maintenance"] += _maintenance(rng, year)
        parts["reports"] += _reports(rng, year, ref)
        parts["satisfaction"] += _satisfaction(rng, year, ref)
    s, d, dt = pl.String(), pl.Date(), pl.Datetime("us")
    i, f, b = pl.Int64(), pl.Float64(), pl.Boolean()
    schemas: dict[str, dict[str, pl.DataType]] = {
        "meetings": {"key": s, "group": s, "date": d, "topic": s, "participants": i},
        "visits": {"key": s, "c3_id": s, "date": d, "topic": s},
        "trainings": {
            "key": s, "training": s, "session": s, "start": d, "end": d, "days": f, "nurses": i,
            "technicians": i, "physicians": i, "others": i,
        },
        "documents": {"key": s, "title": s, "type": s, "written": d},
        "distribution": {"key": s, "document": s, "finess": s, "date": d, "copies": i},
        "conventions": {"key": s, "partner": s, "subject": s, "signed": d},
        "website": {"month": d, "visits": i, "visitors": i, "page_views": i},
        "incidents": {
            "key": s, "start": dt, "end": dt, "severity": s, "component": s, "unavailable": b,
        },
        "maintenance": {
            "key": s, "planned_start": dt, "planned_end": dt, "start": dt, "end": dt, "subject": s,
        },
        "reports": {"key": s, "reported": dt, "type": s, "severity": s, "c3_id": s, "closed": dt},
        "satisfaction": {"key": s, "answered": d, "c3_id": s, "profile": s, "score": i},
    }  # fmt: skip
    return Activity(
        **{
            name: pl.DataFrame(parts[name], schema=cols, orient="row")
            for name, cols in schemas.items()
        }
    )
