"""The network's yearly activity report, in the shape of the seed's (the Oncauvergne 2013 report):
the objectives tables of each strategic orientation (objectives, action plans, follow-up
indicators, what was achieved, deadline) filled from the data through the objectives grid
(config/objectives.toml); the RCP activity; the trials; the network's own activity (working
groups, visits of 3Cs, trainings in the seed's table, documents, website); the DCC service; the
summary of the year's surveys (reports/survey.py).

Read on behalf of the principal in context (`rrc report activite` reads as the network, role
`rrc`: patients' counts masked or perturbed, the network's activity exact). Call `build` inside
`acting_as`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from reports import survey
from reports.content import (
    Scope,
    assemble,
    by_c3,
    columns,
    indicator_table,
    key_indicators,
    key_table,
    trials,
)
from reports.model import Column, Note, Report, Section, Table
from reports.tables import bars, table
from warehouse.read import formats, objectives
from warehouse.read.reader import Reader

GRID = (
    Column("objective", "Objectifs stratégiques", "text"),
    Column("operational", "Objectifs opérationnels", "text"),
    Column("actions", "Plans d'action", "text"),
    Column("indicator", "Indicateurs de suivi et d'évaluation", "text"),
    Column("achieved", "Suivi des objectifs", "text"),
    Column("target", "Cible", "value"),
    Column("status", "Statut", "text"),
    Column("deadline", "Échéance", "text"),
)
NETWORK = (
    "group_meetings", "c3_visits", "training_sessions", "training_days", "training_participants",
    "documents_written", "copies_distributed", "conventions_signed", "website_visits",
)  # fmt: skip
DCC = (
    "dcc_availability", "dcc_unplanned_minutes", "dcc_planned_minutes", "dcc_incidents",
    "dcc_hours_to_resolve", "dcc_adverse_events", "dcc_malfunctions", "dcc_days_to_close",
    "dcc_respondents", "pct_dcc_satisfied",
)  # fmt: skip


def objectives_section(reader: Reader, scope: Scope) -> Section:
    """One table per strategic orientation, as the seed lays them out: a strategic or operational
    objective is written on its first line only."""
    lines = objectives.evaluate(reader, scope.year)
    grid = objectives.load()
    blocks: list[Table | Note] = []
    for orientation in grid.orientations:
        rows = []
        last: tuple[Any, Any] = (None, None)
        for line in (x for x in lines if x.orientation is orientation):
            objective = line.objective.title if line.objective is not last[0] else ""
            fresh = line.operational is not last[1]
            rows.append(
                (
                    objective,
                    line.operational.title if fresh else "",
                    " ".join(f"• {a}" for a in line.operational.actions) if fresh else "",
                    line.indicator.label,
                    line.achieved or (line.text if line.value is not None else ""),
                    line.target_text,
                    line.status,
                    line.indicator.deadline,
                )
            )
            last = (line.objective, line.operational)
        title = f"Orientation stratégique n°{orientation.id} — {orientation.title}"
        source = ("objectives", {"year": scope.year, "orientation": orientation.id})
        blocks.append(Table(title, GRID, tuple(rows), source, orientation.audience))
    intro = (
        f"Suivi des objectifs {scope.year} : chaque indicateur est calculé à partir des données "
        "de l'entrepôt (RCP, registre des essais, classeur de l'équipe de coordination, journal "
        "du service DCC) ou suivi par l'équipe (grille config/objectives.toml). Sans statut "
        "saisi, une cible donne « Atteint » ou « Non atteint »."
    )
    return Section(grid.title, "Objectifs", tuple(blocks), intro, landscape=True)


def rcp_activity(reader: Reader, scope: Scope, years: list[int]) -> list[Section]:
    """The RCP activity summary: key indicators and the activity by 3C (the ARS report's)."""
    kpis = key_indicators(reader, scope, years)
    return [
        Section("Activité des RCP", "Activité RCP", kpis.blocks, kpis.intro),
        by_c3(reader, scope),
    ]


def trials_section(reader: Reader, scope: Scope, years: list[int]) -> Section:
    registry = key_table(
        reader, scope, years, ("trials_open", "trials_closed"), "Essais du registre du réseau"
    )
    detail = trials(reader, scope)
    intro = (
        "Essais cliniques du registre ouverts aux inclusions dans l'année et clos dans l'année "
        "(consultables sur le site Internet du réseau) ; patients proposés et inclus."
    )
    return Section("Essais cliniques", "Essais", (registry, *detail.blocks), intro)


def _events(reader: Reader, year: int, kind: str) -> pl.DataFrame:
    frame = reader.query("network_events", year=year)
    return frame.filter(pl.col("kind") == kind).sort("event_date", "code")


def network_section(reader: Reader, scope: Scope, years: list[int]) -> Section:
    """Working groups, visits of 3Cs, trainings (the seed's table), documents, website."""
    cat = reader.catalogue
    key = key_table(reader, scope, years, NETWORK, "Activité du réseau : chiffres clés")
    groups = indicator_table(
        reader,
        scope,
        "Réunions des groupes de travail et des partenariats",
        ("group_meetings",),
        "group",
        order="group_meetings",
    )
    meetings = _events(reader, scope.year, "meetings")
    names = cat.dimensions["group"].values
    dates = {
        names.get(str(code), str(code)): formats.day_list(g["event_date"].to_list())
        for (code,), g in meetings.group_by("code", maintain_order=True)
    }
    groups = _with_column(
        groups,
        Column("dates", "Dates", "text"),
        [dates.get(str(n), "") for n in groups.column("group_label")],
    )
    c3_names = dict(reader.query("c3_list").rows())
    visits = _events(reader, scope.year, "visits").with_columns(
        c3=pl.col("code").replace_strict(c3_names, default=pl.col("code")),
        day=pl.col("event_date").map_elements(formats.long_day, return_dtype=pl.String),
    )
    visit_table = table(
        "Visites des 3C",
        visits,
        (
            Column("c3", "3C", "text"),
            Column("label", "Visite", "text"),
            Column("day", "Date", "text"),
        ),
        ("network_events", {"year": scope.year, "kind": "visits"}),
    )
    return Section(
        "Activité du réseau",
        "Réseau",
        (
            key,
            groups,
            visit_table,
            *training_tables(reader, scope),
            *document_tables(reader, scope),
            *website_tables(reader, scope),
        ),
        "Réunions des groupes de travail, visites des 3C, formations, documents et site Internet, "
        "d'après le classeur de l'équipe de coordination. "
        + cat.indicator("training_participants").definition,
    )


def _with_column(t: Table, column: Column, values: list[Any]) -> Table:
    """`t` with one more column."""
    rows = tuple((*r, v) for r, v in zip(t.rows, values, strict=True))
    return Table(t.title, (*t.columns, column), rows, t.source, t.note)


def training_tables(reader: Reader, scope: Scope) -> list[Table]:
    """The seed's training table (professions, training, days, participants) and the sessions."""
    cat = reader.catalogue
    params = scope.params
    sessions = reader.indicators(("training_days", "training_participants"), ["training"], params)
    people = reader.indicators(("training_participants",), ["training", "profession"], params)
    professions = {
        t: ", ".join(g.sort("profession")["profession_label"].to_list())
        for (t,), g in people.frame.filter(pl.col("training_participants") > 0).group_by("training")
    }
    frame = sessions.frame.sort("training").with_columns(
        professions=pl.col("training").replace_strict(professions, default="")
    )
    summary = table(
        "Formations organisées par le réseau",
        frame,
        (
            Column("professions", "Type de professionnel de santé", "text"),
            Column("training_label", "Nature de la formation", "text"),
            Column("training_days", "Jours de formation"),
            Column("training_participants", "Nombre de participants"),
        ),
        (
            "indicators",
            {"ids": ("training_days", "training_participants"), "by": "training", **params},
        ),
    )
    detail = _events(reader, scope.year, "trainings").with_columns(
        training_label=pl.col("code").replace_strict(
            cat.dimensions["training"].values, default=None
        ),
        when=pl.struct("event_date", "end_date").map_elements(_span, return_dtype=pl.String),
        days=pl.col("days").round(0).cast(pl.Int64),
    )
    by_session = table(
        "Détail des sessions de formation",
        detail,
        (
            Column("training_label", "Formation", "text"),
            Column("label", "Session", "text"),
            Column("when", "Dates", "text"),
            Column("days", "Jours"),
            Column("participants", "Participants"),
        ),
        ("network_events", {"year": scope.year, "kind": "trainings"}),
    )
    return [summary, by_session]


def _span(days: dict[str, Any]) -> str:
    start, end = days["event_date"], days["end_date"]
    if end is None or end == start:
        return formats.long_day(start)
    return f"du {formats.long_day(start)} au {formats.long_day(end)}"


def document_tables(reader: Reader, scope: Scope) -> list[Table]:
    docs = indicator_table(
        reader,
        scope,
        "Documents rédigés et distribués",
        ("documents_written", "copies_distributed"),
        "doc_type",
    )
    sites = indicator_table(
        reader,
        scope,
        "Exemplaires distribués par établissement",
        ("copies_distributed",),
        "finess",
        order="copies_distributed",
    )
    return [docs, sites]


def by_month(reader: Reader, scope: Scope, title: str, ids: tuple[str, ...]) -> Table:
    """Indicators `ids` month by month ("janv. 2013"), headed by the catalogue's short labels."""
    data = reader.indicators(ids, ["month"], scope.params)
    frame = data.frame.sort("month").with_columns(
        month_text=pl.col("month").map_elements(formats.month, return_dtype=pl.String)
    )
    cols = (Column("month_text", "Mois", "text"), *columns(reader, ids))
    dens = {i: f"{i}__den" for i in ids if f"{i}__den" in frame.columns}
    source = ("indicators", {"ids": ids, "by": "month", **scope.params})
    return table(title, frame, cols, source, denominators=dens, note=" ".join(data.notes))


def website_tables(reader: Reader, scope: Scope) -> list[Table]:
    ids = ("website_visits", "website_visitors")
    return [by_month(reader, scope, "Site Internet : connexions et visiteurs par mois", ids)]


def dcc_section(reader: Reader, scope: Scope, years: list[int]) -> Section:
    key = key_table(reader, scope, years, DCC, "Service du DCC : chiffres clés")
    incidents = indicator_table(
        reader,
        scope,
        "Incidents par gravité",
        ("dcc_incidents", "dcc_hours_to_resolve"),
        "severity",
    )
    monthly = by_month(
        reader,
        scope,
        "Disponibilité par mois",
        ("dcc_availability", "dcc_unplanned_minutes", "dcc_planned_minutes"),
    )
    chart = bars(
        "Disponibilité du DCC par mois (%)",
        monthly,
        "month_text",
        {"dcc_availability": "Disponibilité"},
        percent=True,
    )
    intro = reader.catalogue.indicator("dcc_availability").definition
    return Section("Service du DCC", "DCC", (key, incidents, monthly, chart), intro)


def survey_sections(reader: Reader, scope: Scope) -> list[Section]:
    """The summary of each survey of the year (CAHLIPSOS...): respondents by territory and
    profession, then every question's distribution, with the surveys' secrecy
    (reports/survey.py); none when the warehouse holds no survey of that year."""
    listed = reader.query("survey_list").filter(pl.col("year") == scope.year)
    many = listed.height > 1
    return [
        survey.section(
            survey.summary(reader, survey_id),
            f"Enquête {survey_id}"[:31] if many else "Enquête",
        )
        for survey_id in listed["survey_id"].to_list()
    ]


def build(reader: Reader, year: int, generated_at: datetime, network: str) -> Report:
    """The activity report's content for `year`, read on behalf of the principal in context."""
    scope = Scope("activite", year)
    years = reader.query("years")["year"].to_list()
    sections = [
        objectives_section(reader, scope),
        *rcp_activity(reader, scope, years),
        trials_section(reader, scope, years),
        network_section(reader, scope, years),
        dcc_section(reader, scope, years),
    ]
    sections += survey_sections(reader, scope)
    title, subtitle = (
        "Rapport d'activité du réseau",
        "Orientations stratégiques, objectifs et activité",
    )
    return assemble(reader, scope, title, subtitle, network, generated_at, sections)
