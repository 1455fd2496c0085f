"""Pilotage du réseau: the network's steering board. The objectives grid (config/objectives.toml)
with each indicator's value for the year, its target, status and trend (the chart follows the
line chosen in the table); the working groups, visits and trainings, the documents distributed
and the website; the DCC service (availability, downtime, incidents by severity and their time to
resolve, reports, users' satisfaction); identity vigilance from the quality checks by 3C and
month. Charts are entries of config/indicators.toml ([charts.pilotage.*]); the grid and the
events are exported by the server like the other tables (`TABLES`)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html
from dash.dash_table.DataTable import DataTable

from dashboards import charts, export, indicators
from dashboards.data import params, reader
from dashboards.indicators import Sheet
from rrc.spreadsheet import neutralise
from warehouse.read import formats, objectives

dash.register_page(__name__, path="/pilotage", name="Pilotage du réseau", order=10)

PAGE = "pilotage"
ACTIVITY = ["reunions", "formations", "professions", "diffusion", "site"]
SERVICE = ["disponibilite", "indisponibilite", "incidents", "resolution", "signalements"]
SERVICE += ["satisfaction"]
VIGILANCE = ["vigilance-3c", "vigilance-mois"]
GRAPHS = ACTIVITY + SERVICE + VIGILANCE
TABLES = ["objectifs", "evenements"]  # exported by the server (dashboards/export.py)
WRAP = {"textAlign": "left", "whiteSpace": "normal", "height": "auto", "maxWidth": 420}
GRID = {
    "orientation": "Orientation",
    "objective": "Objectif opérationnel",
    "label": "Indicateur",
    "value": "Valeur",
    "target": "Cible",
    "status": "Statut",
    "change": "Évolution",
    "deadline": "Échéance",
    "achieved": "Suivi des objectifs",
}
EVENTS = {
    "kind": "Type",
    "about": "Groupe, 3C ou formation",
    "date": "Date",
    "label": "Objet",
    "participants": "Participants",
}
KINDS = {"meetings": "Réunion", "visits": "Visite de 3C", "trainings": "Formation"}


def figures(search: str | None, p: dict[str, object] | None = None) -> dict[str, Any]:
    """The page's charts of the catalogue for the filters in `search` (`p`: already read)."""
    p = p or params(search)
    return {g: indicators.figure(PAGE, g, p) for g in GRAPHS}


