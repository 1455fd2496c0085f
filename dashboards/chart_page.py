"""A board made only of the catalogue's charts (config/indicators.toml, [charts.<page>.*]): its
registration, its `figures(search)`, its layout and its one callback, built once for every such
board (Activité RCP, Quorum et conformité, Dossiers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import export, indicators
from dashboards.data import params
from warehouse.read import catalogue

Figures = Callable[[str | None], dict[str, Any]]
Layout = Callable[..., html.Div]


def register_page(
    module: str, page: str, *, path: str, name: str, order: int
) -> tuple[Figures, Layout]:
    """Register the board of `module` at `path`, showing the catalogue's charts of `page`; returns
    its `figures` and `layout`, for the module to hold as its own (Dash reads `layout` there).
    Dash imports only the files of pages/ whose text says `register_page`: hence this name."""
    dash.register_page(module, path=path, name=name, order=order)
    graphs = list(catalogue.load().charts[page])

    def figures(search: str | None) -> dict[str, Any]:
        """Every figure of the page for the filters in `search` (plain function, tested as such)."""
        p = params(search)
        return {g: indicators.figure(page, g, p) for g in graphs}

    def layout(**_query: str) -> html.Div:
        return html.Div([html.H2(name), export.graph_grid(page, graphs)])

    def update(search: str | None) -> list[Any]:
        figs = figures(search)
        return [figs[g] for g in graphs] + export.hrefs(page, graphs, search)

    # the board's own callback: the access check (dashboards/auth.py) finds its owner by module
    update.__module__ = figures.__module__ = layout.__module__ = module
    callback(
        [Output(f"{page}-{g}", "figure") for g in graphs] + export.outputs(page, graphs),
        Input("url", "search"),
    )(update)
    return figures, layout
