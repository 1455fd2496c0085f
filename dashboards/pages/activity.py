"""Activité RCP: dossiers and sessions per month, 3C, entity and organ; registered vs
discussed, on site vs video, first presentation vs re-discussion; a calendar of sessions. Every
chart is an entry of config/indicators.toml ([charts.activite.*])."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import export, indicators
from dashboards.data import params
from warehouse.read import catalogue

dash.register_page(__name__, path="/activite", name="Activité RCP", order=1)

PAGE = "activite"
GRAPHS = list(catalogue.load().charts[PAGE])


def figures(search: str | None) -> dict[str, Any]:
    """Every figure of the page for the filters in `search` (plain function, tested as such)."""
    p = params(search)
    return {g: indicators.figure(PAGE, g, p) for g in GRAPHS}


def layout(**_query: str) -> html.Div:
    return html.Div([html.H2("Activité RCP"), export.graph_grid(PAGE, GRAPHS)])


@callback(
    [Output(f"{PAGE}-{g}", "figure") for g in GRAPHS] + export.outputs(PAGE, GRAPHS),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs(PAGE, GRAPHS, search)
