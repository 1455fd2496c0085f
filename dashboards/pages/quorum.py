"""Quorum et conformité: compliance by RCP entity, 3C and organ; specialties most often missing;
patient informed traced and PPS naming a GP."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import charts, export
from dashboards.data import params, reader

dash.register_page(__name__, path="/quorum", name="Quorum et conformité", order=2)

GRAPHS = ["par-3c", "par-rcp", "par-organe", "specialites", "tracabilite"]


def _stacked(frame: Any, title: str) -> charts.Figure:
    return charts.bars(
        frame["label"].to_list(),
        frame,
        {"met": "Quorum atteint", "not_met": "Non atteint", "unknown": "Indéterminé"},
        title,
        barmode="stack",
        horizontal=True,
        height=max(340, 22 * frame.height + 90),
    )


def figures(search: str | None) -> dict[str, Any]:
    p = params(search)
    comp = reader().query("compliance_monthly", **p)
    months = [charts.MONTHS[m.month - 1] for m in comp["month"]]
    tracking = charts.figure(
        [
            {"type": "scatter", "mode": "lines+markers", "x": months}
            | {"y": comp[c].to_list(), "name": n}
            for c, n in (
                ("pct_informed", "Patient informé tracé (%)"),
                ("pct_pps_gp", "PPS avec médecin traitant (%)"),
            )
        ],
        "Traçabilité par mois",
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
        "tracabilite": tracking,
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
