"""`rrc report ars|3c` on a real warehouse: the files, their figures against the Reader's,
statistical secrecy, the 3C held to itself, the PDF as a reader sees it, the audit trail."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from access import audit
from access.policy import Principal, acting_as
from cli.main import app
from reports.fmt import THIN
from reports.model import Table
from tests.reports.conftest import C3, Reports
from warehouse.read import catalogue
from warehouse.read.reader import Reader
from warehouse.read.secrecy import MASKED_RATE, load_secrecy

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
MASKED = "< 11"


def sheet_tables(path: Path, sheet: str, tables: list[Table]) -> dict[str, list[list[Any]]]:
    """The tables of one XLSX sheet, read back with fastexcel: {title: [header, *rows]}. A table
    is found by its title row and holds the rows up to the next note, title or the end."""
    frame = pl.read_excel(path, sheet_name=sheet, has_header=False, infer_schema_length=0)
    lines = [list(r) for r in frame.rows()]
    firsts = [line[0] for line in lines]
    titles = {t.title for t in tables}
    found: dict[str, list[list[Any]]] = {}
    for t in tables:
        start = firsts.index(t.title) + 1
        stop = start + 1
        while stop < len(lines) and firsts[stop] not in titles and firsts[stop] != t.note:
            if str(firsts[stop]).startswith(("«", "Aucune donnée")):
                break
            stop += 1
        found[t.title] = lines[start:stop]
    return found


def as_number(text: Any) -> Any:
    if text in (None, MASKED, "—"):
        return text
    try:
        return round(float(text), 6)  # rates: as many digits as the XLSX reads back
    except ValueError:
        return text


def test_files_are_written(reports: Reports) -> None:
    for produced in (reports.ars, reports.c3):
        assert produced.pdf.stat().st_size > 10_000
        assert produced.xlsx.stat().st_size > 5_000
    assert reports.ars.pdf.name == "rapport-ars-2013.pdf"
    assert reports.c3.xlsx.name == f"rapport-3c-{C3}-2013.xlsx"


@pytest.mark.parametrize("which", ["ars", "c3"])
def test_xlsx_figures_are_the_readers(reports: Reports, which: str) -> None:
    """Every table that comes from one query holds, in the XLSX, what the Reader gives the
    report's principal for that query: same rows, same numbers, masked cells as '< 11'."""
    produced = getattr(reports, which)
    principal = Principal.of("test", "ars") if which == "ars" else Principal.of("test", "c3", C3)
    reader = Reader(reports.warehouse)
    checked = 0
    for section in produced.report.sections:
        written = sheet_tables(produced.xlsx, section.sheet, section.tables)
        for table in section.tables:
            header, *rows = written[table.title]
            assert header[: len(table.columns)] == [c.label for c in table.columns]
            assert len(rows) == len(table.rows)
            if table.source is None or table.source[0] in ("care_offer", "supportive_care"):
                continue  # aggregated in the report: compared through the model below
            name, params = table.source
            if params.get("by") == "year":
                continue  # the key figures, transposed: checked in test_key_indicators
            with acting_as(principal):
                frame = _read(reader, name, params)
            numbers = [j for j, c in enumerate(table.columns) if c.kind != "text"]
            got = [[as_number(r[j]) for j in numbers] for r in rows]
            assert sorted(map(repr, got)) == sorted(map(repr, _expected(frame, table))), table.title
            checked += 1
    assert checked >= 6


def _read(reader: Reader, name: str, params: dict[str, Any]) -> pl.DataFrame:
    """A table's rows as the Reader gives them: a named query, or indicators of the catalogue."""
    if name != "indicators":
        return reader.query(name, **params)
    filters = {k: v for k, v in params.items() if k not in ("ids", "by")}
    return reader.indicators(params["ids"], [params["by"]], filters).frame


NO_FILTER = {"year": 2013, "c3": None, "organ": None, "finess": None, "department": None}


def _kpis(reader: Reader, c3: str | None = None) -> dict[str, Any]:
    ids = catalogue.load().report
    frame = reader.indicators(ids, ["year"], {**NO_FILTER, "c3": c3}, years=2).frame
    return frame.filter(pl.col("year") == 2013).row(0, named=True)


def _expected(frame: pl.DataFrame, table: Table) -> list[list[Any]]:
    """The Reader's figures (the table's number columns) as the XLSX holds them."""
    cols = [c for c in table.columns if c.kind != "text"]
    frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Int64))
    hidden = {c.key: MASKED_RATE if c.kind == "rate" else MASKED for c in cols}
    return [
        [hidden[c.key] if v is None else round(float(v), 6) for v, c in zip(r, cols, strict=True)]
        for r in frame.select([c.key for c in cols]).rows()
    ]


def test_key_indicators(reports: Reports) -> None:
    reader = Reader(reports.warehouse)
    with acting_as(Principal.of("test", "ars")):
        kpis = _kpis(reader)
    section = reports.ars.report.sections[0]
    written = sheet_tables(reports.ars.xlsx, section.sheet, section.tables)
    rows = {r[0]: r for r in written["Indicateurs clés de la région"][1:]}
    assert float(rows["Dossiers présentés en RCP"][2]) == kpis["dossiers"]
    assert float(rows["Patients distincts"][2]) == kpis["patients"]
    assert rows["Dossiers présentés en RCP"][1] == "—"  # the small warehouse holds 2013 only


