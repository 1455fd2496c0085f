"""The practice-audit report: each question's rate with its interval in the PDF and the XLSX, as
the results compute them; masked for a role without nominative rights; in the audit trail."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pypdfium2 as pdfium
import pytest

from access import audit
from access.policy import Principal, acting_as
from audits import service
from reports.audit import produce
from reports.fmt import french
from tests.reports.conftest import Reports


@pytest.fixture
def drawn(
    reports: Reports, access_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("RRC_AUDITS_DIR", str(tmp_path / "audits"))
    with acting_as(Principal.of("a1", "admin")):
        d, _ = service.demo_audit(reports.warehouse)
    return d.id


def _pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    return " ".join(
        " ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc))
    )


def test_rates_and_intervals_in_both_files(reports: Reports, drawn: str, tmp_path: Path) -> None:
    with acting_as(Principal.of("a1", "admin")):
        pdf, xlsx = produce(drawn, reports.warehouse, tmp_path / "out")
        res = service.audit_results(drawn, reports.warehouse)
    assert pdf.name == f"rapport-{drawn}.pdf"
    text = _pdf_text(pdf)
    quorum = res.overall.filter(question="quorum").row(0, named=True)
    line = " ".join(french(quorum[k], 1) for k in ("pct", "low", "high"))
    assert f"Quorum tracé et atteint {quorum['answered']} {quorum['compliant']} {line}" in text
    assert "Korn-Graubard" in text and "Lignes en quarantaine" in text and "peut-être" in text
    sheet = pl.read_excel(xlsx, sheet_name="Questions", has_header=False, infer_schema_length=0)
    row = next(r for r in sheet.rows() if r[0] == "Quorum tracé et atteint")
    assert [float(v) for v in row[3:6]] == [quorum["pct"], quorum["low"], quorum["high"]]
    entry = audit.entries(action="report")[0]
    assert (entry.actor, entry.detail["draw"]) == ("a1", drawn)


def test_masked_for_a_3c_without_nominative_rights(
    reports: Reports, drawn: str, tmp_path: Path
) -> None:
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        pdf, _ = produce(drawn, reports.warehouse, tmp_path / "out3c")
        res = service.audit_results(drawn, reports.warehouse)
    text = _pdf_text(pdf)
    assert "« < 11 » : valeur masquée" in text
    hidden = res.strata.filter(pl.col("pct").is_null())
    assert hidden.height > 0  # per-RCP rates of a 15-fiche draw give their few failures away
    with acting_as(Principal.of("c2", "c3", "C3-02")), pytest.raises(Exception, match="own 3C"):
        produce(drawn, reports.warehouse, tmp_path / "other")
