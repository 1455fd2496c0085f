"""Activité RCP: sessions and dossiers per month, 3C, entity and organ; registered vs discussed,
on site vs video, first presentation vs re-discussion; a calendar of sessions."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import charts, export
from dashboards.data import params, reader

dash.register_page(__name__, path="/activite", name="Activité RCP", order=1)

GRAPHS = [
    "mensuel",
    "statut",
    "mode",
    "presentation",
    "seances",
    "par-3c",
    "par-organe",
    "par-rcp",
    "calendrier",
]


def figures(search: str | None) -> dict[str, Any]:
    """Every figure of the page for the filters in `search` (plain function, tested as such)."""
    p = params(search)
    monthly = reader().query("activity_monthly", **p)
    return {
        "mensuel": charts.monthly_bars(monthly, {"dossiers": "Dossiers"}, "Dossiers par mois"),
        "statut": charts.monthly_bars(
            monthly,
            {"registered": "Enregistrés", "discussed": "Discutés"},
            "Dossiers enregistrés et discutés",
        ),
        "mode": charts.monthly_bars(
            monthly,
            {"on_site": "Présentiel", "video": "Visioconférence"},
            "Présentiel et visioconférence",
        ),
        "presentation": charts.monthly_bars(
            monthly,
            {"first_presentations": "Première présentation", "rediscussions": "Re-discussion"},
            "Premières présentations et re-discussions",
        ),
        "seances": charts.subtitle(
            charts.monthly_bars(
                reader().query("sessions_monthly", **p), {"sessions": "Séances"}, "Séances par mois"
            ),
            charts.session_note(p),
        ),
        "par-3c": charts.horizontal_bars(
            reader().query("activity_by_c3", **p), "name", "dossiers", "Dossiers par 3C"
        ),
        "par-organe": charts.horizontal_bars(
            reader().query("activity_by_organ", **p), "organ", "dossiers", "Dossiers par organe"
        ),
        "par-rcp": charts.horizontal_bars(
            reader().query("activity_by_entity", **p), "name", "dossiers", "Dossiers par RCP"
        ),
        "calendrier": charts.subtitle(
            charts.calendar(reader().query("sessions_daily", **p), "Calendrier des séances"),
            charts.session_note(p),
        ),
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Activité RCP"),
            export.graph_grid("activite", GRAPHS),
        ]
    )


@callback(
    [Output(f"activite-{g}", "figure") for g in GRAPHS] + export.outputs("activite", GRAPHS),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs("activite", GRAPHS, search)
