"""The answer sheet goes out as a real XLSX file and comes back under contract rules: a bad row
is quarantined with its spreadsheet row and every reason named, a bad file refused whole."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from access import audit
from access.policy import Principal
from audits import draw, service, sheet
from audits.answers import SheetRefused
from audits.service import grid_of

GOOD = {"quorum": "oui", "patient_informed": "Oui", "proposal_recorded": "oui", "pps_gp": "non",
        "pps_date": None, "trial_considered": "non", "guideline": "conforme"}  # fmt: skip


@pytest.fixture
def drawn(warehouse: Path, admin: Principal) -> draw.Draw:
    return service.new_draw("has_rcp", "2013", "rcp", 2, 5, warehouse, c3="C3-01")


def completed(d: draw.Draw, changes: dict[int, dict]) -> bytes:
    """The draw's sheet as auditors return it: every line answered GOOD, with `changes`."""
    sample = draw.load_sample(d)
    filled = {
        int(r["line"]): {"fiche_id": r["fiche_id"], **GOOD, **changes.get(int(r["line"]), {})}
        for r in sample.iter_rows(named=True)
    }
    return sheet.build(grid_of("has_rcp"), d.id, sample, None, filled)


def test_sheet_is_prefilled_from_the_warehouse(drawn: draw.Draw, warehouse: Path) -> None:
    made = service.answer_sheet(drawn.id, warehouse)
    rows = pl.read_excel(
        io.BytesIO(made.data), sheet_name="Réponses", read_options={"header_row": 1},
        infer_schema_length=0,
    )  # fmt: skip
    sample = draw.load_sample(drawn).sort("line")
    assert rows["fiche_id"].to_list() == sample["fiche_id"].to_list()
    expected = ["oui" if v else "non" for v in sample["quorum_met"].to_list()]
    assert rows["quorum"].fill_null("").to_list() == [
        e if v is not None else "" for e, v in zip(expected, sample["quorum_met"], strict=True)
    ]
    assert rows["quorum__entrepot"].to_list() == rows["quorum"].to_list()
    assert rows["trial_considered"].null_count() == rows.height  # the auditor's to answer
    dates = [None if v is None else v.isoformat() for v in sample["pps_date"].to_list()]
    assert rows["pps_date"].to_list() == dates


def test_bad_rows_are_quarantined_with_their_row_named(drawn: draw.Draw, warehouse: Path) -> None:
    n = drawn.drawn
    data = completed(
        drawn,
        {
            1: {"quorum": "peut-être"},
            2: {"fiche_id": "dcc:0"},
            3: {"guideline": None, "pps_date": "31/02/2013"},
            4: {"fiche_id": draw.load_sample(drawn).sort("line")["fiche_id"][0]},
            5: {"pps_gp": "Sans objet", "pps_date": "14/03/2013"},
        },
    )
    got = service.import_answers(drawn.id, data, "grille.xlsx", warehouse)
    reasons = dict(zip(got.quarantine["row"], got.quarantine["reasons"], strict=True))
    assert reasons == {
        3: "column 'quorum' (Quorum tracé et atteint): 'peut-être' is not one of: oui, non",
        4: f"unknown fiche 'dcc:0': it was not drawn in {drawn.id}",
        5: "column 'pps_date' (Date de remise du PPS): '31/02/2013' is not a date (AAAA-MM-JJ); "
        "column 'guideline' (Proposition conforme au référentiel régional): mandatory answer "
        "missing",
    }
    assert got.summary() == {
        "offered": n, "accepted": n - 3, "quarantined": 3, "blank": 0, "not_returned": 3,
    }  # fmt: skip
    # line 4 repeats line 1's fiche, whose own row was quarantined: the repeat is accepted once
    kept = got.answers.filter(
        pl.col("fiche_id") == draw.load_sample(drawn).sort("line")["fiche_id"][4]
    )
    assert kept.row(0, named=True)["pps_gp"] == "sans objet"
    assert kept.row(0, named=True)["pps_date"] == "2013-03-14"
    entry = audit.entries(action="audit_import")[0]
    assert (entry.detail["accepted"], entry.detail["quarantined"]) == (n - 3, 3)


def test_a_fiche_twice_is_quarantined_the_second_time(drawn: draw.Draw, warehouse: Path) -> None:
    first = draw.load_sample(drawn).sort("line")["fiche_id"][0]
    got = service.import_answers(drawn.id, completed(drawn, {2: {"fiche_id": first}}), "g.xlsx",
                                 warehouse)  # fmt: skip
    assert got.quarantine.to_dicts() == [
        {"row": 4, "fiche_id": first, "reasons": f"fiche '{first}' appears twice (first on row 3)"}
    ]


def test_files_that_are_not_the_draws_sheet_are_refused_whole(
    drawn: draw.Draw, warehouse: Path, admin: Principal
) -> None:
    other = service.new_draw("has_rcp", "2013", "rcp", 2, 6, warehouse, c3="C3-01")
    with pytest.raises(SheetRefused, match=f"sheet of draw {other.id}, not of {drawn.id}"):
        service.import_answers(drawn.id, completed(other, {}), "autre.xlsx", warehouse)
    with pytest.raises(SheetRefused, match="not an answer sheet"):
        service.import_answers(drawn.id, b"PK\x03\x04 not really", "casse.xlsx", warehouse)
    frame = pl.DataFrame({"fiche_id": ["x"], "quorum": ["oui"]})
    with pytest.raises(SheetRefused, match="column 'patient_informed' is missing"):
        service.import_answers(drawn.id, frame.write_csv().encode(), "r.csv", warehouse)
    assert not (drawn.folder / service.ANSWERS).exists()  # nothing imported
    refused = audit.entries(action="audit_import")
    assert len(refused) == 3 and all("refused" in e.detail for e in refused)


def test_a_csv_with_the_keys_imports_too(drawn: draw.Draw, warehouse: Path) -> None:
    sample = draw.load_sample(drawn)
    frame = pl.DataFrame([{"fiche_id": f, **GOOD} for f in sample["fiche_id"]])
    got = service.import_answers(drawn.id, frame.write_csv().encode(), "reponses.csv", warehouse)
    assert (got.accepted, got.quarantine.height, got.not_returned) == (sample.height, 0, 0)
