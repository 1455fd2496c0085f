"""Bar charts drawn with reportlab's own graphics: horizontal bars, one row per category, value
labels in French format, masked values written as "< 11" at the axis."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from reports.fmt import french
from reports.model import BarChart
from warehouse.read.secrecy import label

PALETTE = (colors.HexColor("#1f5f8b"), colors.HexColor("#e08a2c"), colors.HexColor("#5b9b4a"))
ROW = 15.0  # points per category and series
BAR, GAP, GROUP_GAP = 10, 1, 5  # relative sizes of a bar, the gap between a group's bars, groups
LABELS = 150.0  # width kept for the category labels


def _short(text: str, size: int = 34) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def drawing(chart: BarChart, width: float, font: str, threshold: int) -> Drawing:
    """The chart as a reportlab Drawing `width` points wide (height grows with the rows)."""
    n, k = len(chart.categories), len(chart.series)
    legend_h = 16.0 if k > 1 else 0.0
    plot_h = max(n * ROW * (0.55 + 0.45 * k), 40.0)
    height = plot_h + 24 + legend_h
    d = Drawing(width, height)
    bc = HorizontalBarChart()
    bc.x, bc.y = LABELS, 18 + legend_h
    bc.width, bc.height = width - LABELS - 40, plot_h
    # reportlab stacks a group's series bottom-up: reversed, the first series is on top
    bc.data = [list(values) for _, values in reversed(chart.series)]
    bc.categoryAxis.categoryNames = [_short(c) for c in chart.categories]
    bc.categoryAxis.reverseDirection = 1  # first category at the top, as in the table
    bc.categoryAxis.labels.fontName = font
    bc.categoryAxis.labels.fontSize = 7.5
    bc.categoryAxis.labels.boxAnchor = "e"
    bc.categoryAxis.labels.dx = -4
    bc.valueAxis.valueMin = 0
    top = max((v for _, vs in chart.series for v in vs if v is not None), default=1) or 1
    bc.valueAxis.valueMax = 100 if chart.percent else top * 1.12
    if not chart.percent and top < 10:  # small counts: whole-number ticks
        bc.valueAxis.valueMax, bc.valueAxis.valueStep = max(top + 1, 2), 1
    bc.valueAxis.labels.fontName = font
    bc.valueAxis.labels.fontSize = 7
    bc.valueAxis.labelTextFormat = lambda v: french(v)
    bc.valueAxis.visibleGrid = 1
    bc.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    bc.barWidth, bc.barSpacing, bc.groupSpacing = BAR, GAP, GROUP_GAP
    bc.barLabels.fontName = font
    bc.barLabels.fontSize = 6.5
    bc.barLabels.boxAnchor = "w"
    bc.barLabels.dx = 2
    bc.barLabelFormat = lambda v: french(v, 1 if chart.percent else 0)
    for i in range(k):
        bc.bars[i].fillColor = PALETTE[(k - 1 - i) % len(PALETTE)]
        bc.bars[i].strokeColor = None
    d.add(bc)
    # masked values: no bar, the secrecy label at the axis, where the bar would start
    slot = plot_h / max(n, 1)
    unit = slot / (k * BAR + (k - 1) * GAP + GROUP_GAP)
    for j, (_, values) in enumerate(chart.series):
        for i, v in enumerate(values):
            if v is None:
                top = bc.y + plot_h - i * slot - GROUP_GAP * unit / 2
                y = top - (j * (BAR + GAP) + BAR / 2) * unit
                d.add(
                    String(
                        bc.x + 3,
                        y - 2.5,
                        label(None, threshold),
                        fontName=font,
                        fontSize=6.5,
                        fillColor=colors.HexColor("#a0341c"),
                    )
                )
    if k > 1:
        legend = Legend()
        legend.x, legend.y = LABELS, 8
        legend.fontName, legend.fontSize = font, 7.5
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.dx = legend.dy = 7
        legend.deltax = 90
        legend.colorNamePairs = [(PALETTE[i], name) for i, (name, _) in enumerate(chart.series)]
        d.add(legend)
    return d