def grid_rows(search: str | None, p: dict[str, object] | None = None) -> list[dict[str, Any]]:
    """The objectives grid for the year of `search`, one row per indicator, as the table shows it
    (text a spreadsheet would run made inert); `trend` holds the values by year for the chart."""
    year = int((p or params(search))["year"])  # type: ignore[call-overload]
    rows = []
    for line in objectives.evaluate(reader(), year):
        rows.append(
            {
                "orientation": f"n°{line.orientation.id}",
                "objective": line.operational.title,
                "label": line.indicator.label,
                "value": line.text,
                "target": line.target_text,
                "status": line.status,
                "change": line.change,
                "deadline": line.indicator.deadline,
                "achieved": line.achieved,
                "id": line.indicator.id,
                "trend": [[y, v if isinstance(v, int | float) else None] for y, v in line.trend],
                "unit": _unit(line.indicator),
                "target_value": line.target,
            }
        )
    return [{k: neutralise(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]


def _unit(g: objectives.GridIndicator) -> str:
    if g.indicator is None:
        return ""
    return reader().catalogue.indicator(g.indicator).unit


def event_rows(search: str | None, p: dict[str, object] | None = None) -> list[dict[str, Any]]:
    """The year's meetings, visits of 3Cs and training sessions."""
    year = int((p or params(search))["year"])  # type: ignore[call-overload]
    dims = reader().catalogue.dimensions
    about = {"meetings": dims["group"].values, "trainings": dims["training"].values}
    frame = reader().query("network_events", year=year).sort("event_date", "kind")
    return [
        {
            "kind": KINDS.get(r["kind"], r["kind"]),
            "about": about.get(r["kind"], {}).get(r["code"], r["code"]),
            "date": formats.long_day(r["event_date"]),
            "label": neutralise(r["label"] or ""),
            "participants": r["participants"],
        }
        for r in frame.iter_rows(named=True)
    ]


def trend_figure(rows: list[dict[str, Any]], row_id: str | None) -> charts.Figure:
    """The values by year of the grid's row `row_id` (the first computed one by default), with
    its target."""
    if not rows:
        return charts.no_data(charts.figure([], "Évolution de l'indicateur"))
    row = next(
        (r for r in rows if r["id"] == row_id), next((r for r in rows if r["unit"]), rows[0])
    )
    years = [str(y) for y, _ in row["trend"]]
    values = [v for _, v in row["trend"]]
    fig = charts.series_figure(
        f"Évolution : {row['label']}",
        years,
        [(row["label"], values, row["unit"], ",.1f")],
        style="lines",
        category_title="Année",
        value_title=row["unit"],
    )
    fig["layout"]["xaxis"]["type"] = "category"
    if row["target_value"] is not None:
        charts.target_line(fig, row["target_value"], row["unit"], horizontal=False)
    if not any(v is not None for v in values):
        fig = charts.no_data(fig, "indicateur suivi sans valeur chiffrée")
    return fig


def tables(search: str | None) -> dict[str, Sheet]:
    """The grid and the events as on screen, for their CSV and XLSX exports."""
    p = params(search)
    grid = grid_rows(search, p)
    events = event_rows(search, p)
    return {
        "objectifs": Sheet(list(GRID.values()), [[r[k] for k in GRID] for r in grid]),
        "evenements": Sheet(list(EVENTS.values()), [[r[k] for k in EVENTS] for r in events]),
    }


def _table(id_: str, columns: dict[str, str], page_size: int, sort: bool = True) -> html.Div:
    return html.Div(
        DataTable(
            id=id_,
            columns=[{"id": c, "name": n} for c, n in columns.items()],
            style_table={"overflowX": "auto"},
            style_cell=WRAP,
            page_size=page_size,
            sort_action="native" if sort else "none",
            filter_action="native",
            filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
        ),
        className="table-scroll",
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Pilotage du réseau"),
            html.P(
                "Les objectifs du réseau et leur suivi, l'activité de l'équipe de coordination, "
                "le service du DCC et l'identitovigilance. Les activités du réseau (réunions, "
                "formations, documents, DCC) se mesurent pour tout le réseau : les filtres de 3C, "
                "d'organe, d'établissement et de département ne s'y appliquent pas."
            ),
            html.H3(objectives.load().title, id="pilotage-titre-objectifs"),
            html.Ol(
                [
                    html.Li(f"{o.title} — {o.audience}", value=o.id)
                    for o in objectives.load().orientations
                ],
                id="pilotage-orientations",
                className="note",
            ),
            html.P(
                "Cliquez sur une ligne pour en voir l'évolution ; une ligne sans indicateur "
                "chiffré est suivie par l'équipe (config/objectives.toml).",
                className="note",
            ),
            _table("pilotage-objectifs", GRID, 12),
            export.links(PAGE, "objectifs"),
            html.Div(charts.graph("pilotage-tendance"), className="chart wide"),
            html.H3("Groupes de travail, formations et information"),
            export.graph_grid(PAGE, ACTIVITY),
            html.H4("Réunions, visites de 3C et formations de l'année"),
            _table("pilotage-evenements", EVENTS, 10, sort=False),  # in the order of the days
            export.links(PAGE, "evenements"),
            html.H3("Service du DCC"),
            export.graph_grid(PAGE, SERVICE),
            html.H3("Identitovigilance"),
            html.P(
                "Constats des contrôles qualité de la dernière exécution, au 3C et au mois de la "
                "première fiche de l'identité (ou de la fiche) en cause : fiches en double, "
                "identités probablement scindées (un patient sans INS sous deux identités), INS "
                "à plusieurs dates de naissance ou sexes (deux personnes probablement "
                "fusionnées).",
                className="note",
            ),
            export.graph_grid(PAGE, VIGILANCE),
        ]
    )


@callback(
    Output("pilotage-objectifs", "data"),
    Output("pilotage-evenements", "data"),
    *[Output(f"{PAGE}-{g}", "figure") for g in GRAPHS],
    *export.outputs(PAGE, GRAPHS + TABLES),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    p = params(search)  # read once: each reading queries the warehouse's years
    figs = figures(search, p)
    links = export.hrefs(PAGE, GRAPHS + TABLES, search)
    return [grid_rows(search, p), event_rows(search, p), *[figs[g] for g in GRAPHS], *links]


@callback(
    Output("pilotage-tendance", "figure"),
    Input("pilotage-objectifs", "active_cell"),
    Input("pilotage-objectifs", "data"),
)
def trend(cell: dict[str, Any] | None, rows: list[dict[str, Any]] | None) -> charts.Figure:
    """The chart of the line clicked in the table (rows carry their grid id)."""
    return trend_figure(rows or [], cell.get("row_id") if cell else None)
