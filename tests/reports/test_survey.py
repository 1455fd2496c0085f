"""The survey summary for the yearly activity report (reports/survey.py), on its own: the rows
(question, respondents, distribution) as an administrator reads them against the warehouse, as
the ARS reads them (no group under the threshold, counts near the truth), its reportlab
flowables in a PDF and its sheet in a workbook."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reportlab.platypus import SimpleDocTemplate

from access.policy import Principal, acting_as
from reports import survey
from reports.fmt import THIN
from rrc.spreadsheet import workbook
from tests.reports.conftest import Reports
from tests.reports.test_reports import pdf_text
from warehouse.publish import Warehouse
from warehouse.read.reader import Reader


@pytest.fixture(scope="module")
def summaries(reports: Reports) -> dict[str, survey.Summary]:
    reader = Reader(reports.warehouse)
    out = {}
    for role in ("admin", "ars"):
        with acting_as(Principal.of("t", role)):
            out[role] = survey.summary(reader, "cahlipsos")
    return out


@pytest.fixture(scope="module")
def truth(reports: Reports) -> pl.DataFrame:
    con = Warehouse(reports.warehouse).connect()
    try:
        return con.execute(
            "SELECT q.label, a.option_code, sum(a.respondents)::BIGINT AS n, "
            "sum(a.answered)::BIGINT AS answered "
            "FROM marts.mart_survey_answers a JOIN core.dim_survey_question q "
            "USING (survey_id, question_id) GROUP BY ALL"
        ).pl()
    finally:
        con.close()


def test_an_administrator_reads_every_question_with_its_exact_distribution(
    summaries: dict[str, survey.Summary], truth: pl.DataFrame
) -> None:
    s = summaries["admin"]
    assert s.title.startswith("CAHLIPSOS") and s.year == 2013 and s.max_noise is None
    assert len(s.rows) == 35  # the 38 questions less the three free texts
    for row in s.rows:
        mine = truth.filter(pl.col("label") == row.question)
        assert row.answered == mine["answered"].max()
        assert all(share is not None and share >= 0 for _label, share in row.shares)
        assert sum(share or 0 for _l, share in row.shares) == pytest.approx(
            100.0 * mine["n"].sum() / mine["answered"].max()
        )
    quality = next(r for r in s.rows if r.question.startswith("Votre qualité de vie pro"))
    assert quality.distribution.startswith("très mauvaise ") and f"{THIN}% · plutôt" in (
        quality.distribution
    )
    assert "Mauriac" in dict(s.by_territory)  # every territory, small ones too


def test_the_ars_reads_no_group_under_the_threshold_and_counts_near_the_truth(
    summaries: dict[str, survey.Summary], reports: Reports
) -> None:
    s, exact = summaries["ars"], summaries["admin"]
    assert s.max_noise == 3 and s.respondents is not None
    assert abs(s.respondents - (exact.respondents or 0)) <= 3
    sizes = dict(exact.by_territory)
    for label, n in s.by_territory:
        if label.startswith("Autres territoires ("):
            members = label.removeprefix("Autres territoires (").removesuffix(")").split(", ")
            true = sum(sizes[m] or 0 for m in members)
            assert all((sizes[m] or 0) < 11 for m in members[:-1])
        else:
            true = sizes[label] or 0
        assert true >= 11 and n is not None and abs(n - true) <= 3, label
    assert any(label.startswith("Autres territoires") for label, _n in s.by_territory)
    for mine, theirs in zip(s.rows, exact.rows, strict=True):
        assert mine.question == theirs.question
        assert mine.answered is not None and abs(mine.answered - (theirs.answered or 0)) <= 3


def test_the_summary_renders_as_pdf_flowables_and_as_a_sheet(
    summaries: dict[str, survey.Summary], tmp_path: Path
) -> None:
    s = summaries["ars"]
    pdf = tmp_path / "enquete.pdf"
    SimpleDocTemplate(str(pdf)).build(survey.flowables(s))
    text = " ".join(pdf_text(pdf).split())  # lines wrap inside the table's cells
    assert "Enquête CAHLIPSOS" in text and "Répondants par territoire de santé" in text
    assert "Votre qualité de vie professionnelle vous semble" in text
    assert "Autres territoires (" in text and "perturbés de 3 au plus" in text
    book = workbook(tmp_path / "enquete.xlsx")
    survey.write_sheet(book, s, "Enquête CAHLIPSOS")
    book.close()
    cells = pl.read_excel(
        tmp_path / "enquete.xlsx", sheet_name="Enquête CAHLIPSOS", has_header=False,
        infer_schema_length=0,
    )  # fmt: skip
    lines = [[c for c in r if c is not None] for r in cells.rows()]
    assert ["Section", "Question", "Répondants", "Répartition des réponses"] in lines
    sexe = next(line for line in lines if "Sexe" in line)
    assert sexe[2] == str(next(r.answered for r in s.rows if r.question == "Sexe"))
    assert sexe[3].startswith("Homme ") and "Femme" in sexe[3]


def test_an_unknown_survey_is_refused_naming_the_surveys(reports: Reports) -> None:
    with acting_as(Principal.of("t", "ars")), pytest.raises(KeyError, match="cahlipsos"):
        survey.summary(Reader(reports.warehouse), "enquete-inconnue")
