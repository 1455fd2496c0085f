"""Grain: one row per RCP session and rule key (session_id, applies_to): the verdict of the quorum
rule in force that day for an RCP type or an organ (config/quorum_rules.toml, evaluated by
warehouse/quorum.py) on the session's attendance. Keys: every session under its entity's RCP
type, and every (session, organ) of its dossiers. A Python model: each physician counts for one
specialty, a matching problem SQL does not say well."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb
import polars as pl

from warehouse.quorum import Attendee, Rule, Verdict, evaluate, load_rules, rule_for

READS = ("core.fact_attendance", "core.fact_session", "core.dim_rcp_entity", "core.fact_fiche")


def _attendance(con: duckdb.DuckDBPyConnection, t: Mapping[str, str]) -> dict[str, list[Attendee]]:
    rows = con.execute(
        "SELECT session_id, prof_id, specialty, specialty_2, attendance_mode "
        f"FROM {t['core.fact_attendance']} WHERE is_physician ORDER BY session_id, prof_id"
    ).fetchall()
    out: dict[str, list[Attendee]] = {}
    for session_id, prof_id, s1, s2, mode in rows:
        specs = tuple(s for s in (s1, s2) if s)
        out.setdefault(session_id, []).append(Attendee(prof_id, specs, mode))
    return out


def build(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule] | None = None,
    tables: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The verdicts; `tables` may stand a relation in for any table read (an incremental run
    reads only the touched sessions' rows: warehouse/incremental.py)."""
    rules = rules if rules is not None else load_rules()
    t = {name: (tables or {}).get(name, name) for name in READS}
    attendance = _attendance(con, t)
    # a session under its entity's RCP type; a dossier under its organ (dated sessions only)
    keys = con.execute(
        f"SELECT s.session_id, e.rcp_type, s.session_date FROM {t['core.fact_session']} s "
        f"LEFT JOIN {t['core.dim_rcp_entity']} e USING (entity_code) "
        "UNION "
        f"SELECT DISTINCT f.session_id, f.organ, s.session_date FROM {t['core.fact_fiche']} f "
        f"JOIN {t['core.fact_session']} s USING (session_id) WHERE s.session_date IS NOT NULL"
    ).fetchall()
    cache: dict[tuple[str, str | None], Verdict] = {}  # one evaluation per (session, rule)
    rows = []
    for session_id, applies_to, day in keys:
        rule = rule_for(rules, applies_to, day) if isinstance(day, date) else None
        key = (session_id, rule.id if rule else None)
        if key not in cache:
            cache[key] = evaluate(rule, attendance.get(session_id, []))
        v = cache[key]
        rows.append((session_id, applies_to, v.rule_id, v.status, v.physicians, list(v.missing)))
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "session_id": pl.String,
            "applies_to": pl.String,
            "rule_id": pl.String,
            "status": pl.String,
            "physicians": pl.Int64,
            "missing_specialties": pl.List(pl.String),
        },
    )
