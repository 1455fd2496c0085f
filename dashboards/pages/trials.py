"""Essais cliniques: the trials of the registry open during the year (searchable, sortable,
exportable), with the status the registry gives them; inclusions by establishment, trial, organ
and month; new patients, trials proposed in RCP and inclusions. Charts and table columns are
entries of config/indicators.toml ([charts.essais.*], [tables.essais-liste])."""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html
from dash.dash_table.DataTable import DataTable

from dashboards import chart_page, export, indicators, table_filter
from dashboards.data import params, reader
from dashboards.indicators import Sheet
from rrc.spreadsheet import neutralise
from warehouse.read import catalogue, formats
from warehouse.read.secrecy import masked_text

dash.register_page(__name__, path="/essais", name="Essais cliniques", order=4)

PAGE = "essais"
GRAPHS = list(catalogue.load().charts[PAGE])
TABLE = "essais-liste"
TABLES = ["liste"]  # exported by the server (dashboards/export.py), neutralised like the charts
LIST_PAGE = 12
chart_page.click_to_filter(__name__, PAGE, GRAPHS)


def figures(search: str | None) -> dict[str, Any]:
    p = params(search)
    return {g: indicators.figure(PAGE, g, p) for g in GRAPHS}


def trial_rows(search: str | None) -> list[dict[str, Any]]:
    """The trials open during the year, as the table shows them (French values; text a
    spreadsheet would run made inert, since the table exports itself)."""
    p = params(search)
    cat = reader().catalogue
    frame, masked = reader().query_masked(
        "trials_list", year=p["year"], organ=p["organ"], c3=p["c3"]
    )
    threshold = reader().secrecy.threshold  # statistical secrecy
    rows = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        rows.append(
            {
                k: masked_text(masked[(i, k)], threshold)
                if (i, k) in masked
                else neutralise(str(cat.translate(TABLE, k, v)) if v is not None else "")
                for k, v in row.items()
            }
        )
    return rows


def tables(search: str | None) -> dict[str, Sheet]:
    """The trial list as on screen (masked cells included), for its CSV and XLSX exports."""
    columns = catalogue.load().tables[TABLE].columns
    rows = trial_rows(search)
    return {"liste": Sheet(list(columns.values()), [[r[c] for c in columns] for r in rows])}


def layout(**_query: str) -> html.Div:
    table = catalogue.load().tables[TABLE]
    return html.Div(
        [
            html.H2("Essais cliniques"),
            html.H3(table.title),
            html.P(id="essais-liste-note"),
            DataTable(  # paged, filtered and sorted by the server: one page of trials sent
                id="essais-liste",
                style_table={"overflowX": "auto"},
                columns=[{"id": c, "name": n} for c, n in table.columns.items()],
                page_action="custom",
                page_current=0,
                page_size=LIST_PAGE,
                filter_action="custom",
                filter_query="",
                filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                sort_action="custom",
                sort_by=[],
                style_cell={
                    "textAlign": "left",
                    "maxWidth": 320,
                    "overflow": "hidden",
                    "textOverflow": "ellipsis",
                },
            ),
            export.links(PAGE, "liste"),
            export.graph_grid(PAGE, GRAPHS),
        ]
    )


@callback(
    [Output(f"{PAGE}-{g}", "figure") for g in GRAPHS] + export.outputs(PAGE, GRAPHS + TABLES),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs(PAGE, GRAPHS + TABLES, search)


@callback(
    Output("essais-liste", "data"),
    Output("essais-liste", "page_count"),
    Output("essais-liste", "page_current"),
    Output("essais-liste-note", "children"),
    Input("url", "search"),
    *table_filter.inputs("essais-liste"),
)
def update_list(  # type: ignore[no-untyped-def]
    search: str | None,
    current: int | None,
    size: int | None,
    query: str | None,
    sort_by: list[dict[str, str]] | None,
):
    """One page of the trials, filtered and sorted on the values as shown (a masked count is
    "< 11" here as on screen: a filter on its true value would tell it)."""
    columns = list(catalogue.load().tables[TABLE].columns)
    shown = pl.DataFrame(trial_rows(search), schema=dict.fromkeys(columns, pl.String))
    current = table_filter.requested_page(current, "essais-liste")
    try:
        found = table_filter.page(shown, query, sort_by, current, size, LIST_PAGE)
    except table_filter.FilterError as exc:
        return [], 1, 0, str(exc)
    note = (
        f"{formats.french(found.matched)} essai(s) sur {formats.french(shown.height)} "
        "répondent au filtre."
        if found.matched != shown.height
        else f"{formats.french(shown.height)} essai(s) ouvert(s) pendant l'année."
    )
    return found.rows.to_dicts(), found.page_count, found.current, note
