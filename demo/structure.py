"""Professionals, usual RCP participants, sessions and attendance of the demo networks.

Usual participants are built from the quorum rules (config/quorum_rules.toml) so that, without
injected defects, every session meets the rule of its RCP type and of every organ it covers: the
generator's clean data gives the quality checks no false positive to find.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from demo.reference import Reference
from warehouse.quorum import Rule

SECOND_SPECIALTY = {
    "oncologie_medicale": "radiotherapie",
    "gastro_enterologie": "oncologie_medicale",
    "pneumologie": "oncologie_medicale",
    "hematologie": "oncologie_medicale",
    "radiologie": "medecine_nucleaire",
}
PADDING = [
    "radiologie",
    "anatomopathologie",
    "medecine_nucleaire",
    "oncologie_medicale",
    "radiotherapie",
]
EXTRAS = ["infirmier", "psychologue"]


def entity_rule_key(organs: list[str]) -> str:
    """The RCP type whose rule a session is held to: its organ, or "pluri" beyond two organs."""
    return organs[0] if len(organs) <= 2 else "pluri"


def _needed_specialties(organs: list[str], rules: list[Rule]) -> list[str]:
    keys = set(organs) | {entity_rule_key(organs)}
    applicable = [r for r in rules if r.applies_to in keys]
    needed: list[str] = []
    for rule in applicable:
        for group in rule.required:
            if not any(s in needed for s in group):
                needed.append(group[0])
    floor = max((max(r.min_physicians, r.min_distinct_specialties) for r in applicable), default=3)
    for spec in PADDING:
        if len(needed) >= floor:
            break
        if spec not in needed:
            needed.append(spec)
    return needed


def build_professionals(
    ref: Reference, rules: list[Rule], rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Return (professionals, usual participants, entities with ids and rule key)."""
    entities = ref.entities.with_row_index("entity_id", offset=1).with_columns(
        pl.col("entity_id").cast(pl.Int64)
    )
    est_by_c3 = (
        ref.establishments.sort("weight", descending=True)
        .group_by("c3_id", maintain_order=True)
        .agg(pl.col("finess").first())
    )
    c3_finess = dict(zip(est_by_c3["c3_id"], est_by_c3["finess"], strict=True))
    needs: dict[tuple[str, str], int] = {}
    plan: list[tuple[int, str, list[str]]] = []
    rule_keys = []
    for row in entities.iter_rows(named=True):  # ~52 rows per network: structure, not facts
        organs = row["organs"].split("|")
        rule_keys.append(entity_rule_key(organs))
        specs = _needed_specialties(organs, rules)
        plan.append((row["entity_id"], row["c3_id"], specs))
        for s in specs:
            needs[(row["c3_id"], s)] = needs.get((row["c3_id"], s), 0) + 1
    pool: list[dict] = []
    by_key: dict[tuple[str, str], list[int]] = {}
    for (c3_id, spec), count in sorted(needs.items()):
        n = 2 if count >= 3 else 1
        for _ in range(n):
            prof_id = len(pool) + 1
            pool.append(
                {"prof_id": prof_id, "specialty": spec, "c3_id": c3_id, "finess": c3_finess[c3_id]}
            )
            by_key.setdefault((c3_id, spec), []).append(prof_id)
    for c3_id in sorted(c3_finess):
        for spec in EXTRAS:
            prof_id = len(pool) + 1
            pool.append(
                {"prof_id": prof_id, "specialty": spec, "c3_id": c3_id, "finess": c3_finess[c3_id]}
            )
            by_key.setdefault((c3_id, spec), []).append(prof_id)
    participants = []
    for entity_id, c3_id, specs in plan:
        for slot, spec in enumerate(specs):
            for rank, prof_id in enumerate(by_key[(c3_id, spec)]):
                participants.append((entity_id, prof_id, slot, rank))
        for spec in EXTRAS:
            participants.append((entity_id, by_key[(c3_id, spec)][0], -1, 0))
    profs = pl.DataFrame(pool).with_columns(pl.col("prof_id").cast(pl.Int64))
    second = profs["specialty"].replace_strict(SECOND_SPECIALTY, default=None)
    dual = pl.Series(rng.random(profs.height) < 0.3) & second.is_not_null()
    profs = profs.with_columns(specialty_2=pl.when(dual).then(second).otherwise(None))
    part = pl.DataFrame(
        participants, schema=["entity_id", "prof_id", "slot", "rank"], orient="row"
    ).with_columns(pl.col("entity_id", "prof_id").cast(pl.Int64))
    entities = entities.with_columns(rule_key=pl.Series(rule_keys))
    return profs, part, entities


