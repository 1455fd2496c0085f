"""Quorum et conformité: compliance by RCP entity, 3C and organ; specialties most often missing;
patient informed traced and PPS naming a GP."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, html

from dashboards import charts, export
from dashboards.app import params, reader

dash.register_page(__name__, path="/quorum", name="Quorum et conformité", order=2)

GRAPHS = ["par-3c", "par-rcp", "par-organe", "specialites", "tracabilite"]


def _stacked(frame: Any, title: str) -> go.Figure:
    fig = go.Figure(
        [
            go.Bar(y=frame["label"].to_list(), x=frame[col].to_list(), name=name, orientation="h")
            for col, name in (
                ("met", "Quorum atteint"),
                ("not_met", "Non atteint"),
                ("unknown", "Indéterminé"),
            )
        ]
    )
    fig.update_layout(barmode="stack", height=max(340, 22 * frame.height + 90))
    return charts._layout(fig, title)


def figures(search: str | None) -> dict[str, Any]:
    p = params(search)
    comp = reader().query("compliance_monthly", **p)
    tracking = go.Figure(
        [
            go.Scatter(
                x=[charts.MONTHS[m.month - 1] for m in comp["month"]],
                y=comp[c].to_list(),
                name=n,
                mode="lines+markers",
            )
            for c, n in (
                ("pct_informed", "Patient informé tracé (%)"),
                ("pct_pps_gp", "PPS avec médecin traitant (%)"),
            )
        ]
    )
    return {
        "par-3c": _stacked(reader().query("quorum_by", by="c3", **p), "Quorum par 3C"),
        "par-rcp": _stacked(reader().query("quorum_by", by="entity", **p), "Quorum par RCP"),
        "par-organe": _stacked(reader().query("quorum_by", by="organ", **p), "Quorum par organe"),
        "specialites": charts.subtitle(
            charts.horizontal_bars(
                reader().query("missing_specialties", **p),
                "specialty",
                "sessions",
                "Spécialités manquantes (séances sans quorum)",
            ),
            charts.session_note(p),
        ),
        "tracabilite": charts._layout(tracking, "Traçabilité par mois"),
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Quorum et conformité"),
            export.graph_grid("quorum", GRAPHS),
        ]
    )


@callback(
    [Output(f"quorum-{g}", "figure") for g in GRAPHS] + export.outputs("quorum", GRAPHS),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs("quorum", GRAPHS, search)
