"""Plotly figures shared by the pages: French labels, one palette, no external resources."""

from __future__ import annotations

import plotly.graph_objects as go
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

# Every figure of the boards is drawn on plotly_white. As the default, plotly applies it when a
# figure is created, without validation; set per figure (`update_layout(template=...)`) it was
# validated property by property each time: most of a board callback's time (BENCHMARKS.md).
pio.templates.default = "plotly_white"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title=title,
        colorway=PALETTE,
        separators=", ",
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h"},
        height=fig.layout.height or 340,
    )
    return fig


def monthly_bars(
    frame: pl.DataFrame, series: dict[str, str], title: str, stacked: bool = True
) -> go.Figure:
    """Bars per month; `series` maps column -> French label."""
    months = [MONTHS[m.month - 1] for m in frame["month"]] if frame.height else []
    fig = go.Figure(
        [go.Bar(x=months, y=frame[col].to_list(), name=label) for col, label in series.items()]
    )
    fig.update_layout(barmode="stack" if stacked else "group")
    return _layout(fig, title)


def horizontal_bars(frame: pl.DataFrame, label: str, value: str, title: str) -> go.Figure:
    frame = frame.sort(value)
    fig = go.Figure(
        go.Bar(
            x=frame[value].to_list(),
            y=frame[label].to_list(),
            orientation="h",
            marker_color=PALETTE[0],
        )
    )
    fig.update_layout(height=max(340, 22 * frame.height + 80))
    return _layout(fig, title)


def calendar(frame: pl.DataFrame, title: str) -> go.Figure:
    """Sessions per day as a calendar heat-map: ISO weeks across, weekdays down."""
    weeks = list(range(1, 54))
    grid: list[list[int | None]] = [[None] * len(weeks) for _ in WEEKDAYS]
    for day, sessions in frame.select("day", "sessions").iter_rows():  # at most 366 days
        week, weekday = day.isocalendar()[1], day.isoweekday()
        grid[weekday - 1][week - 1] = (grid[weekday - 1][week - 1] or 0) + int(sessions)
    fig = go.Figure(
        go.Heatmap(
            x=weeks,
            y=WEEKDAYS,
            z=grid,
            colorscale="Blues",
            hoverongaps=False,
            hovertemplate="semaine %{x}, %{y} : %{z} séances<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="semaine")
    return _layout(fig, title)


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


def subtitle(fig: go.Figure, text: str) -> go.Figure:
    """A line under the title saying what the filters mean on this chart."""
    if text:
        fig.update_layout(title_subtitle_text=text, margin_t=70)
    return fig
