"""The boards' charts and their exports, built from the catalogue (config/indicators.toml): a
chart is a list of indicators split by a dimension; its title, axis titles, legends, hover texts,
export headers and definitions all come from the catalogue, and its data from
`Reader.indicators`, with the statistical secrecy of the catalogue's rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from dash import html

from dashboards import charts
from dashboards.data import reader
from dashboards.filters import Filters
from warehouse.read import formats, secrecy
from warehouse.read.catalogue import Catalogue, Chart, Indicator
from warehouse.read.reader import Indicators

FILTERS = ("year", "c3", "organ", "finess", "department")
# the dimensions that are also filters: clicking a bar of a chart by one of them sets that filter
CLICKABLE = FILTERS[1:]


def catalogue() -> Catalogue:
    return reader().catalogue


def filters(p: dict[str, object]) -> dict[str, object]:
    return {k: p.get(k) for k in (*FILTERS, "months")}


def read(chart: Chart, p: dict[str, object]) -> Indicators:
    """The chart's rows: its series (and the indicator it is ordered by) by its dimension."""
    ids = list(chart.series)
    if chart.order not in ("key", "value") and chart.order not in ids:
        ids.append(chart.order)
    data = reader().indicators(ids, [chart.by], filters(p))
    frame = data.frame
    if chart.order == "key":  # the dimension's own order: its values as declared, else codes
        declared = {k: i for i, k in enumerate(catalogue().dimensions[chart.by].values)}
        rank = pl.col(chart.by).replace_strict(
            declared, default=len(declared), return_dtype=pl.Int64
        )
        frame = frame.sort(rank, chart.by, nulls_last=True)
    elif chart.order == "value":
        frame = frame.sort(chart.series[0])
    else:
        frame = frame.sort(chart.order, nulls_last=True)
    return Indicators(frame, data.notes)


def categories(chart: Chart, frame: pl.DataFrame) -> list[Any]:
    dim = catalogue().dimensions[chart.by]
    if dim.format == "month":
        return [formats.month(m) if m is not None else "—" for m in frame[chart.by]]
    return frame[f"{chart.by}_label"].to_list()


def _unit(series: list[Indicator]) -> str:
    units = {i.unit for i in series}
    return units.pop() if len(units) == 1 else ""


def figure(page: str, chart_id: str, p: dict[str, object]) -> charts.Figure:
    """The chart `chart_id` of board `page` for the filters `p`."""
    cat = catalogue()
    chart = cat.chart(page, chart_id)
    data = read(chart, p)
    series, dropped = comparable(cat, [cat.indicator(i) for i in chart.series], p)
    dim = cat.dimensions[chart.by]
    if chart.style == "calendar":
        fig = charts.calendar(
            data.frame.rename({chart.by: "day", chart.series[0]: "sessions"}),
            chart.title,
            series[0].unit,
        )
    else:
        x = categories(chart, data.frame)
        values = {i.id: data.frame[i.id].to_list() for i in series}
        fig = charts.series_figure(
            chart.title,
            x,
            [(i.short, values[i.id], i.unit, formats.d3(i.format)) for i in series],
            style=chart.style,
            category_title=dim.label,
            value_title=_unit(series),
        )
    if chart.style != "calendar":
        counts_in_hover(fig, data.frame, series)
        if chart.by in CLICKABLE:
            codes_in_points(fig, data.frame[chart.by].to_list(), len(series))
        ids = [i.id for i in series]
        fig = charts.gaps(fig, x, gap_notes(data, ids), gap_reasons(data, ids))
        if chart.target is not None:
            charts.target_line(
                fig, chart.target, series[0].unit, chart.style.endswith("horizontal")
            )
    if data.frame.height == 0:
        fig = charts.no_data(fig)
    notes = [*([] if dropped else data.notes), *dropped] + [
        i.when_filtered
        for i in series
        if i.when_filtered and any(p.get(f) for f in ("organ", "finess", "department"))
    ]
    return charts.subtitle(fig, " ".join(dict.fromkeys(notes)))


def comparable(
    cat: Catalogue, series: list[Indicator], p: dict[str, object]
) -> tuple[list[Indicator], list[str]]:
    """The series that can be set side by side under the filters `p`: one that cannot follow
    a filter the others follow (expected cases have no 3C or organ) would compare two scopes;
    it is left out, and the note says why."""
    set_filters = [f for f in FILTERS[1:] if p.get(f)]

    def follows(ind: Indicator) -> set[str]:
        return set(ind.honours(cat.marts[ind.marts[0]])) & set(set_filters)

    if len(series) < 2 or not set_filters:
        return series, []
    widest = max(len(follows(i)) for i in series)
    kept = [i for i in series if len(follows(i)) == widest]
    notes = [
        f"{i.label} : non comparé avec ces filtres (périmètres différents). {i.unfiltered or ''}"
        for i in series
        if i not in kept
    ]
    return kept, [n.strip() for n in notes]


def counts_in_hover(fig: charts.Figure, frame: pl.DataFrame, series: list[Indicator]) -> None:
    """A rate's hover also gives what it rests on: `1 234 sur 1 270`."""
    of = catalogue().text("hover_of")
    for trace, ind in zip(fig["data"], series, strict=True):
        num, den = f"{ind.id}__num", f"{ind.id}__den"
        if ind.kind != "rate" or num not in frame.columns or den not in frame.columns:
            continue
        trace["customdata"] = [list(r) for r in zip(frame[num], frame[den], strict=True)]
        trace["hovertemplate"] = trace["hovertemplate"].replace(
            "<extra>",
            f"<br>%{{customdata[0]:,.0f}} {of} %{{customdata[1]:,.0f}}<extra>",
        )


