"""Page not found."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Page introuvable")

layout = html.Div([html.H2("Page introuvable"), dcc.Link("Retour à la vue d'ensemble", href="/")])
