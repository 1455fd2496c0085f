"""`rrc report activite`: the network's yearly activity report in the seed's shape, read as the
network (role rrc). Its tables read back from the XLSX equal the report's and the Reader's; its
PDF reads the seed's 2013 figures; the year's survey is summarised in it."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from access import audit
from access.policy import Principal, acting_as
from cli.main import app
from reports import survey
from reports.activity import survey_sections
from reports.content import Scope
from tests.reports.conftest import Reports
from tests.reports.test_reports import _expected, _read, as_number, pdf_text, sheet_tables
from warehouse.read import objectives
from warehouse.read.reader import Reader

# the seed's 2013 figures, as the report writes them
SEED = [
    "4 réunions groupe 3C les 21 mars, 30 mai, 26 septembre et 5 décembre 2013.",
    "5 réunions groupe pharmaciens les 22 janvier, 22 février, 12 avril, 5 septembre et 22 "
    "novembre 2013.",
    "2 réunions groupe « psys » les 14 mai et 15 octobre 2013.",
    "Rédaction de 9 nouvelles fiches.",
    "14 665 fiches distribuées.",
    "100 plaquettes d'information distribuées.",
    "69 essais consultables sur le site Internet dont 20 fermés en 2013.",
    "Dispositif d'annonce : 2 sessions, 8 jours, 30 participants",
    "Temps d'accompagnement soignant, analyse de la pratique : 3 sessions, 3 jours, 26 "
    "participants",
    "Visite du 3C du Puy-en-Velay (13 juin 2013) ; Visite du 3C de Montluçon (21 octobre 2013).",
]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_files_are_written_and_audited(reports: Reports, access_db: Path) -> None:
    produced = reports.activite
    assert produced.pdf.name == "rapport-activite-2013.pdf"
    assert produced.xlsx.name == "rapport-activite-2013.xlsx"
    assert produced.pdf.stat().st_size > 20_000
    entries = [e for e in audit.entries(action="report") if e.target == "rapport-activite-2013"]
    assert entries and entries[-1].role == "rrc"  # read as the network


def test_every_table_of_the_xlsx_is_the_reports_and_the_readers(reports: Reports) -> None:
    produced = reports.activite
    reader = Reader(reports.warehouse)
    checked = 0
    for section in produced.report.sections:
        written = sheet_tables(produced.xlsx, section.sheet, section.tables)
        for table in section.tables:
            header, *rows = written[table.title]
            assert header[: len(table.columns)] == [c.label for c in table.columns]
            assert len(rows) == len(table.rows), table.title
            texts = [j for j, c in enumerate(table.columns) if c.kind == "text"]
            for got, want in zip(rows, table.rows, strict=True):
                assert [got[j] or "" for j in texts] == [want[j] or "" for j in texts]
            if table.source is None or table.source[0] != "indicators":
                continue
            name, params = table.source
            if params.get("by") == "year":
                continue  # key figures, transposed
            with acting_as(Principal.of("test", "rrc")):
                frame = _read(reader, name, params)
            numbers = [j for j, c in enumerate(table.columns) if c.kind != "text"]
            got_numbers = [[as_number(r[j]) for j in numbers] for r in rows]
            assert sorted(map(repr, got_numbers)) == sorted(map(repr, _expected(frame, table)))
            checked += 1
    assert checked >= 8


def test_the_objectives_tables_follow_the_grid_and_the_seeds_columns(reports: Reports) -> None:
    section = reports.activite.report.sections[0]
    grid = objectives.load()
    assert section.landscape and len(section.tables) == len(grid.orientations)
    written = sheet_tables(reports.activite.xlsx, section.sheet, section.tables)
    for table, orientation in zip(section.tables, grid.orientations, strict=True):
        assert table.title.startswith(f"Orientation stratégique n°{orientation.id} — ")
        header = written[table.title][0]
        assert header[:5] == [
            "Objectifs stratégiques",
            "Objectifs opérationnels",
            "Plans d'action",
            "Indicateurs de suivi et d'évaluation",
            "Suivi des objectifs",
        ]
        assert header[-1] == "Échéance"
        labels = [r[3] for r in written[table.title][1:]]
        expected = [i.label for o, _, _, i in grid.entries() if o.id == orientation.id]
        assert labels == expected
    achieved = [r[4] for t in section.tables for r in t.rows]
    for sentence in SEED:
        assert any(sentence in a.replace("\u202f", " ") for a in achieved), sentence


def test_the_network_tables_hold_the_seeds_trainings_and_meetings(reports: Reports) -> None:
    section = next(s for s in reports.activite.report.sections if s.sheet == "Réseau")
    written = sheet_tables(reports.activite.xlsx, section.sheet, section.tables)
    trainings = written["Formations organisées par le réseau"]
    assert trainings[0][:4] == [
        "Type de professionnel de santé",
        "Nature de la formation",
        "Jours de formation",
        "Nombre de participants",
    ]
    assert [[r[0], r[1], as_number(r[2]), as_number(r[3])] for r in trainings[1:]] == [
        ["Infirmier(e)s, Manipulateurs en radiologie, Médecins", "Dispositif d'annonce", 8, 30],
        ["Infirmier(e)s, Manipulateurs en radiologie", "Temps d'accompagnement soignant", 3, 26],
    ]
    groups = {
        r[0]: (as_number(r[1]), r[2])
        for r in written["Réunions des groupes de travail et des partenariats"][1:]
    }
    assert groups["Groupe 3C"] == (4, "les 21 mars, 30 mai, 26 septembre et 5 décembre 2013")
    assert groups["Groupe pharmaciens"][0] == 5
    assert groups["Groupe « psys » (psycho-oncologues)"][0] == 2
    documents = {r[0]: r[1:] for r in written["Documents rédigés et distribués"][1:]}
    assert as_number(documents["Fiches d'information des patients"][1]) == 14665


def test_the_pdf_reads_the_seeds_figures_page_by_page(reports: Reports) -> None:
    text = flat(pdf_text(reports.activite.pdf))
    for section in reports.activite.report.sections:
        assert section.title in text
    for sentence in SEED:
        assert flat(sentence) in text, sentence
    assert "Orientation stratégique n°3" in text
    assert "Enquête CAHLIPSOS" in text and "Répondants par territoire de santé" in text


def test_the_years_survey_is_summarised_and_a_year_without_one_has_no_section(
    reports: Reports,
) -> None:
    with acting_as(Principal.of("test", "rrc")):
        reader = Reader(reports.warehouse)
        assert survey_sections(reader, Scope("activite", 2012)) == []
        [section] = survey_sections(reader, Scope("activite", 2013))
        expected = survey.summary(reader, "cahlipsos")
    assert section == survey.section(expected, "Enquête")
    assert expected.respondents is not None and expected.respondents > 100
    assert expected.max_noise is not None  # read as the network: counts perturbed
    assert section.sheet in {s.sheet for s in reports.activite.report.sections}


def test_cli_writes_the_activity_report_and_refuses_an_unknown_year(
    reports: Reports, access_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(reports.warehouse))
    runner = CliRunner()
    result = runner.invoke(app, ["report", "activite", "--year", "1999"])
    assert result.exit_code == 1
    assert "valid years: 2013" in re.sub(r"\s+", " ", result.output)
    started = datetime.now()
    result = runner.invoke(app, ["report", "activite", "--year", "2013", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rapport-activite-2013.pdf").stat().st_mtime >= started.timestamp() - 1
