"""A board made only of the catalogue's charts (config/indicators.toml, [charts.<page>.*]): its
registration, its `figures(search)`, its layout and its one callback, built once for every such
board (Activité RCP, Quorum et conformité, Dossiers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, callback, ctx, html, no_update

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
    click_to_filter(module, page, graphs)
    return figures, layout


def click_to_filter(module: str, page: str, graphs: list[str]) -> None:
    """A click on a bar of a chart by 3C, organ, establishment or department sets that filter in
    the URL (the shell then sets the filter lists and every chart follows)."""
    cat = catalogue.load()
    clickable = [g for g in graphs if cat.chart(page, g).by in indicators.CLICKABLE]
    if not clickable:
        return

    def clicked(*args: Any) -> Any:
        search = args[-1]
        graph = str(ctx.triggered_id or "").removeprefix(f"{page}-")
        if graph not in clickable:
            return no_update
        click = args[clickable.index(graph)]
        found = indicators.clicked_filter(cat.chart(page, graph), click, search)
        return no_update if found is None or found == search else found

    clicked.__module__ = module
    callback(
        Output("url", "search", allow_duplicate=True),
        [Input(f"{page}-{g}", "clickData") for g in clickable],
        State("url", "search"),
        prevent_initial_call=True,
    )(clicked)
