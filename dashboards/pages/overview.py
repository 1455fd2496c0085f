"""Vue d'ensemble: the tiles of the catalogue's `overview` list (config/indicators.toml), each for
the chosen year against the year before, with its definition (the information mark), what it
cannot follow of the filters, and the freshness and quality status of the sources behind it;
freshness per source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import export, indicators, status
from dashboards.data import params, reader
from warehouse.read import formats
from warehouse.read.catalogue import Indicator

dash.register_page(__name__, path="/", name="Vue d'ensemble", order=0)

EXPORT = export.OVERVIEW


def kpis(
    search: str | None, p: dict[str, object] | None = None
) -> dict[str, tuple[object, object]]:
    """{indicator: (value of the year, value of the year before)} for the filters in `search`
    (`p`: their parameters, when already read for the request); a masked value reads as the
    secrecy text ("< 11")."""
    p = params(search) if p is None else p
    cat = reader().catalogue
    ids = list(
        dict.fromkeys([*cat.overview, *(cat.indicator(i).beside or i for i in cat.overview)])
    )
    data = reader().indicators(ids, ["year"], indicators.filters(p), years=2)
    threshold = reader().secrecy.threshold  # statistical secrecy
    year = int(p["year"])  # type: ignore[call-overload]
    out = {}
    for id_ in ids:
        values = {}
        if id_ in data.frame.columns:
            for y, v in zip(data.frame["year"], data.shown(id_, threshold), strict=True):
                values[y] = v
        out[id_] = (values.get(year), values.get(year - 1))
    return out


def _tile(
    ind: Indicator,
    value: object,
    before: object,
    beside: tuple[Indicator, object] | None,
    note: str,
    status: tuple[str, bool],
) -> html.Div:
    text, alert = status
    previous = reader().catalogue.text("previous_year")
    return html.Div(
        [
            html.Div(
                [ind.label, indicators.info_mark(ind.definition)],
                className="tile-label",
            ),
            html.Div(
                formats.number(value, ind.format), className="tile-value", id=f"ensemble-{ind.id}"
            ),
            *(
                [
                    html.Div(
                        f"{beside[0].label} : {formats.number(beside[1], beside[0].format)}",
                        className="tile-beside",
                        id=f"ensemble-{ind.id}-beside",
                    )
                ]
                if beside
                else []
            ),
            html.Div(
                f"{previous} : {formats.number(before, ind.format)}", className="tile-previous"
            ),
            *(
                [html.Div(note, className="tile-note", id=f"ensemble-{ind.id}-note")]
                if note
                else []
            ),
            html.Details(
                [html.Summary("Définition"), html.P(ind.definition)], className="definition"
            ),
            html.Div(
                text,
                className="tile-status alert" if alert else "tile-status",
                id=f"ensemble-{ind.id}-statut",
            ),
        ],
        className="tile",
        id=f"ensemble-tuile-{ind.id}",
    )


def layout(**_query: str) -> html.Div:
    cat = reader().catalogue
    return html.Div(
        [
            html.H2("Vue d'ensemble"),
            html.Div(id="ensemble-tuiles", className="tiles"),
            export.links(*EXPORT),
            html.H3(cat.tables["ensemble-fraicheur"].title),
            html.Div(html.Table(id="ensemble-fraicheur"), className="table-scroll"),
        ]
    )


def tiles(search: str | None, sources: list[dict[str, Any]] | None = None) -> list[html.Div]:
    """The overview's tiles for the filters in `search` (plain function, tested as such);
    `sources` is the freshness already read for the request."""
    cat = reader().catalogue
    p = params(search)  # read once: reading them queries the years
    figures = kpis(search, p)
    badges = status.Badges.read(sources)  # every tile's badge reads the same three inputs
    set_filters = [f for f in ("c3", "organ", "finess", "department") if p.get(f)]
    out = []
    for id_ in cat.overview:
        ind = cat.indicator(id_)
        mart = cat.marts[ind.marts[0]]
        value, before = figures[id_]
        beside = (cat.indicator(ind.beside), figures[ind.beside][0]) if ind.beside else None
        skipped = [f for f in set_filters if f not in ind.honours(mart)]
        note = ind.unfiltered if skipped else ""
        if ind.when_filtered and any(f in set_filters for f in ("organ", "finess", "department")):
            note = " ".join(x for x in (note, ind.when_filtered) if x)
        badge = badges.badge(badges.sources_of(mart.entities), list(mart.tables))
        out.append(_tile(ind, value, before, beside, note, badge))
    return out


def freshness(sources: list[dict[str, Any]] | None = None) -> list[Any]:
    """The freshness table: each source's last load against its expected cadence."""
    table = reader().catalogue.tables["ensemble-fraicheur"]
    cat = reader().catalogue
    rows: list[Any] = [html.Tr([html.Th(n) for n in table.columns.values()])]
    for r in status.freshness() if sources is None else sources:
        late = status.late(r)
        rows.append(
            html.Tr(
                [
                    html.Td(_cell(cat.translate("ensemble-fraicheur", c, r[c])))
                    for c in table.columns
                ],
                className="late" if late else "fresh",
            )
        )
    return rows


def _cell(value: object) -> str:
    """A value of the freshness table as read in French: 01/12/2026 22:43, 1 234."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, int | float):
        return formats.number(value, "count")
    return str(value)


@callback(
    Output("ensemble-tuiles", "children"),
    Output("ensemble-fraicheur", "children"),
    *export.outputs(EXPORT[0], [EXPORT[1]]),
    Input("url", "search"),
)
def update(search: str | None):  # type: ignore[no-untyped-def]
    sources = status.freshness()  # the tiles' badges and the table say the same of each source
    return tiles(search, sources), freshness(sources), *export.hrefs(EXPORT[0], [EXPORT[1]], search)