def codes_in_points(fig: charts.Figure, codes: list[Any], n_series: int) -> None:
    """Each point of the series carries its category's code last in its `customdata`, for a
    click to set that filter (`clicked_filter`); its hover says so."""
    hint = catalogue().text("click_to_filter")
    for trace in fig["data"][:n_series]:
        rows = trace.get("customdata") or [[] for _ in codes]
        trace["customdata"] = [[*row, code] for row, code in zip(rows, codes, strict=True)]
        trace["hovertemplate"] = trace["hovertemplate"].replace(
            "<extra>", f"<br><i>{hint}</i><extra>"
        )


def clicked_filter(chart: Chart, click: dict[str, Any] | None, search: str | None) -> str | None:
    """The URL's search once a click on `chart` (Dash's clickData) set the filter of its
    dimension to the clicked category; None when the click sets nothing."""
    if chart.by not in CLICKABLE or not click or not click.get("points"):
        return None
    data = click["points"][0].get("customdata")
    code = data[-1] if isinstance(data, list) and data else None
    if code is None:  # an annotation or a point without a category
        return None
    current = Filters.from_search(search)
    chosen: dict[str, Any] = {chart.by: str(code)}
    return replace(current, **chosen).to_search(search)


def masked_label(value: object) -> str:
    """How a masked cell reads on a chart: the Reader's own label when it gives one (text in
    `<id>__masked`), else the general one."""
    return value if isinstance(value, str) and value else charts.MASKED


def gap_notes(data: Indicators, ids: list[str]) -> list[str | None]:
    """Per row, why nothing is drawn there: masked by statistical secrecy (any series), or not
    applicable (every series empty); None where a value is drawn. (Each column is read once:
    reading it per row made this quadratic, three quarters of a chart's callback at 10M.)"""
    frame = data.frame
    threshold = reader().secrecy.threshold
    masks = [frame[f"{i}__masked"].to_list() for i in ids if f"{i}__masked" in frame.columns]
    reasons = [data.reasons(i) for i in ids]
    values = [frame[i].to_list() for i in ids]
    out: list[str | None] = []
    for row in range(frame.height):
        hidden = [m[row] for m in masks if m[row]]
        why = next((r[row] for r in reasons if r[row]), None)
        if why:  # "< 11" on a small count, "–" on a rate or a statistic, and why
            out.append(f"{secrecy.masked_text(why, threshold)} · {charts.MASKED}")
        elif hidden:
            out.append(masked_label(hidden[0]))
        elif all(v[row] is None for v in values):
            out.append(charts.NOT_AVAILABLE)
        else:
            out.append(None)
    return out


def gap_reasons(data: Indicators, ids: list[str]) -> list[str | None]:
    """Per row, why statistical secrecy masked it, in French (the masked mark's hover text)."""
    threshold = reader().secrecy.threshold
    reasons = [data.reasons(i) for i in ids]
    out: list[str | None] = []
    for row in range(data.frame.height):
        why = next((r[row] for r in reasons if r[row]), None)
        out.append(secrecy.reason_text(why, threshold) if why else None)
    return out


def info_mark(title: str | None = None) -> html.Span:
    """The information mark beside a figure: a letter i in a circle drawn by the style sheet
    (`.info`), not the sign ⓘ, which few fonts have (an empty box where none does). With a
    `title`, the definition it shows on hover, also read out by screen readers; without, it
    only decorates the word beside it."""
    aria: dict[str, Any] = {"aria-hidden": "true"} if title is None else {"aria-label": title}
    if title is None:
        return html.Span("i", className="info", **aria)
    return html.Span("i", title=title, className="info", role="img", **aria)


def definitions(page: str, chart_id: str) -> html.Details:
    """The information mark of a chart: the French definition of each of its indicators."""
    cat = catalogue()
    chart = cat.chart(page, chart_id)
    return html.Details(
        [
            html.Summary(
                [info_mark(), "Définition"], title="Définition des indicateurs du graphique"
            ),
            *[
                html.P([html.Strong(f"{cat.indicator(i).label} : "), cat.indicator(i).definition])
                for i in chart.series
            ],
        ],
        className="definition",
        id=f"{page}-{chart_id}-definition",
    )


@dataclass(frozen=True)
class Sheet:
    """A table as exports write it: headers and rows of plain values (a masked cell is text)."""

    headers: list[str]
    rows: list[list[Any]]


def export_sheet(page: str, chart_id: str, p: dict[str, object], threshold: int) -> Sheet:
    """A chart's data as a table: the dimension, then one column per series, headed by the
    catalogue's labels and units; a masked cell says so."""
    cat = catalogue()
    chart = cat.chart(page, chart_id)
    data = read(chart, p)
    frame = data.frame
    dim = cat.dimensions[chart.by]
    keys = categories(chart, frame)
    if dim.format == "day":
        keys = [str(d) for d in frame[chart.by]]
    columns: list[list[Any]] = [keys]
    headers = [dim.label]
    for ind in (cat.indicator(i) for i in chart.series):
        headers.append(f"{ind.label} ({ind.unit})")
        columns.append(data.shown(ind.id, threshold))
    return Sheet(headers, [list(r) for r in zip(*columns, strict=True)])
