"""The care-offer map, drawn from data we pass it: GeoJSON outlines as filled polygons on plain
axes (longitude/latitude), so nothing is fetched from the network (no tiles, no topojson)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from dashboards.charts import PALETTE

COLORSCALE = "Blues"


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
    fig: go.Figure, features: list[dict[str, Any]], values: dict[str, float], key: Any, label: str
) -> None:
    """Fill each feature by its area's value; `key(feature)` gives the area code."""
    if not values:
        return
    lo, hi = min(values.values()), max(values.values())
    by_area: dict[str, list[dict[str, Any]]] = {}
    for f in features:
        area = key(f)
        if area in values:
            by_area.setdefault(area, []).append(f)
    for area, feats in sorted(by_area.items()):
        share = 0.15 + 0.85 * ((values[area] - lo) / (hi - lo) if hi > lo else 0.5)
        xs, ys = _polygon_xy(feats)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                mode="lines",
                line={"width": 0.3, "color": "#ffffff"},
                fillcolor=sample_colorscale(COLORSCALE, [share])[0],
                hoverinfo="text",
                text=f"{area} : {values[area]:,.0f} {label}".replace(",", "\u202f"),
                showlegend=False,
                name=area,
            )
        )
    # a colour bar for the scale
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "colorscale": COLORSCALE,
                "cmin": lo,
                "cmax": hi,
                "color": [lo],
                "colorbar": {"title": label, "thickness": 12},
            },
        )
    )


def outlines(fig: go.Figure, features: list[dict[str, Any]]) -> None:
    xs, ys = _polygon_xy(features)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": 1.2, "color": "#123b5d"},
            hoverinfo="skip",
            showlegend=False,
        )
    )


def flows(fig: go.Figure, frame: pl.DataFrame) -> None:
    """Lines from each territory's centre to the establishments its patients went to."""
    if frame.height == 0:
        return
    top = frame["patients"].max() or 1
    for r in frame.iter_rows(named=True):  # a few hundred flows at most (min_patients filter)
        fig.add_trace(
            go.Scatter(
                x=[r["from_lon"], r["to_lon"]],
                y=[r["from_lat"], r["to_lat"]],
                mode="lines",
                line={"width": 0.5 + 5 * r["patients"] / top, "color": "rgba(233,79,55,0.45)"},
                hoverinfo="text",
                showlegend=False,
                text=f"{r['residence_territory']} → {r['name']} : {r['patients']} patients",
            )
        )


def points(
    fig: go.Figure,
    frame: pl.DataFrame,
    name: str,
    color: str,
    symbol: str,
    text: list[str],
    size: int = 10,
) -> None:
    if frame.height == 0:
        return
    fig.add_trace(
        go.Scatter(
            x=frame["lon"].to_list(),
            y=frame["lat"].to_list(),
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
    )


def base(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=620,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h"},
        colorway=PALETTE,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.42)  # ~1/cos(45.5°)
    return fig
