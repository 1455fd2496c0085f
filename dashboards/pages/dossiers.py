"""Dossiers: counts by organ and ICD-10 group, age band, sex and department of residence;
patients from outside the region; new patients against expected incidence."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboards import charts, export
from dashboards.data import params, reader

dash.register_page(__name__, path="/dossiers", name="Dossiers", order=3)

GRAPHS = ["organe", "cim10", "age", "sexe", "departement", "incidence"]
CRUDE_INCIDENCE_PER_100K = 570  # new cancer cases a year per 100,000 inhabitants (France)


def figures(search: str | None) -> dict[str, Any]:
    p = params(search)

    def by(dim: str, title: str) -> charts.Figure:
        return charts.horizontal_bars(
            reader().query("dossiers_by", by=dim, **p), "label", "dossiers", title
        )

    inc = reader().query(
        "incidence_by_department", year=p["year"], c3=p["c3"], rate=CRUDE_INCIDENCE_PER_100K
    )
    incidence = charts.bars(
        inc["department_code"].to_list(),
        inc,
        {
            "new_patients": "Nouveaux patients",
            "expected": f"Attendus ({CRUDE_INCIDENCE_PER_100K} / 100 000 hab.)",
        },
        "Nouveaux patients et incidence attendue",
    )
    return {
        "organe": by("organ", "Dossiers par organe"),
        "cim10": by("icd10", "Dossiers par groupe CIM-10"),
        "age": by("age", "Dossiers par tranche d'âge"),
        "sexe": by("sex", "Dossiers par sexe"),
        "departement": by(
            "department", "Dossiers par département de résidence (hors région compris)"
        ),
        "incidence": incidence,
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Dossiers"),
            export.graph_grid("dossiers", GRAPHS),
        ]
    )


@callback(
    [Output(f"dossiers-{g}", "figure") for g in GRAPHS] + export.outputs("dossiers", GRAPHS),
    Input("url", "search"),
)
def update(search: str | None) -> list[Any]:
    figs = figures(search)
    return [figs[g] for g in GRAPHS] + export.hrefs("dossiers", GRAPHS, search)
