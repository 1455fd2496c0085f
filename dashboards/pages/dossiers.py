"""Dossiers: counts by organ, ICD-10 group, age band, sex and department of residence; new
patients against the cases expected from the population. Every chart is an entry of
config/indicators.toml ([charts.dossiers.*])."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import export, indicators
from dashboards.data import params
from warehouse.read import catalogue

dash.register_page(__name__, path="/dossiers", name="Dossiers", order=3)

PAGE = "dossiers"
GRAPHS = list(catalogue.load().charts[PAGE])


def figures(search: str | None) -> dict[str, Any]:
    """Every figure of the page for the filters in `search` (plain function, tested as such)."""
    p = params(search)
    return {g: indicators.figure(PAGE, g, p) for g in GRAPHS}


def layout(**_query: str) -> html.Div:
    return html.Div([html.H2("Dossiers"), export.graph_grid(PAGE, GRAPHS)])


@callback(
    [Output(f"{PAGE}-{g}", "figure") for g in GRAPHS] + export.outputs(PAGE, GRAPHS),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs(PAGE, GRAPHS, search)
