"""Offre de soins: establishments by authorisation, 3C and RCP places, supportive care; a
choropleth of dossiers per 100,000 inhabitants by department or health territory; patient flows
from residence to treating establishment. Renders offline from data passed inline, on tiles when a
tile server is configured and reachable (dashboards/tiles.py)."""

from __future__ import annotations

from typing import Any, cast

import dash
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboards import charts, geo, maps, tiles
from dashboards.data import params, reader
from warehouse.read import catalogue

dash.register_page(__name__, path="/offre-de-soins", name="Offre de soins", order=5)

# map layer -> its text in config/indicators.toml [texts]
LAYERS = {
    "chirurgie": "map_surgery",
    "chimiotherapie": "map_chemotherapy",
    "radiotherapie": "map_radiotherapy",
    "rcp": "map_rcp",
    "soins_support": "map_supportive",
    "flux": "map_flows",
}


def text(key: str) -> str:
    return catalogue.load().text(key)


def _bounds(offer: pl.DataFrame, flows: pl.DataFrame) -> tuple[float, float, float, float] | None:
    """The extent (lon_min, lat_min, lon_max, lat_max) of the establishments and of the places
    patients come from, to fit a tile map."""
    points = pl.concat(
        [
            offer.select("lon", "lat"),
            flows.select(pl.col("from_lon").alias("lon"), pl.col("from_lat").alias("lat")),
        ],
        how="vertical_relaxed",
    ).drop_nulls()
    if points.height == 0:
        return None
    lon, lat = points["lon"].cast(pl.Float64), points["lat"].cast(pl.Float64)
    return (
        cast(float, lon.min()),
        cast(float, lat.min()),
        cast(float, lon.max()),
        cast(float, lat.max()),
    )


def figure(search: str | None, layers: list[str], level: str) -> tuple[Any, str]:
    """The map and the notice to show (empty when the outlines are there)."""
    p = params(search)
    offer = reader().query("care_offer", c3=p["c3"])
    flows = reader().query("patient_flows", year=p["year"], c3=p["c3"], min_patients=5)
    server, tiles_notice = tiles.available()
    fig = maps.base(text("map_title"), server, _bounds(offer, flows))
    departments, communes = geo.load("departements"), geo.load("communes")
    missing = "" if departments and communes else text("map_no_outlines")
    notice = " ".join(n for n in (missing, tiles_notice) if n)
    rate = catalogue.load().indicator("dossiers_per_100k")
    rates = reader().query("dossier_rates", year=p["year"], level=level)
    values = dict(zip(rates["area"], rates["per_100k"], strict=True))
    notes = [notice] if notice else []
    if rates.height == 0:
        notes.append(text("map_no_rates"))
    hidden = sorted(area for area, v in values.items() if v is None)
    if hidden:
        notes.append(f"{text('map_masked_rates')} : {len(hidden)}.")
    if level == "departement" and departments:
        maps.choropleth(
            fig,
            departments["features"],
            values,
            lambda f: f["properties"].get("code"),
            rate.short,
            names={
                f["properties"]["code"]: f["properties"].get("nom", "")
                for f in departments["features"]
            },
        )
    elif level == "territoire" and communes:
        territory = dict(
            reader()
            .query("territory_of_commune")
            .select("commune_code", "territory_code")
            .iter_rows()
        )
        maps.choropleth(
            fig,
            communes["features"],
            values,
            lambda f: territory.get(f["properties"].get("code")),
            rate.short,
        )
    if departments:
        maps.outlines(fig, departments["features"])
        maps.labels(fig, departments["features"])
        maps.attribution(fig, geo.ATTRIBUTION)
    if "flux" in layers:
        left_out = maps.flows(fig, flows)
        if flows.height == 0:
            notes.append(text("map_no_flows"))
        elif left_out:
            notes.append(f"{text('map_masked_flows')} : {left_out}.")

    def hover(frame: pl.DataFrame) -> list[str]:
        def yes(v: object) -> str:
            return text("map_yes") if v else text("map_no")

        return [
            f"{r['name']}<br>{r['c3_name'] or ''}<br>{text('map_surgery')} : "
            f"{r['surgery_types'] or '—'}<br>{text('map_chemotherapy')} : {yes(r['chemotherapy'])}"
            f" · {text('map_radiotherapy')} : {yes(r['radiotherapy'])}<br>"
            f"{text('map_rcp')} : {r['rcp_entities']}"
            for r in frame.iter_rows(named=True)
        ]

    shown = {
        "chirurgie": offer.filter(pl.col("surgery_types") != ""),
        "chimiotherapie": offer.filter(pl.col("chemotherapy")),
        "radiotherapie": offer.filter(pl.col("radiotherapy")),
        "rcp": offer.filter(pl.col("rcp_entities") > 0),
    }
    styles = {
        "chirurgie": ("#123b5d", "circle", 11),
        "chimiotherapie": ("#3f88c5", "diamond", 9),
        "radiotherapie": ("#f6ae2d", "star", 12),
        "rcp": ("#44bba4", "square", 8),
    }
    for layer, frame in shown.items():
        if layer in layers:
            color, symbol, size = styles[layer]
            maps.points(fig, frame, text(LAYERS[layer]), color, symbol, hover(frame), size)
    if "soins_support" in layers:
        care = reader().query("supportive_care")
        maps.points(
            fig,
            care,
            text(LAYERS["soins_support"]),
            "#8e6c8a",
            "triangle-up",
            [f"{r['name']}<br>{r['phone']}" for r in care.iter_rows(named=True)],
            7,
        )
    return fig, " ".join(notes)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Offre de soins"),
            html.Div(
                [
                    dcc.Checklist(
                        options=[{"label": text(v), "value": k} for k, v in LAYERS.items()],
                        value=["chirurgie", "radiotherapie", "rcp", "flux"],
                        id="offre-couches",
                        inline=True,
                    ),
                    dcc.RadioItems(
                        options=[
                            {"label": text("map_departments"), "value": "departement"},
                            {"label": text("map_territories"), "value": "territoire"},
                        ],
                        value="departement",
                        id="offre-niveau",
                        inline=True,
                    ),
                ],
                className="map-controls",
            ),
            html.Div(id="offre-avis", className="notice"),
            html.Div(charts.graph("offre-carte"), className="chart"),
        ]
    )


@callback(
    Output("offre-carte", "figure"),
    Output("offre-avis", "children"),
    Input("url", "search"),
    Input("offre-couches", "value"),
    Input("offre-niveau", "value"),
)
def update(search: str | None, layers: list[str], level: str):  # type: ignore[no-untyped-def]
    return figure(search, layers or [], level)
