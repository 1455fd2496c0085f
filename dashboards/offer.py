"""The care offer on a map, drawn the same on the boards' map (/offre-de-soins) and the public
one (/public/offre-de-soins): the departments' outlines with their names and attribution, the
establishments by authorisation (surgery, chemotherapy, radiotherapy), the RCP places and the
supportive-care providers, each a layer with its own colour and symbol."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboards import geo, maps
from dashboards.charts import Figure
from warehouse.read import catalogue

# map layer -> its text in config/indicators.toml [texts]
LAYERS = {
    "chirurgie": "map_surgery",
    "chimiotherapie": "map_chemotherapy",
    "radiotherapie": "map_radiotherapy",
    "rcp": "map_rcp",
    "soins_support": "map_supportive",
    "flux": "map_flows",
}
# the layers of establishments: colour, symbol, size
STYLES = {
    "chirurgie": ("#123b5d", "circle", 11),
    "chimiotherapie": ("#3f88c5", "diamond", 9),
    "radiotherapie": ("#f6ae2d", "star", 12),
    "rcp": ("#44bba4", "square", 8),
}
SUPPORTIVE = ("#8e6c8a", "triangle-up", 7)


def text(key: str) -> str:
    return catalogue.load().text(key)


def outlines(fig: Figure) -> bool:
    """The departments' outlines, names and attribution; False when no outline is there."""
    departments = geo.load("departements")
    if not departments:
        return False
    maps.outlines(fig, departments["features"])
    maps.labels(fig, departments["features"])
    maps.attribution(fig, geo.ATTRIBUTION)
    return True


def _yes(v: object) -> str:
    return text("map_yes") if v else text("map_no")


def hover(frame: pl.DataFrame) -> list[str]:
    """What an establishment's marker says: its name, 3C, authorisations and RCP entities."""
    return [
        f"{r['name']}<br>{r['c3_name'] or ''}<br>{text('map_surgery')} : "
        f"{r['surgery_types'] or '—'}<br>{text('map_chemotherapy')} : {_yes(r['chemotherapy'])}"
        f" · {text('map_radiotherapy')} : {_yes(r['radiotherapy'])}<br>"
        f"{text('map_rcp')} : {r['rcp_entities']}"
        for r in frame.iter_rows(named=True)
    ]


def layers_of(offer: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The establishments of each layer."""
    return {
        "chirurgie": offer.filter(pl.col("surgery_types") != ""),
        "chimiotherapie": offer.filter(pl.col("chemotherapy")),
        "radiotherapie": offer.filter(pl.col("radiotherapy")),
        "rcp": offer.filter(pl.col("rcp_entities") > 0),
    }


def establishments(fig: Figure, offer: pl.DataFrame, layers: list[str]) -> None:
    """The establishment layers asked for, one trace each."""
    for layer, frame in layers_of(offer).items():
        if layer in layers:
            color, symbol, size = STYLES[layer]
            maps.points(fig, frame, text(LAYERS[layer]), color, symbol, hover(frame), size)


def supportive(fig: Figure, care: pl.DataFrame) -> None:
    """The supportive-care providers, with their name and phone."""
    color, symbol, size = SUPPORTIVE
    maps.points(
        fig,
        care,
        text(LAYERS["soins_support"]),
        color,
        symbol,
        [f"{r['name']}<br>{r['phone']}" for r in care.iter_rows(named=True)],
        size,
    )


def layer_options(keys: list[str]) -> list[dict[str, Any]]:
    """The checklist of the layers `keys`, in French."""
    return [{"label": text(LAYERS[k]), "value": k} for k in keys]
