"""Every chart exports its data as CSV and XLSX with the filters on screen; hostile strings are
neutralised so that a spreadsheet never runs them."""

from __future__ import annotations

import io

import polars as pl

from dashboards.export import csv_bytes, xlsx_bytes
from dashboards.indicators import Sheet
from rrc.spreadsheet import neutralise
from tests.dashboards.http import logged_in


def test_chart_csv_export_carries_the_filters_and_the_figures(server, board_warehouse) -> None:
    http = logged_in(server, "admin1")
    raw = http.get("/export/activite/mensuel.csv?annee=2013&3c=C3-01")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: a French spreadsheet reads it
    frame = pl.read_csv(io.StringIO(raw.decode("utf-8-sig")), separator=";")
    from tests.dashboards.test_pages import _sql

    # headers from the catalogue: the dimension, then the series with its unit
    assert frame.columns == ["Mois", "Dossiers présentés en RCP (dossiers)"]
    assert frame["Mois"][0] == "janv. 2013"
    assert frame["Dossiers présentés en RCP (dossiers)"].sum() == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND c3_id = ?",
        "C3-01",
    )


def test_chart_xlsx_export_opens_as_a_workbook(server) -> None:
    content = logged_in(server, "admin1").get("/export/quorum/par-organe.xlsx?annee=2013")
    frame = pl.read_excel(io.BytesIO(content))
    assert frame.columns[0] == "Organe" and frame.height > 0
    assert "Quorum atteint (%)" in frame.columns  # the chart's rate, headed by the catalogue
    assert frame["Organe"].str.contains("non renseigné").any() or frame.height > 0


def test_rates_export_with_a_decimal_comma(server) -> None:
    raw = logged_in(server, "admin1").get("/export/quorum/tracabilite.csv?annee=2013")
    frame = pl.read_csv(io.StringIO(raw.decode("utf-8-sig")), separator=";", infer_schema=False)
    rates = frame["PPS avec médecin traitant (%)"].drop_nulls().to_list()
    assert rates and all("," in r and "." not in r for r in rates)


def test_the_overview_exports_its_tiles(server) -> None:
    raw = logged_in(server, "admin1").get("/export/ensemble/indicateurs.csv?annee=2013")
    frame = pl.read_csv(io.StringIO(raw.decode("utf-8-sig")), separator=";", infer_schema=False)
    assert frame["Année"].to_list()[-1] == "2013"  # and 2012 where the warehouse holds it
    assert "Délai médian RCP – PPS (jours)" in frame.columns


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
    frame = Sheet(["@SUM(A1)", "n"], [["=1+1", 1], ["ok", 2], ["http://phish.example/login", 3]])
    assert csv_bytes(frame).decode("utf-8-sig").splitlines() == [
        "'@SUM(A1);n",
        "'=1+1;1",
        "ok;2",
        "http://phish.example/login;3",
    ]
    book = pl.read_excel(io.BytesIO(xlsx_bytes(frame, "t")))
    assert book.columns == ["'@SUM(A1)", "n"] and book[0, 0] == "'=1+1"