def build_gps(ref: Reference, first_id: int) -> pl.DataFrame:
    """General practitioners (médecins traitants): about one per 1,000 inhabitants, by commune."""
    gps = (
        ref.communes.select(
            "commune_code",
            "territory_code",
            "department_code",
            n=(pl.col("population") / 1000).ceil().cast(pl.Int64),
        )
        .select(pl.all().repeat_by("n").explode())
        .drop("n")
        .sort("commune_code")
        .with_row_index("prof_id", offset=first_id)
        .with_columns(
            pl.col("prof_id").cast(pl.Int64),
            specialty=pl.lit("medecine_generale"),
            specialty_2=pl.lit(None, pl.String),
            c3_id=pl.lit(None, pl.String),
            finess=pl.lit(None, pl.String),
        )
    )
    return gps


def closed(day: pl.Expr) -> pl.Expr:
    """The RCPs do not meet from 24 December to 1 January."""
    month, dom = day.dt.month(), day.dt.day()
    return ((month == 12) & (dom >= 24)) | ((month == 1) & (dom == 1))


def summer(day: pl.Expr) -> pl.Expr:
    """1-21 August: a weekly RCP meets every other week."""
    return (day.dt.month() == 8) & (day.dt.day() <= 21)


def closure(day: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The first and last days of the Christmas break `day` falls in."""
    year = day.dt.year()
    first = pl.when(day.dt.month() == 12).then(pl.date(year, 12, 24))
    last = pl.when(day.dt.month() == 12).then(pl.date(year + 1, 1, 1))
    return first.otherwise(pl.date(year - 1, 12, 24)), last.otherwise(pl.date(year, 1, 1))


def build_sessions(entities: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """Every scheduled meeting of every entity between start and end, but for the Christmas break
    and, in the first three weeks of August, one week in two of the weekly RCPs."""
    first = pl.lit(start) + pl.duration(
        days=(pl.col("weekday") - 1 - pl.lit(start).dt.weekday() + 1 + 7) % 7
    )
    sessions = (
        entities.select(
            "entity_id",
            "hour",
            "every_weeks",
            day=pl.date_ranges(first, pl.lit(end), interval="1d").list.gather_every(
                pl.col("every_weeks") * 7
            ),
        )
        .explode("day")
        .filter(
            ~closed(pl.col("day"))
            & ~(
                summer(pl.col("day"))
                & (pl.col("every_weeks") == 1)
                & (pl.col("day").dt.week() % 2 == 1)
            )
        )
        .with_columns(
            session_start=pl.col("day").dt.combine(pl.time(0)) + pl.duration(hours=pl.col("hour"))
        )
        .sort("entity_id", "day")
        .drop("hour", "every_weeks")
    )
    return sessions


def build_attendance(
    sessions: pl.DataFrame, participants: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """Who attended each session: one physician per core slot always, others sometimes."""
    rows = (
        sessions.select("session_id", "entity_id")
        .join(participants, on="entity_id", how="inner")
        .sort("session_id", "slot", "rank", "prof_id")
    )
    r = rng.random(rows.height)
    extra = rng.random(rows.height)
    how = rng.random(rows.height)
    rows = rows.with_columns(r=pl.Series(r), extra=pl.Series(extra), how=pl.Series(how))
    chosen = (pl.col("slot") >= 0) & (pl.col("r") == pl.col("r").max().over("session_id", "slot"))
    attends = chosen | (pl.col("extra") < pl.when(pl.col("slot") >= 0).then(0.3).otherwise(0.5))
    return (
        rows.filter(attends)
        .with_columns(
            attendance_mode=pl.when(chosen)
            .then(pl.when(pl.col("how") < 0.15).then(pl.lit("visio")).otherwise(pl.lit("present")))
            .when(pl.col("how") < 0.2)
            .then(pl.lit("avis_ecrit"))
            .when(pl.col("how") < 0.35)
            .then(pl.lit("visio"))
            .otherwise(pl.lit("present")),
            core=chosen,
        )
        .select("session_id", "prof_id", "slot", "attendance_mode", "core")
    )
