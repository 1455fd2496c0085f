"""Page not found: links to the boards the user's role may open."""

from __future__ import annotations

import dash
from dash import dcc, html

from access.policy import AccessDenied, current
from dashboards.registry import allowed

dash.register_page(__name__, path="/404", name="Page introuvable")


def layout(**_query: str) -> html.Div:
    try:
        pages = allowed(current().role)
    except AccessDenied:  # Dash validates the layout once, outside any user's request
        pages = []
    return html.Div(
        [
            html.H2("Page introuvable"),
            html.P("Cette adresse ne correspond à aucun tableau de bord. Tableaux ouverts :"),
            html.Ul(
                [html.Li(dcc.Link(str(p["name"]), href=str(p["path"]))) for p in pages],
                id="introuvable-liens",
            ),
        ]
    )
