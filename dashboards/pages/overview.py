"""Vue d'ensemble: key figures of the chosen year against the previous one, data freshness."""

from __future__ import annotations

from typing import cast

import dash
from dash import Input, Output, callback, html

from dashboards.charts import session_note
from dashboards.data import params, reader
from dashboards.status import badge, failed_checks

dash.register_page(__name__, path="/", name="Vue d'ensemble", order=0)

FICHES = (["dcc", "vendor_b", "sheets_cantal"], ["stg_fiche"])
TILES = [
    ("dossiers", "Dossiers présentés en RCP", "{:,.0f}"),
    ("active_entities", "RCP actives", "{:,.0f}"),
    ("sessions", "Séances de RCP", "{:,.0f}"),
    ("patients", "Patients distincts", "{:,.0f}"),
    ("new_patients", "Nouveaux patients", "{:,.0f}"),
    ("pct_quorum_met", "Quorum atteint", "{:.1f} %"),
    ("pct_pps_with_gp", "PPS avec médecin traitant", "{:.1f} %"),
    ("inclusions", "Inclusions en essais", "{:,.0f}"),
    ("trials_open", "Essais ouverts", "{:,.0f}"),
]
# the sources and staging tables behind each tile (its freshness and quality badge)
BEHIND = {
    "dossiers": FICHES,
    "active_entities": (["directory", *FICHES[0]], ["stg_fiche"]),
    "sessions": (FICHES[0], ["stg_session"]),
    "patients": (FICHES[0], ["stg_patient_identity"]),
    "new_patients": (FICHES[0], ["stg_fiche", "stg_patient_identity"]),
    "pct_quorum_met": (FICHES[0], ["stg_session"]),
    "pct_pps_with_gp": (FICHES[0], ["stg_pps"]),
    "inclusions": (["registry"], []),
    "trials_open": (["registry"], []),
}


def kpis(search: str | None) -> dict[str, tuple[object, object]]:
    """{tile: (value of the year, value of the year before)} for the filters in `search`."""
    p = params(search)
    frame, masked = reader().query_masked("overview_kpis", **p)
    hidden = reader().secrecy.hidden  # statistical secrecy
    rows = {
        r["year"]: {k: hidden if (i, k) in masked else v for k, v in r.items()}
        for i, r in enumerate(frame.iter_rows(named=True))
    }
    year = cast(int, p["year"])
    current, previous = rows.get(year, {}), rows.get(year - 1, {})
    return {key: (current.get(key), previous.get(key)) for key, _, _ in TILES}


def _fmt(fmt: str, value: object) -> str:
    """French number format: thin space between thousands, decimal comma."""
    if value is None:
        return "—"
    if isinstance(value, str):  # a masked cell
        return value
    return fmt.format(value).replace(",", "\u202f").replace(".", ",")


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Vue d'ensemble"),
            html.Div(id="ensemble-tuiles", className="tiles"),
            html.H3("Fraîcheur des sources"),
            html.Table(id="ensemble-fraicheur"),
        ]
    )


@callback(
    Output("ensemble-tuiles", "children"),
    Output("ensemble-fraicheur", "children"),
    Input("url", "search"),
)
def update(search: str | None):  # type: ignore[no-untyped-def]
    figures = kpis(search)
    notes = {"sessions": session_note(params(search))}
    tiles = []
    # every tile's badge reads the same freshness and check results: read them once
    fresh, failed = reader().query("freshness"), failed_checks()
    for key, label, fmt in TILES:
        value, before = figures[key]
        sources, tables = BEHIND[key]
        text, alert = badge(sources, tables, fresh=fresh, failed_all=failed)
        tiles.append(
            html.Div(
                [
                    html.Div(label, className="tile-label"),
                    html.Div(_fmt(fmt, value), className="tile-value", id=f"ensemble-{key}"),
                    html.Div(f"année précédente : {_fmt(fmt, before)}", className="tile-previous"),
                    *(
                        [html.Div(notes[key], className="tile-note", id=f"ensemble-{key}-note")]
                        if notes.get(key)
                        else []
                    ),
                    html.Div(
                        text,
                        className="tile-status alert" if alert else "tile-status",
                        id=f"ensemble-{key}-statut",
                    ),
                ],
                className="tile",
            )
        )
    fresh = reader().query("freshness")
    rows = [
        html.Tr(
            [
                html.Th("Source"),
                html.Th("Dernier chargement"),
                html.Th("Âge (h)"),
                html.Th("Attendu (h)"),
            ]
        )
    ]
    for r in fresh.iter_rows(named=True):
        late = r["age_hours"] is None or r["age_hours"] > r["cadence_hours"]
        rows.append(
            html.Tr(
                [
                    html.Td(r["source"]),
                    html.Td(str(r["last_load"])),
                    html.Td(r["age_hours"]),
                    html.Td(r["cadence_hours"]),
                ],
                className="late" if late else "fresh",
            )
        )
    return tiles, rows
