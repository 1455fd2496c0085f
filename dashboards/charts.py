"""Plotly figures shared by the pages: French labels, one palette, no external resources."""

from __future__ import annotations

from typing import Any

import plotly.io as pio
import polars as pl

PALETTE = ["#123b5d", "#3f88c5", "#e94f37", "#44bba4", "#f6ae2d", "#8e6c8a", "#7a9e7e"]
MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
WEEKDAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]

# A figure is the plain dict plotly.js takes ({"data": [...], "layout": {...}}): built as
# plotly.graph_objects, each trace and layout update is deep-copied and validated property by
# property, which was half of a board callback's time beyond its queries (BENCHMARKS.md). The
# tests validate every figure of every page with `go.Figure(fig)` instead, once.
Figure = dict[str, Any]

# plotly_white, as graph_objects figures carried it; serialised once
TEMPLATE: dict[str, Any] = pio.templates["plotly_white"].to_plotly_json()


def figure(traces: list[dict[str, Any]], title: str, **layout: Any) -> Figure:
    """A figure of the boards: French separators, the palette, a horizontal legend."""
    return {
        "data": traces,
        "layout": {
            "template": TEMPLATE,
            "title": {"text": title},
            "colorway": PALETTE,
            "separators": ", ",
            "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
            "legend": {"orientation": "h"},
            "height": 340,
            **layout,
        },
    }


def bars(
    categories: list[Any],
    frame: pl.DataFrame,
    series: dict[str, str],
    title: str,
    *,
    barmode: str = "group",
    horizontal: bool = False,
    **layout: Any,
) -> Figure:
    """One bar series per column of `frame` (`series` maps column -> French label) over the
    same categories, grouped or stacked, across or (horizontal) down."""
    axis, values = ("y", "x") if horizontal else ("x", "y")
    shape = {"type": "bar", axis: categories} | ({"orientation": "h"} if horizontal else {})
    traces = [shape | {values: frame[col].to_list(), "name": name} for col, name in series.items()]
    return figure(traces, title, barmode=barmode, **layout)


def monthly_bars(
    frame: pl.DataFrame, series: dict[str, str], title: str, stacked: bool = True
) -> Figure:
    """Bars per month; `series` maps column -> French label."""
    months = [MONTHS[m.month - 1] for m in frame["month"]] if frame.height else []
    return bars(months, frame, series, title, barmode="stack" if stacked else "group")


def horizontal_bars(frame: pl.DataFrame, label: str, value: str, title: str) -> Figure:
    frame = frame.sort(value)
    bar = {
        "type": "bar",
        "x": frame[value].to_list(),
        "y": frame[label].to_list(),
        "orientation": "h",
        "marker": {"color": PALETTE[0]},
    }
    return figure([bar], title, height=max(340, 22 * frame.height + 80))


def calendar(frame: pl.DataFrame, title: str) -> Figure:
    """Sessions per day as a calendar heat-map: ISO weeks across, weekdays down."""
    weeks = list(range(1, 54))
    grid: list[list[int | None]] = [[None] * len(weeks) for _ in WEEKDAYS]
    for day, sessions in frame.select("day", "sessions").iter_rows():  # at most 366 days
        week, weekday = day.isocalendar()[1], day.isoweekday()
        grid[weekday - 1][week - 1] = (grid[weekday - 1][week - 1] or 0) + int(sessions)
    heatmap = {
        "type": "heatmap",
        "x": weeks,
        "y": WEEKDAYS,
        "z": grid,
        "colorscale": "Blues",
        "hoverongaps": False,
        "hovertemplate": "semaine %{x}, %{y} : %{z} séances<extra></extra>",
    }
    return figure(
        [heatmap],
        title,
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": "semaine"}},
    )


def session_note(params: dict[str, object]) -> str:
    """What the dossier filters mean on a chart of sessions (a session is not one patient's):
    the sessions that discussed at least one dossier matching them. Empty when none is set."""
    parts = []
    if params.get("organ"):
        parts.append(f"d'organe « {params['organ']} »")
    if params.get("finess"):
        parts.append(f"traité par l'établissement {params['finess']}")
    if params.get("department"):
        parts.append(f"de patient résidant dans le {params['department']}")
    if not parts:
        return ""
    return "Séances ayant examiné au moins un dossier " + ", ".join(parts)


def subtitle(fig: Figure, text: str) -> Figure:
    """A line under the title saying what the filters mean on this chart."""
    if text:
        layout = fig["layout"]
        layout["title"] = {**layout["title"], "subtitle": {"text": text}}
        layout["margin"] = {**layout["margin"], "t": 70}
    return fig
