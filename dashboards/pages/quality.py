"""Qualité des données: check results by category, source and 3C; the trend over runs;
quarantined rows with their reasons; a link to the Great Expectations Data Docs."""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html
from dash.dash_table.DataTable import DataTable

from dashboards import charts, export
from dashboards.data import reader
from dashboards.status import check_results

dash.register_page(__name__, path="/qualite", name="Qualité des données", order=6)

TABLES = ["controles", "quarantaine"]  # exported by the server (dashboards/export.py)


def figures(results: pl.DataFrame | None = None) -> dict[str, Any]:
    """The page's charts; `results` are the check results when the caller has read them."""
    r = check_results() if results is None else results
    by_cat = r.group_by("category").agg(pl.col("num_violated_rows").sum()).sort("category")
    by_source = r.group_by("source").agg(pl.col("num_violated_rows").sum()).sort("source")
    trend = reader().query("quality_trend")
    trend_fig = charts.figure(
        [
            {
                "type": "scatter",
                "x": g["run_at"].to_list(),
                "y": g["violated"].to_list(),
                "name": name[0],
                "mode": "lines+markers",
            }
            for name, g in trend.group_by("check_name", maintain_order=True)
        ],
        "Évolution au fil des exécutions",
    )
    return {
        "categorie": charts.horizontal_bars(
            by_cat, "category", "num_violated_rows", "Lignes en défaut par catégorie"
        ),
        "source": charts.horizontal_bars(
            by_source, "source", "num_violated_rows", "Lignes en défaut par source"
        ),
        "tendance": trend_fig,
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Qualité des données"),
            html.P(
                html.A(
                    "Rapports Great Expectations (Data Docs)",
                    href="/data-docs/index.html",
                    target="_blank",
                    id="qualite-data-docs",
                )
            ),
            DataTable(
                id="qualite-controles",
                page_size=20,
                sort_action="native",
                filter_action="native",
                filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
            ),
            export.links("qualite", "controles"),
            html.Div(
                [
                    html.Div(
                        dcc.Graph(id=f"qualite-{g}", config={"displaylogo": False}),
                        className="chart",
                    )
                    for g in ("categorie", "source", "tendance")
                ],
                className="charts",
            ),
            html.H3("Lignes en quarantaine"),
            DataTable(
                id="qualite-quarantaine",
                page_size=10,
                filter_action="native",
                filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                style_cell={"textAlign": "left"},
            ),
            export.links("qualite", "quarantaine"),
        ]
    )


@callback(
    Output("qualite-controles", "data"),
    Output("qualite-controles", "columns"),
    Output("qualite-quarantaine", "data"),
    Output("qualite-quarantaine", "columns"),
    Output("qualite-categorie", "figure"),
    Output("qualite-source", "figure"),
    Output("qualite-tendance", "figure"),
    *export.outputs("qualite", TABLES),
    Input("url", "search"),
)
def update(search: str | None):  # type: ignore[no-untyped-def]
    results = check_results()
    r, quarantine = tables(None, results).values()
    figs = figures(results)
    return (
        r.to_dicts(),
        [{"id": c, "name": c.replace("_", " ")} for c in r.columns],
        quarantine.to_dicts(),
        [{"id": c, "name": c.replace("_", " ")} for c in quarantine.columns],
        figs["categorie"],
        figs["source"],
        figs["tendance"],
        *export.hrefs("qualite", TABLES, search),
    )


def tables(_search: str | None, results: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The check results and the quarantined rows (row-level: empty for roles without it), as
    on screen, for their CSV and XLSX exports."""
    results = check_results() if results is None else results
    r = results.select(
        contrôle="check_name",
        table="table_name",
        champ="field",
        catégorie="category",
        source="source",
        c3="c3_id",
        lignes_en_défaut="num_violated_rows",
        lignes="num_denominator_rows",
        pourcentage=pl.col("pct").round(3),
        seuil="max_pct",
    )
    return {"controles": r, "quarantaine": reader().query("quarantine")}
