"""Plotly figures shared by the pages: French labels, one palette, no external resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.io as pio
import polars as pl
from dash import dcc

from warehouse.read.formats import WEEK, WEEKDAYS

PALETTE = ["#123b5d", "#3f88c5", "#e94f37", "#44bba4", "#f6ae2d", "#8e6c8a", "#7a9e7e"]

# A figure is the plain dict plotly.js takes ({"data": [...], "layout": {...}}): built as
# plotly.graph_objects, each trace and layout update is deep-copied and validated property by
# property, which was half of a board callback's time beyond its queries (BENCHMARKS.md). The
# tests validate every figure of every page with `go.Figure(fig)` instead, once.
Figure = dict[str, Any]

# every chart of the boards: French toolbar, months and numbers (dashboards/assets/
# plotly-locale-fr.js registers the locale), resized with its card, no plotly logo
CONFIG: Any = {"displaylogo": False, "locale": "fr", "responsive": True}


def graph(id_: str) -> dcc.Loading:
    """A chart of the boards with its loading indicator (shown while its callback runs)."""
    return dcc.Loading(
        dcc.Graph(id=id_, config=CONFIG), type="circle", color=PALETTE[1], parent_className="graph"
    )


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
            # below everything, rotated month labels included (they pushed the plot up)
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
            "height": 340,
            **layout,
        },
    }


def series_figure(
    title: str,
    categories: list[Any],
    series: list[tuple[str, list[Any], str, str]],
    *,
    style: str,
    category_title: str,
    value_title: str,
) -> Figure:
    """Series over the same categories: `series` is (legend, values, unit, d3 format) each, from
    the catalogue. `style`: bars, stacked, horizontal, stacked-horizontal or lines."""
    horizontal = style.endswith("horizontal")
    cat_axis, value_axis = ("y", "x") if horizontal else ("x", "y")
    traces = []
    for name, values, unit, d3 in series:
        hover = f"%{{{cat_axis}}}<br>{name} : %{{{value_axis}:{d3}}} {unit}<extra></extra>"
        if style == "lines":
            trace: dict[str, Any] = {"type": "scatter", "mode": "lines+markers"}
        else:
            trace = {"type": "bar"} | ({"orientation": "h"} if horizontal else {})
        traces.append(
            trace | {cat_axis: categories, value_axis: values, "name": name, "hovertemplate": hover}
        )
    if len(series) == 1 and style != "lines":
        traces[0]["marker"] = {"color": PALETTE[0]}
    layout: dict[str, Any] = {
        "barmode": "stack" if style.startswith("stacked") else "group",
        f"{cat_axis}axis": {"title": {"text": category_title}, "automargin": True},
        f"{value_axis}axis": {"title": {"text": value_title}},
    }
    if horizontal:
        layout["height"] = max(340, 22 * len(categories) + 90)
    return figure(traces, title, **layout)


def calendar(frame: pl.DataFrame, title: str, unit: str) -> Figure:
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
        "hovertemplate": f"{WEEK} %{{x}}, %{{y}} : %{{z}} {unit}<extra></extra>",
    }
    return figure(
        [heatmap],
        title,
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": WEEK}},
    )


def subtitle(fig: Figure, text: str) -> Figure:
    """A line under the title saying what the filters mean on this chart."""
    if text:
        layout = fig["layout"]
        layout["title"] = {**layout["title"], "subtitle": {"text": text}}
        layout["margin"] = {**layout["margin"], "t": 70}
    return fig


MASKED = "masqué (secret statistique)"
EMPTY = "aucune donnée pour ces filtres"
NOT_AVAILABLE = "sans objet"


def no_data(fig: Figure, text: str = EMPTY) -> Figure:
    """A chart with nothing to draw says so, in the middle, instead of showing bare axes."""
    layout = fig["layout"]
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "visible": False}
    layout["annotations"] = [
        *layout.get("annotations", []),
        {
            "text": text,
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
            "showarrow": False,
            "font": {"size": 15, "color": "#4a5a6a"},
        },
    ]
    return fig


def gaps(
    fig: Figure,
    categories: list[Any],
    notes: list[str | None],
    hovers: list[str | None] | None = None,
) -> Figure:
    """Write on the chart, at its category, why a value is not drawn (masked by statistical
    secrecy, not applicable): a missing bar is never left silent. `notes[i]` is the text for
    `categories[i]`, None where the value is drawn; `hovers[i]` the longer reason its hover
    shows."""
    if not any(notes):
        return fig
    layout = fig["layout"]
    horizontal = any(t.get("orientation") == "h" for t in fig["data"])
    marks = []
    for category, note, hover in zip(categories, notes, hovers or [None] * len(notes), strict=True):
        if not note:
            continue
        mark: dict[str, Any] = {"text": note, "showarrow": False, "font": {"color": "#6b7a89"}}
        if hover:
            mark["hovertext"] = hover
        if horizontal:
            mark |= {"x": 0, "y": category, "xanchor": "left", "xref": "x", "yref": "y"}
        else:
            mark |= {"x": category, "y": 0, "yanchor": "bottom", "textangle": -90}
            mark |= {"xref": "x", "yref": "y", "font": {"color": "#6b7a89", "size": 10}}
        marks.append(mark)
    layout["annotations"] = [*layout.get("annotations", []), *marks]
    drawn = [v for t in fig["data"] for v in (t.get("x" if horizontal else "y") or [])]
    if not any(v is not None for v in drawn):  # nothing drawn: a scale from 0 under the notes
        value_axis = "xaxis" if horizontal else "yaxis"
        axis = {**layout.get(value_axis, {}), "range": [0, 1], "showticklabels": False}
        layout[value_axis] = axis
    return fig


def target_line(fig: Figure, target: float, unit: str, horizontal: bool) -> Figure:
    """A dashed line at the target value across the chart, labelled ("cible : 95 %")."""
    layout = fig["layout"]
    line: dict[str, Any] = {"type": "line", "line": {"color": PALETTE[2], "dash": "dash"}}
    label = f"cible : {target:g} {unit}".replace(".", ",")
    if horizontal:
        line |= {"x0": target, "x1": target, "xref": "x", "y0": 0, "y1": 1, "yref": "paper"}
        mark = {"x": target, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom"}
    else:
        line |= {"y0": target, "y1": target, "yref": "y", "x0": 0, "x1": 1, "xref": "paper"}
        mark = {"y": target, "x": 1, "yref": "y", "xref": "paper", "xanchor": "right"}
    layout["shapes"] = [*layout.get("shapes", []), line]
    mark |= {"text": label, "showarrow": False, "font": {"color": PALETTE[2], "size": 11}}
    layout["annotations"] = [*layout.get("annotations", []), mark]
    return fig


# a survey's scales: unfavourable answers warm, favourable ones cool, from the mildest (next to
# the middle) to the strongest; a neutral answer grey
UNFAVOURABLE = ["#f4a582", "#d6604d", "#b2182b", "#67001f"]
FAVOURABLE = ["#92c5de", "#4393c3", "#2166ac", "#053061"]
NEUTRAL = "#bdbdbd"
PERCENT_AXIS = {"range": [0, 100], "ticksuffix": " %", "title": {"text": "part des réponses"}}


@dataclass(frozen=True)
class Answer:
    """One option of a question, in the order of its scale: its label, its side on a Likert
    scale (unfavourable, neutral, favourable) and, per category (group), its share in % and
    what the hover says of it."""

    label: str
    side: str | None
    shares: list[float | None]
    hovers: list[str]


def _height(categories: list[str], legend: int = 0) -> int:
    """Room for the bars and for a legend of `legend` entries (up to three rows on a phone)."""
    return max(200, 34 * len(categories) + 90 + 24 * min(legend, 6) // 2 + 20 * bool(legend))


def diverging(categories: list[str], answers: list[Answer]) -> Figure:
    """Likert answers as diverging stacked bars: per category (a group of respondents) the
    lower half of the scale to the left of 0, the upper half to the right, the middle option of
    an odd scale astride it; colours by side, stronger away from the middle."""
    n = len(answers)
    half = n // 2
    left, right = answers[:half], answers[n - half :]
    middle = answers[half] if n % 2 else None
    traces: list[dict[str, Any]] = []

    def colour(a: Answer, rank: int) -> str:
        if a.side == "neutral":
            return NEUTRAL
        ramp = FAVOURABLE if a.side == "favourable" else UNFAVOURABLE
        return ramp[min(rank, len(ramp) - 1)]

    def bar(a: Answer, sign: float, rank: int, legend: bool, part: float = 1.0) -> dict[str, Any]:
        return {
            "type": "bar",
            "orientation": "h",
            "name": a.label,
            "y": categories,
            "x": [None if v is None else sign * part * v for v in a.shares],
            "marker": {"color": colour(a, rank)},
            "customdata": a.hovers,
            "hovertemplate": "%{customdata}<extra></extra>",
            "legendgroup": a.label,
            "showlegend": legend,
            "legendrank": answers.index(a) + 1,
        }

    if middle is not None:
        traces.append(bar(middle, -1, 0, False, 0.5))
        traces.append(bar(middle, 1, 0, True, 0.5))
    for rank, a in enumerate(reversed(left)):  # from the middle outwards
        traces.append(bar(a, -1, rank, True))
    for rank, a in enumerate(right):
        traces.append(bar(a, 1, rank, True))
    reach = [
        max(
            sum(a.shares[i] or 0 for a in side) + ((middle.shares[i] or 0) / 2 if middle else 0)
            for side in (left, right)
        )
        for i in range(len(categories))
    ]
    top = min(100, max(50, 25 * int(-(-max(reach, default=0) // 25))))  # the longest bar
    ticks = [t for t in range(-100, 101, 25) if abs(t) <= top]
    return figure(
        traces,
        "",
        barmode="relative",
        height=_height(categories, len(answers)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "range": [-top, top],
            "tickvals": ticks,
            "ticktext": [f"{abs(t)} %" for t in ticks],
            "zeroline": True,
            "zerolinecolor": "#4a5a6a",
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )


def stacked_shares(categories: list[str], answers: list[Answer], ordered: bool) -> Figure:
    """Answers of a single choice (or a number's classes, `ordered`) as 100 % stacked bars, one
    per category."""
    ramp = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b"]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": a.label,
            "y": categories,
            "x": a.shares,
            "marker": {"color": (ramp[i % len(ramp)] if ordered else PALETTE[i % len(PALETTE)])},
            "customdata": a.hovers,
            "hovertemplate": "%{customdata}<extra></extra>",
        }
        for i, a in enumerate(answers)
    ]
    return figure(
        traces,
        "",
        barmode="stack",
        height=_height(categories, len(answers)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis=PERCENT_AXIS,
        legend={
            "orientation": "h",
            "traceorder": "normal",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )


def choices(categories: list[str], answers: list[Answer]) -> Figure:
    """A multiple choice: the share of respondents choosing each option (they may choose
    several): bars for one category, a heat map (categories × options) for several."""
    labels = [a.label for a in answers]
    if len(categories) == 1:
        trace = {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": [a.shares[0] for a in answers],
            "customdata": [a.hovers[0] for a in answers],
            "hovertemplate": "%{customdata}<extra></extra>",
            "marker": {"color": PALETTE[1]},
        }
        return figure(
            [trace],
            "",
            height=_height(labels),
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis=PERCENT_AXIS | {"title": {"text": "part des répondants"}},
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
        )
    heat = {
        "type": "heatmap",
        "x": labels,
        "y": categories,
        "z": [[a.shares[i] for a in answers] for i in range(len(categories))],
        "customdata": [[a.hovers[i] for a in answers] for i in range(len(categories))],
        "hovertemplate": "%{customdata}<extra></extra>",
        "colorscale": "Blues",
        "reversescale": True,  # plotly's Blues runs from dark to light: a larger share darker
        "zmin": 0,
        "zmax": 100,
        "texttemplate": "%{z:.0f}",
        "hoverongaps": False,
        "colorbar": {"ticksuffix": " %", "thickness": 10},
    }
    return figure(
        [heat],
        "",
        height=_height(categories) + 80,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"automargin": True, "tickangle": -30},
        yaxis={"autorange": "reversed", "automargin": True},
    )
