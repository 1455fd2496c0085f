"""The answer sheet names the patients (IPP, establishment, session date) only for roles with
nominative rights, within their own 3C, and every sheet handed out is in the audit trail."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import polars as pl
import pytest

from access import audit
from access.policy import AccessDenied, Principal, acting_as
from audits import draw, service
from tests.audits.conftest import nominative_c3


def _rows(data: bytes) -> pl.DataFrame:
    return pl.read_excel(
        io.BytesIO(data), sheet_name="Réponses", read_options={"header_row": 1},
        infer_schema_length=0,
    )  # fmt: skip


def test_nominative_for_entitled_roles_only(
    warehouse: Path, con: duckdb.DuckDBPyConnection
) -> None:
    with acting_as(nominative_c3("C3-01")):
        d = service.new_draw("has_rcp", "2013", "rcp", 3, 2, warehouse)
        made = service.answer_sheet(d.id, warehouse)
    assert made.nominative and made.name.endswith("-nominatif.xlsx")
    rows = _rows(made.data)
    expected = dict(
        con.execute(
            "select f.fiche_id, i.ipp from staging.stg_fiche f "
            "join staging.stg_patient_identity i using (identity_id)"
        ).fetchall()
    )
    assert rows["ipp"].to_list() == [expected[f] for f in rows["fiche_id"]]
    assert rows["rcp_date"].null_count() == 0
    with acting_as(Principal.of("c1", "c3", "C3-01")):
        plain = service.answer_sheet(d.id, warehouse)
    assert not plain.nominative
    assert not {"ipp", "finess", "rcp_date"} & set(_rows(plain.data).columns)
    # the draw's own files never hold an IPP
    assert "ipp" not in (d.folder / draw.SAMPLE).read_text(encoding="utf-8").splitlines()[0]
    given = [
        (e.actor, e.detail["nominative"]) for e in reversed(audit.entries(action="audit_sheet"))
    ]
    assert given == [("n1", True), ("c1", False)]


def test_nominative_rights_stop_at_the_3c(warehouse: Path) -> None:
    with acting_as(Principal.of("a1", "admin")):
        other = service.new_draw("has_rcp", "2013", "rcp", 2, 2, warehouse, c3="C3-02")
    with acting_as(nominative_c3("C3-01")), pytest.raises(AccessDenied, match="own 3C"):
        service.answer_sheet(other.id, warehouse)
    assert audit.entries(action="audit_sheet") == []
    assert audit.entries(action="denied")[0].detail["what"] == "open an audit draw"
