"""Grids are data: the shipped HAS grid loads with its pre-filled and auditor-only questions, and
a grid that cannot be used is refused with its file and question named."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from audits import grid
from audits.grid import GridError
from rrc.settings import PROJECT_ROOT
from warehouse.read.catalogue import load as catalogue


def test_the_has_grid() -> None:
    g = grid.load("has_rcp", set(catalogue().indicators))
    ids = [q.id for q in g.questions]
    assert ids == ["quorum", "patient_informed", "proposal_recorded", "pps_gp", "pps_date",
                   "trial_considered", "guideline"]  # fmt: skip
    assert {q.id for q in g.questions if q.prefill is None} == {"trial_considered", "guideline"}
    assert g.question("quorum").indicator == "pct_quorum_met"
    assert len(g.sha256) == 64 and grid.available() == ["has_rcp"]


@pytest.mark.parametrize(
    ("qid", "raw", "expected"),
    [
        ("quorum", " OUI ", "oui"),
        ("pps_gp", "Sans Objet", "sans objet"),
        ("pps_date", "2013-03-14 00:00:00", "2013-03-14"),
        ("pps_date", dt.datetime(2013, 3, 14, 0, 0), "2013-03-14"),
        ("guideline", "Non conforme justifiée", "non conforme justifiée"),
        ("quorum", "  ", None),
    ],
)
def test_answers_take_their_canonical_form(qid: str, raw: object, expected: str | None) -> None:
    assert grid.load("has_rcp").question(qid).parse(raw) == expected


def test_what_counts_as_compliant() -> None:
    g = grid.load("has_rcp")
    session = dt.date(2013, 3, 1)
    assert g.question("pps_date").outcome("2013-03-31", session) is True  # 30 days: on time
    assert g.question("pps_date").outcome("2013-04-01", session) is False
    assert g.question("pps_date").outcome("2013-02-28", session) is False  # before the session
    assert g.question("pps_gp").outcome("sans objet") is None
    assert g.question("guideline").outcome("pas de référentiel") is None
    assert g.question("guideline").outcome("non conforme justifiée") is True
    assert g.question("quorum").outcome(None) is None


BAD = [
    ('type = "yes_no"', 'type = "oui_non"', "type 'oui_non' is not one of"),
    ('prefill = "quorum_met"', 'prefill = "pps_date"', "prefill 'pps_date' is not a yes_no"),
    ('indicator = "pct_quorum_met"', 'indicator = "pct_nope"', "indicator 'pct_nope' is not in"),
    ('compliant = ["conforme", "non conforme justifiée"]', 'compliant = ["parfait"]',
     "must be among choices"),
    ("within_days = 30", "", "a date question needs after"),
    ('id = "trial_considered"', 'id = "quorum"', "question 'quorum': appears twice"),
    ('id = "pps_gp"', 'id = "PPS GP"', "id must be lower-case"),
    ("mandatory = true", "mandatory = 1", "mandatory must be true or false"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD, ids=[b[2][:24] for b in BAD])
def test_a_bad_grid_is_refused_naming_file_and_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config, ignore=shutil.ignore_patterns("secrets.toml"))
    path = config / "audits" / "has_rcp.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setenv("RRC_CONFIG_DIR", str(config))
    with pytest.raises(GridError, match=message) as caught:
        grid.load("has_rcp", set(catalogue().indicators))
    assert "audit grid has_rcp.toml, question" in str(caught.value)


def test_an_unknown_grid_lists_the_others() -> None:
    with pytest.raises(GridError, match="grids: has_rcp"):
        grid.load("epp_sein")