def test_no_small_count_is_visible_in_the_ars_report(reports: Reports) -> None:
    """No count of individuals (indicators of secrecy "individuals", and the columns
    config/secrecy.toml declares as counts) reads 1..10 in the XLSX; some cells read '< 11'."""
    rules = load_secrecy()
    cat = catalogue.load()
    individuals = {i for i, ind in cat.indicators.items() if ind.secrecy == "individuals"}
    kpi_rows = {cat.indicator(i).label for i in cat.report if i in individuals}
    seen_masked = 0
    for section in reports.ars.report.sections:
        written = sheet_tables(reports.ars.xlsx, section.sheet, section.tables)
        for table in section.tables:
            if table.source is None:
                continue
            name, params = table.source
            if name == "indicators":
                counts = tuple(i for i in params["ids"] if i in individuals)
            elif rules.rules(name).scope == "public":
                continue  # directories: establishments and providers, no one's data
            else:
                counts = rules.rules(name).counts
            for row in written[table.title][1:]:
                cells = [
                    row[j]
                    for j, c in enumerate(table.columns)
                    if c.key in counts or (c.kind == "value" and row[0] in kpi_rows)
                ]
                for value in map(as_number, cells):
                    seen_masked += value == MASKED
                    if isinstance(value, float):
                        assert not 1 <= value <= 10, f"{table.title}: {row}"
    assert seen_masked > 0  # the small region has small cells: they are there, masked


def test_the_3c_report_holds_only_its_3c(reports: Reports) -> None:
    reader = Reader(reports.warehouse)
    with acting_as(Principal.of("test", "ars")):
        names = dict(reader.query("c3_list").rows())
        offer = reader.query("care_offer", c3=None)
    own = set(offer.filter(pl.col("c3_id") == C3)["name"])
    others = set(offer.filter(pl.col("c3_id") != C3)["name"])
    text = " ".join(
        str(v) for s in reports.c3.report.sections for t in s.tables for r in t.rows for v in r
    )
    for c3_id, name in names.items():
        if c3_id != C3:
            assert c3_id not in text and name not in text
    assert not any(n in text for n in others - own)
    assert "Activité par 3C" not in [s.title for s in reports.c3.report.sections]
    # and its figures are its own: the 3C's dossiers, not the region's
    with acting_as(Principal.of("test", "ars")):
        region = _kpis(reader)["dossiers"]
    kpis = reports.c3.report.sections[0].tables[0]
    assert 0 < kpis.rows[0][2] < region


def pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(path)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return text.replace(THIN, " ").replace("\u00a0", " ")


@pytest.mark.parametrize("which", ["ars", "c3"])
def test_pdf_pages_render_and_read(reports: Reports, which: str) -> None:
    produced = getattr(reports, which)
    doc = pdfium.PdfDocument(produced.pdf)
    pages = len(doc)
    assert 3 <= pages <= 20
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i in range(pages):
        image = doc[i].render(scale=1).to_pil()
        assert image.size[0] > 500
        assert image.convert("L").getextrema()[0] < 100  # not blank: dark text on it
        image.save(ARTIFACTS / f"test-{produced.pdf.stem}-p{i + 1}.png")
    text = pdf_text(produced.pdf)
    for section in produced.report.sections:
        assert section.title in text
    assert f"page {pages} / {pages}" in text
    assert produced.report.snapshot in text
    assert "Secret statistique" in text and "2013" in text
    dossiers = produced.report.sections[0].tables[0].rows[0][2]
    assert f"{dossiers:,}".replace(",", " ") in text  # French thousands
    if which == "ars":
        assert "Tableau de bord régional" in text and MASKED in text
    else:
        assert C3 in text


def test_the_audit_trail_has_the_reports(reports: Reports, access_db: Path) -> None:
    # the ARS and 3C reports (a practice audit's report is recorded under the same action)
    lines = [
        e
        for e in audit.entries(action="report")
        if e.target.startswith(("rapport-ars", "rapport-3c"))
    ]
    targets = {(e.target, e.role) for e in lines}
    assert ("rapport-ars-2013", "ars") in targets
    assert (f"rapport-3c-{C3}-2013", "c3") in targets
    assert all(e.actor.startswith("cli:") for e in lines)
    assert audit.verify().lines >= 2


def test_cli_refuses_an_unknown_year_or_3c(
    reports: Reports, access_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(reports.warehouse))
    runner = CliRunner()
    result = runner.invoke(app, ["report", "ars", "--year", "1999"])
    assert result.exit_code == 1
    assert "valid years: 2013" in re.sub(r"\s+", " ", result.output)
    result = runner.invoke(app, ["report", "3c", "--year", "2013", "--c3", "C3-99"])
    assert result.exit_code == 1
    assert "C3-01" in result.output and "C3-10" in result.output
