"""Exports of every chart (CSV, XLSX; PNG from the chart's own toolbar) and table.

A chart's data is recomputed on the server from the page's `figures(search)` function, with the
same filters as on screen, so an export is exactly what is shown; a board's tables (`TABLES` and
`tables(search)` of its page) are exported the same way, instead of by the browser. Cells that a
spreadsheet would take for a formula are neutralised and XLSX files hold no formula and no link
(rrc/spreadsheet.py).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
from dash import html
from flask import Flask, Response, request

from access import audit
from access.policy import current
from dashboards.data import reader
from dashboards.registry import page_module
from rrc import spreadsheet

PAGES = {"activite": "activity", "quorum": "quorum", "dossiers": "dossiers", "essais": "trials"}
TABLE_PAGES = {"essais", "qualite"}  # pages with tables to export (their module's TABLES)


def figure_frame(fig: go.Figure | dict[str, Any]) -> pl.DataFrame:
    """The data behind a figure, one row per point: série, x (the category), y (the value),
    or x, y and valeur for heat-maps."""
    if isinstance(fig, dict):  # the boards' plain figures (dashboards/charts.py)
        fig = go.Figure(fig)
    rows: list[dict[str, Any]] = []
    for trace in fig.data:
        name = getattr(trace, "name", None) or ""
        if trace.type == "heatmap":
            for yi, row in enumerate(trace.z or []):
                for xi, value in enumerate(row):
                    if value is not None:
                        rows.append(
                            {
                                "série": name,
                                "x": str(trace.x[xi]),
                                "y": str(trace.y[yi]),
                                "valeur": value,
                            }
                        )
        elif trace.x is not None and trace.y is not None:
            # x is the category, y the value, whichever way the bars are drawn
            horizontal = getattr(trace, "orientation", None) == "h"
            categories, values = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
            rows += [
                {"série": name, "x": str(x), "y": None if y is None else str(y), "valeur": None}
                for x, y in zip(categories, values, strict=False)
                if x is not None
            ]
    frame = pl.DataFrame(
        rows, schema={"série": pl.String, "x": pl.String, "y": pl.String, "valeur": pl.Float64}
    )
    return spreadsheet.neutralise_frame(frame)


def render(page: str, graph: str, fmt: str, search: str) -> tuple[bytes, str]:
    """(content, mimetype) of one chart's export."""
    module = page_module(f"/{page}")
    if page in TABLE_PAGES and graph in getattr(module, "TABLES", ()):
        frame = module.tables(search)[graph]  # masked by the page as on screen
    elif page in PAGES:
        fig = module.figures(search)[graph]
        frame = figure_frame(fig)
        if current().secrecy:  # a masked cell says so, rather than look like a missing value
            frame = frame.with_columns(pl.col("y").fill_null(reader().secrecy.hidden))
    else:
        raise KeyError(graph)
    return file(frame, fmt, graph)


def file(frame: pl.DataFrame, fmt: str, sheet: str) -> tuple[bytes, str]:
    """(content, mimetype) of an export: CSV (`;`, UTF-8 with BOM for Excel) or XLSX."""
    if fmt == "csv":
        return b"\xef\xbb\xbf" + spreadsheet.csv_bytes(frame, separator=";"), "text/csv"
    return (
        spreadsheet.xlsx_bytes(frame, sheet),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def register_routes(server: Flask) -> None:
    """`/export/<page>/<graph>.<csv|xlsx>`: a chart's data with the filters of the query string,
    recorded in the audit trail."""

    @server.route("/export/<page>/<graph>.<fmt>")
    def export_chart(page: str, graph: str, fmt: str) -> Response:
        who = current()
        if (page not in PAGES and page not in TABLE_PAGES) or fmt not in ("csv", "xlsx"):
            return _unknown(f"{page}/{graph}.{fmt}", "export inconnu")
        search = ("?" + request.query_string.decode()) if request.query_string else ""
        try:
            content, mimetype = render(page, graph, fmt, search)
        except KeyError:
            return _unknown(f"{page}/{graph}.{fmt}", "graphique inconnu")
        audit.record(
            who.username,
            "export",
            f"{page}/{graph}.{fmt}",
            role=who.role.name,
            address=who.address,
            detail={"filters": search, "snapshot": reader().snapshot()},
        )
        return Response(
            content,
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{page}-{graph}.{fmt}"'},
        )


def _unknown(target: str, message: str) -> Response:
    """An export that does not exist: refused, and recorded (someone may be probing)."""
    who = current()
    audit.record(
        who.username, "export", target[:200], "unknown", role=who.role.name, address=who.address
    )
    return Response(message, status=404)


def graph_grid(page: str, graphs: list[str]) -> html.Div:
    """The page's charts in a grid, each with its export links (ids `<page>-<graph>`)."""
    from dash import dcc

    return html.Div(
        [
            html.Div(
                [dcc.Graph(id=f"{page}-{g}", config={"displaylogo": False}), links(page, g)],
                className="chart",
            )
            for g in graphs
        ],
        className="charts",
    )


def links(page: str, graph: str) -> html.Div:
    return html.Div(
        [
            html.A(
                "CSV",
                id=f"{page}-{graph}-csv",
                href=f"/export/{page}/{graph}.csv",
                className="export",
            ),
            html.A(
                "XLSX",
                id=f"{page}-{graph}-xlsx",
                href=f"/export/{page}/{graph}.xlsx",
                className="export",
            ),
        ],
        className="exports",
    )


def hrefs(page: str, graphs: list[str], search: str | None) -> list[str]:
    """The export links of a page's charts, carrying the filters on screen."""
    return [f"/export/{page}/{g}.{fmt}{search or ''}" for g in graphs for fmt in ("csv", "xlsx")]


def outputs(page: str, graphs: list[str]) -> list[Any]:
    from dash import Output

    return [Output(f"{page}-{g}-{fmt}", "href") for g in graphs for fmt in ("csv", "xlsx")]
