"""Offre de soins: establishments by authorisation, 3C and RCP places, supportive care; a
choropleth of dossiers per 100,000 inhabitants by department or health territory; patient flows
from residence to treating establishment. Renders offline from data passed inline, on tiles when a
tile server is configured and reachable (dashboards/tiles.py). The layers and the level sit in the
URL beside the filters (`?annee=2013&couche=rcp&couche=flux&niveau=territoire`), so a map can be
shared as it is seen."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboards import charts, geo, maps, offer, tiles
from dashboards.data import params, reader
from dashboards.offer import LAYERS, text
from warehouse.read import catalogue

dash.register_page(__name__, path="/offre-de-soins", name="Offre de soins", order=5)

DEFAULT_LAYERS = ["chirurgie", "radiotherapie", "rcp", "flux"]
LEVELS = ("departement", "territoire")
NO_LAYER = "aucune"  # `?couche=aucune`: every layer unticked (no `couche` means the defaults)


def chosen(couche: str | list[str] | None, niveau: str | None) -> tuple[list[str], str]:
    """The layers and level a URL asks for; what it does not say (or says wrong) is the
    default."""
    asked = [couche] if isinstance(couche, str) else list(couche or [])
    layers = [k for k in LAYERS if k in asked]
    if not layers and NO_LAYER not in asked:
        layers = DEFAULT_LAYERS
    return layers, niveau if niveau in LEVELS else LEVELS[0]


def with_map_state(search: str | None, layers: list[str], level: str) -> str:
    """`search` with its `couche` and `niveau` replaced by `layers` and `level`."""
    kept = [
        (k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k not in ("couche", "niveau")
    ]
    state = [("couche", k) for k in layers or [NO_LAYER]] + [("niveau", level)]
    return "?" + urlencode(kept + state)


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
    offered = reader().query("care_offer", c3=p["c3"])
    flows = reader().query("patient_flows", year=p["year"], c3=p["c3"], min_patients=5)
    server, tiles_notice = tiles.available()
    fig = maps.base(text("map_title"), server, _bounds(offered, flows))
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
    offer.outlines(fig)
    if "flux" in layers:
        left_out = maps.flows(fig, flows)
        if flows.height == 0:
            notes.append(text("map_no_flows"))
        elif left_out:
            notes.append(f"{text('map_masked_flows')} : {left_out}.")
    offer.establishments(fig, offered, layers)
    if "soins_support" in layers:
        offer.supportive(fig, reader().query("supportive_care"))
    return fig, " ".join(notes)


def layout(
    couche: str | list[str] | None = None, niveau: str | None = None, **_query: str
) -> html.Div:
    layers, level = chosen(couche, niveau)
    return html.Div(
        [
            html.H2("Offre de soins"),
            html.Div(
                [
                    dcc.Checklist(
                        options=offer.layer_options(list(LAYERS)),
                        value=layers,
                        id="offre-couches",
                        inline=True,
                    ),
                    dcc.RadioItems(
                        options=[
                            {"label": text("map_departments"), "value": "departement"},
                            {"label": text("map_territories"), "value": "territoire"},
                        ],
                        value=level,
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
    Output("url", "search", allow_duplicate=True),
    Input("offre-couches", "value"),
    Input("offre-niveau", "value"),
    State("url", "search"),
    prevent_initial_call=True,
)
def remember(layers: list[str], level: str, search: str | None):  # type: ignore[no-untyped-def]
    """A layer or the level changed: into the URL, which redraws the map."""
    wanted = with_map_state(search, layers or [], level)
    return no_update if wanted == search else wanted


@callback(
    Output("offre-carte", "figure"),
    Output("offre-avis", "children"),
    Input("url", "search"),
    State("offre-couches", "value"),
    State("offre-niveau", "value"),
)
def update(search: str | None, layers: list[str], level: str):  # type: ignore[no-untyped-def]
    return figure(search, layers or [], level)
