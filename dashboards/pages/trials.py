"""Essais cliniques: the searchable trial list; inclusions by establishment, trial, organ and
month; inclusions against new patients; trials proposed in RCP against actual inclusions."""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html
from dash.dash_table.DataTable import DataTable

from dashboards import charts, export
from dashboards.data import params, reader

dash.register_page(__name__, path="/essais", name="Essais cliniques", order=4)

GRAPHS = ["etablissement", "essai", "organe", "mois", "proposes"]
TABLES = ["liste"]  # exported by the server (dashboards/export.py), neutralised like the charts
COLUMNS = [
    ("trial_id", "Essai"),
    ("title", "Titre"),
    ("statut", "Statut"),
    ("phase", "Phase"),
    ("organ", "Organe"),
    ("sponsor", "Promoteur"),
    ("open_date", "Ouverture"),
    ("close_date", "Clôture"),
    ("contact_name", "Contact"),
    ("contact_email", "Courriel"),
    ("proposals", "Proposés en RCP"),
    ("inclusions", "Inclusions"),
    ("synopsis", "Synopsis"),
]


def figures(search: str | None) -> dict[str, Any]:
    p = params(search)

    def by(dim: str, title: str) -> charts.Figure:
        return charts.horizontal_bars(
            reader().query("inclusions_by", by=dim, **p), "label", "inclusions", title
        )

    pvi = reader().query("trials_proposed_vs_included", **p)
    proposed = charts.bars(
        pvi["organ"].to_list(),
        pvi,
        {
            "new_patients": "Nouveaux patients",
            "proposed": "Essai proposé en RCP",
            "included": "Inclus",
        },
        "Nouveaux patients, essais proposés et inclusions",
    )
    return {
        "etablissement": by("establishment", "Inclusions par établissement"),
        "essai": by("trial", "Inclusions par essai"),
        "organe": by("organ", "Inclusions par organe"),
        "mois": by("month", "Inclusions par mois"),
        "proposes": proposed,
    }


def trial_rows(search: str | None) -> list[dict[str, Any]]:
    p = params(search)
    frame, masked = reader().query_masked("trials_list", organ=p["organ"], c3=p["c3"])
    hidden = reader().secrecy.hidden  # statistical secrecy
    return [
        {
            k: hidden if (i, k) in masked else (str(v) if v is not None else "")
            for k, v in row.items()
        }
        for i, row in enumerate(frame.iter_rows(named=True))
    ]


def tables(search: str | None) -> dict[str, pl.DataFrame]:
    """The trial list as on screen (masked cells included), for its CSV and XLSX exports."""
    rows = trial_rows(search)
    return {
        "liste": pl.DataFrame(
            [[row[c] for c, _ in COLUMNS] for row in rows],
            schema={label: pl.String for _, label in COLUMNS},
            orient="row",
        )
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Essais cliniques"),
            DataTable(
                id="essais-liste",
                columns=[{"id": c, "name": n} for c, n in COLUMNS],
                filter_action="native",
                filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                sort_action="native",
                page_size=12,
                style_cell={
                    "textAlign": "left",
                    "maxWidth": 320,
                    "overflow": "hidden",
                    "textOverflow": "ellipsis",
                },
            ),
            export.links("essais", "liste"),
            export.graph_grid("essais", GRAPHS),
        ]
    )


@callback(
    [Output("essais-liste", "data")]
    + [Output(f"essais-{g}", "figure") for g in GRAPHS]
    + export.outputs("essais", GRAPHS + TABLES),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    links = export.hrefs("essais", GRAPHS + TABLES, search)
    return [trial_rows(search)] + [figs[g] for g in GRAPHS] + links
