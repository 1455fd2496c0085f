"""The care-offer map, drawn from data we pass it: GeoJSON outlines as filled polygons on plain
axes (longitude/latitude), so nothing is fetched from the network (no tiles, no topojson).

When a tile server is configured and reachable (`dashboards.tiles`), `base` lays the same traces
on a tile map instead (Scattermap over a raster style): every layer function draws through
`_add`, which picks the trace type from the figure.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from plotly.colors import sample_colorscale

from dashboards.charts import Figure, figure
from dashboards.tiles import TileServer

COLORSCALE = "Blues"
TILE_SOURCE = "tuiles"
TILE_OPACITY = 0.65  # filled areas let the tiles show through
MASKED_FILL = "#d5d9de"


def _tiled(fig: Figure) -> bool:
    return "map" in fig["layout"]


def _add(fig: Figure, lon: list[Any], lat: list[Any], **kw: Any) -> None:
    """One trace at these coordinates: plain axes offline, a Scattermap on tiles (where markers
    are circles: symbols would need a sprite from a CDN)."""
    if not _tiled(fig):
        fig["data"].append({"type": "scatter", "x": lon, "y": lat, **kw})
        return
    marker = {k: v for k, v in kw.pop("marker", {}).items() if k not in ("symbol", "line")}
    if kw.get("fill") == "toself":
        kw["opacity"] = TILE_OPACITY
    fig["data"].append({"type": "scattermap", "lon": lon, "lat": lat, "marker": marker, **kw})


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [poly[0] for poly in polygons]


def _polygon_xy(features: list[dict[str, Any]]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for f in features:
        for ring in _rings(f["geometry"]):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
    return xs, ys


def choropleth(
    fig: Figure,
    features: list[dict[str, Any]],
    values: dict[str, float | None],
    key: Any,
    label: str,
    names: dict[str, str] | None = None,
    masked: str = "masqué (secret statistique)",
) -> None:
    """Fill each feature by its area's value (None: masked, drawn grey with `masked` in its
    hover); `key(feature)` gives the area code, `names` its French name."""
    names = names or {}
    shown = {a: v for a, v in values.items() if v is not None}
    if not shown:
        return
    lo, hi = min(shown.values()), max(shown.values())
    by_area: dict[str, list[dict[str, Any]]] = {}
    for f in features:
        area = key(f)
        if area in values:
            by_area.setdefault(area, []).append(f)
    for area, feats in sorted(by_area.items()):
        value = values[area]
        xs, ys = _polygon_xy(feats)
        if value is None:  # masked by statistical secrecy: grey, and said so
            fill, hover = MASKED_FILL, f"{names.get(area, area)} : {masked}"
        else:
            # the colour bar below maps lo..hi on the same scale: a fill reads on the bar
            share = (value - lo) / (hi - lo) if hi > lo else 0.5
            fill = sample_colorscale(COLORSCALE, [share])[0]
            hover = f"{names.get(area, area)} : {value:,.0f} {label}".replace(",", "\u202f")
        _add(
            fig,
            xs,
            ys,
            fill="toself",
            mode="lines",
            line={"width": 0.3, "color": "#ffffff"},
            fillcolor=fill,
            hoverinfo="text",
            text=hover,
            showlegend=False,
            meta=area,  # the area's code, for whoever reads the figure (no legend entry)
        )
    # a colour bar for the scale
    _add(
        fig,
        [None],
        [None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": COLORSCALE,
            "cmin": lo,
            "cmax": hi,
            "color": [lo],
            "colorbar": {"title": {"text": label}, "thickness": 12},
        },
    )


def outlines(fig: Figure, features: list[dict[str, Any]]) -> None:
    xs, ys = _polygon_xy(features)
    _add(
        fig,
        xs,
        ys,
        mode="lines",
        line={"width": 1.2, "color": "#123b5d"},
        hoverinfo="skip",
        showlegend=False,
    )


TOP_FLOWS = 40  # the main flows only: more lines tangle into a web nobody reads


def flows(fig: Figure, frame: pl.DataFrame, top_flows: int = TOP_FLOWS) -> int:
    """Lines from each territory's centre to the establishments its patients went to, the
    `top_flows` largest, width by volume. A flow whose count statistical secrecy masked (null)
    is not drawn: returns how many were left out for it."""
    masked = frame.filter(pl.col("patients").is_null()).height
    frame = frame.filter(pl.col("patients").is_not_null()).sort("patients", descending=True)
    frame = frame.head(top_flows)
    if frame.height == 0:
        return masked
    top = frame["patients"].max() or 1
    for r in frame.iter_rows(named=True):
        _add(
            fig,
            [r["from_lon"], r["to_lon"]],
            [r["from_lat"], r["to_lat"]],
            mode="lines",
            line={"width": 0.5 + 5 * r["patients"] / top, "color": "rgba(233,79,55,0.45)"},
            hoverinfo="text",
            showlegend=False,
            text=f"{r.get('territory_name') or r['residence_territory']} → {r['name']} : "
            f"{r['patients']:,} patients".replace(",", "\u202f"),
        )
    return masked


def points(
    fig: Figure,
    frame: pl.DataFrame,
    name: str,
    color: str,
    symbol: str,
    text: list[str],
    size: int = 10,
) -> None:
    if frame.height == 0:
        return
    _add(
        fig,
        frame["lon"].to_list(),
        frame["lat"].to_list(),
        mode="markers",
        name=name,
        marker={
            "size": size,
            "color": color,
            "symbol": symbol,
            "line": {"width": 1, "color": "#ffffff"},
        },
        text=text,
        hoverinfo="text",
    )


def base(
    title: str,
    tiles: TileServer | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> Figure:
    """An empty map: plain axes, or a tile map fitted to `bounds` (lon_min, lat_min, lon_max,
    lat_max) when `tiles`."""
    frame = {"height": 620, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}}
    if tiles is not None:
        center, zoom = _fit(bounds or (-5.0, 42.0, 8.0, 51.0))  # France by default
        tiled = {"style": tile_style(tiles), "center": center, "zoom": zoom}
        return figure([], title, **frame, map=tiled)
    return figure(
        [],
        title,
        **frame,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1.42},  # ~1/cos(45.5°)
    )


def _fit(
    bounds: tuple[float, float, float, float], width: int = 900, height: int = 420
) -> tuple[dict[str, float], float]:
    """Centre and zoom showing `bounds` with some margin in a map of about width × height px
    (Web Mercator: the world is 256 × 2**zoom px wide)."""
    lon_min, lat_min, lon_max, lat_max = bounds
    lat = (lat_min + lat_max) / 2
    span_lon = max(lon_max - lon_min, 0.05) * 1.15
    span_lat = max(lat_max - lat_min, 0.05) * 1.15 / math.cos(math.radians(lat))
    zoom = math.log2(min(width / span_lon, height / span_lat) * 360 / 256)
    return {"lon": (lon_min + lon_max) / 2, "lat": lat}, round(min(zoom, 12.0), 2)


def tile_style(tiles: TileServer) -> dict[str, Any]:
    """A MapLibre style with the tile server as its only (raster) layer: no glyphs, no sprite,
    so nothing else is fetched."""
    return {
        "version": 8,
        "sources": {
            TILE_SOURCE: {
                "type": "raster",
                "tiles": [tiles.url],
                "tileSize": 256,
                "attribution": tiles.attribution,
            }
        },
        "layers": [{"id": TILE_SOURCE, "type": "raster", "source": TILE_SOURCE}],
    }


def labels(fig: Figure, features: list[dict[str, Any]]) -> None:
    """Each outline's name at the centre of its largest ring (the department names)."""
    lon, lat, names = [], [], []
    for f in features:
        ring = max(_rings(f["geometry"]), key=len)
        lon.append(sum(p[0] for p in ring) / len(ring))
        lat.append(sum(p[1] for p in ring) / len(ring))
        names.append(str(f["properties"].get("nom") or f["properties"].get("code") or ""))
    if _tiled(fig):
        return  # tiles carry their own place names (a text layer would need glyphs from a CDN)
    _add(
        fig,
        lon,
        lat,
        mode="text",
        text=names,
        textfont={"color": "#123b5d", "size": 13},
        hoverinfo="skip",
        showlegend=False,
    )


def attribution(fig: Figure, text: str) -> None:
    """Where the outlines come from, in the map's corner (their licence asks for it)."""
    fig["layout"]["annotations"] = [
        *fig["layout"].get("annotations", []),
        {
            "text": text,
            "xref": "paper",
            "yref": "paper",
            "x": 1,
            "y": 0,
            "xanchor": "right",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 10, "color": "#6b7a89"},
        },
    ]
