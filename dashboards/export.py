"""Exports of every chart (CSV, XLSX; PNG from the chart's own toolbar) and of the overview.

A chart's data is read again on the server from the catalogue (config/indicators.toml) with the
filters of the screen and the same secrecy, so an export is exactly what is shown: one column for
the dimension, one per series, headed by the catalogue's labels and units; a board's tables
(`TABLES` and `tables(search)` of its page) are exported the same way, instead of by the
browser. CSV is French: `;` between fields, a decimal comma, UTF-8 with a BOM (a French
spreadsheet opens it as it is). Text a spreadsheet would run as a formula is made inert, and
XLSX files hold no formula and no link (rrc/spreadsheet.py).
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from dash import html
from flask import Flask, Response, request

from access import audit
from access.policy import AccessDenied, current
from dashboards import charts, indicators
from dashboards.data import params, reader
from dashboards.indicators import Sheet
from dashboards.registry import page_module
from rrc import spreadsheet
from rrc.spreadsheet import neutralise
from warehouse.read import formats

OVERVIEW = ("ensemble", "indicateurs")  # the overview's tiles as one table
# pages whose TABLES are exported
TABLE_PAGES = {
    "essais": "/essais",
    "qualite": "/qualite",
    "pilotage": "/pilotage",
    "enquetes": "/enquetes",
}


def overview_sheet(search: str | None, threshold: int) -> Sheet:
    """The overview's indicators for the year and the year before: one row per year, one
    column per tile, headed by the catalogue's labels and units."""
    p = params(search)
    cat = reader().catalogue
    data = reader().indicators(cat.overview, ["year"], indicators.filters(p), years=2)
    data = replace(data, frame=data.frame.sort("year"))
    frame = data.frame
    headers = [cat.filters["year"].label]
    columns: list[list[Any]] = [frame["year"].to_list()]
    for id_ in cat.overview:
        ind = cat.indicator(id_)
        headers.append(f"{ind.label} ({ind.unit})")
        columns.append(data.shown(id_, threshold))
    return Sheet(headers, [list(r) for r in zip(*columns, strict=True)])


def sheet_of(page: str, graph: str, search: str) -> Sheet:
    threshold = reader().secrecy.threshold
    if (page, graph) == OVERVIEW:
        return overview_sheet(search, threshold)
    if page in TABLE_PAGES:
        module = page_module(TABLE_PAGES[page])
        if graph in getattr(module, "TABLES", ()):
            return module.tables(search)[graph]  # as on screen, masked cells included
    if graph not in reader().catalogue.charts.get(page, {}):
        raise KeyError(f"no chart {page}/{graph}")
    return indicators.export_sheet(page, graph, params(search), threshold)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return formats.french(value, 1).replace(formats.THIN, "")
    return str(neutralise(str(value)))


def csv_bytes(sheet: Sheet) -> bytes:
    """French CSV: `;`, decimal comma, UTF-8 with BOM, formulas made inert."""
    lines = [";".join(_quote(str(neutralise(c))) for c in sheet.headers)]
    for row in sheet.rows:
        lines.append(";".join(_quote(_csv_cell(v)) for v in row))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _quote(text: str) -> str:
    if any(c in text for c in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def xlsx_bytes(table: Sheet, sheet: str) -> bytes:
    """A workbook of the table: numbers as numbers, text made inert, no automatic links."""
    buffer = io.BytesIO()
    book = spreadsheet.workbook(buffer, in_memory=True)
    out = book.add_worksheet(sheet[:31])
    head = book.add_format({"bold": True})
    for j, name in enumerate(table.headers):
        out.write_string(0, j, str(neutralise(name)), head)
        out.set_column(j, j, max(12, min(60, len(name) + 2)))
    for i, row in enumerate(table.rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, bool) or value is None:
                out.write_string(i, j, "" if value is None else ("oui" if value else "non"))
            elif isinstance(value, int | float):
                out.write_number(i, j, value)
            else:
                out.write_string(i, j, str(neutralise(str(value))))
    book.close()
    return buffer.getvalue()


def render(page: str, graph: str, fmt: str, search: str) -> tuple[bytes, str]:
    """(content, mimetype) of one chart's export."""
    table = sheet_of(page, graph, search)
    if fmt == "csv":
        return csv_bytes(table), "text/csv; charset=utf-8"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return xlsx_bytes(table, graph), mimetype


def register_routes(server: Flask) -> None:
    """`/export/<page>/<graph>.<csv|xlsx>`: a chart's data with the filters of the query string,
    recorded in the audit trail."""

    @server.route("/export/<page>/<graph>.<fmt>")
    def export_chart(page: str, graph: str, fmt: str) -> Response:
        who = current()
        if fmt not in ("csv", "xlsx"):
            return _unknown(f"{page}/{graph}.{fmt}", "export inconnu")
        search = ("?" + request.query_string.decode()) if request.query_string else ""
        try:
            content, mimetype = render(page, graph, fmt, search)
        except KeyError:
            return _unknown(f"{page}/{graph}.{fmt}", "export inconnu")
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
    """The page's charts in a grid, each with its definitions (under the information mark) and
    export links (ids `<page>-<graph>`)."""
    cat = reader().catalogue
    return html.Div(
        [
            html.Div(
                [
                    charts.graph(f"{page}-{g}"),
                    indicators.definitions(page, g),
                    links(page, g),
                ],
                # a chart of the 52 RCPs takes the whole row instead of leaving a gap beside it
                className="chart wide" if cat.chart(page, g).by == "entity" else "chart",
            )
            for g in graphs
        ],
        className="charts",
    )


def _may_export() -> bool:
    try:
        return current().role.exports
    except AccessDenied:  # Dash validates the layout once, outside any user's request
        return True


def links(page: str, graph: str) -> html.Div:
    """The CSV and XLSX links of a chart or table (hidden from a role without exports: no link
    to what it may not open)."""
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
        className="exports" if _may_export() else "exports hidden",
    )


def hrefs(page: str, graphs: list[str], search: str | None) -> list[str]:
    """The export links of a page's charts, carrying the filters on screen."""
    return [f"/export/{page}/{g}.{fmt}{search or ''}" for g in graphs for fmt in ("csv", "xlsx")]


def outputs(page: str, graphs: list[str]) -> list[Any]:
    from dash import Output

    return [Output(f"{page}-{g}-{fmt}", "href") for g in graphs for fmt in ("csv", "xlsx")]
