"""Every chart exports its data as CSV and XLSX with the filters on screen; hostile strings are
neutralised so that a spreadsheet never runs them."""

from __future__ import annotations

import io

import plotly.graph_objects as go
import polars as pl

from dashboards.export import figure_frame
from rrc.spreadsheet import neutralise
from tests.dashboards.http import logged_in


def test_chart_csv_export_carries_the_filters_and_the_figures(server, board_warehouse) -> None:
    http = logged_in(server, "admin1")
    csv = http.get("/export/activite/mensuel.csv?annee=2013&3c=C3-01").decode("utf-8-sig")
    frame = pl.read_csv(io.StringIO(csv), separator=";")
    from tests.dashboards.test_pages import _sql

    assert frame["y"].cast(pl.Int64).sum() == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND c3_id = ?",
        "C3-01",
    )


def test_chart_xlsx_export_opens_as_a_workbook(server) -> None:
    content = logged_in(server, "admin1").get("/export/quorum/par-organe.xlsx?annee=2013")
    frame = pl.read_excel(io.BytesIO(content))
    assert {"série", "x", "y"} <= set(frame.columns) and frame.height > 0


def test_unknown_exports_are_404(server) -> None:
    http = logged_in(server, "admin1")
    for path in (
        "/export/activite/nope.csv",
        "/export/nowhere/mensuel.csv",
        "/export/activite/mensuel.exe",
    ):
        assert http.request(path)[0] == 404, path


def test_formula_injection_is_neutralised() -> None:
    assert neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise("+33 4 73") == "'+33 4 73"
    assert neutralise("Sein") == "Sein"
    fig = go.Figure(go.Bar(x=["=1+1", "ok"], y=[1, 2], name="@SUM(A1)"))
    frame = figure_frame(fig)
    assert frame["x"].to_list() == ["'=1+1", "ok"]
    assert frame["série"].unique().to_list() == ["'@SUM(A1)"]
