"""`rrc audit`: `verify` still checks the trail; draw, replay, list, sheet, import, results and
report act for an existing account with the audits right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from access import audit, users
from audits import draw, sheet
from audits.service import grid_of
from cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(warehouse))
    users.add("dana", "rrc", None, None)
    users.add("chloe", "c3", "C3-03", None)
    users.add("ray", "researcher", None, None)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args])
    return result.exit_code, " ".join(result.output.split())


def test_draw_replay_sheet_import_results_report(cli: None, stores: Path, tmp_path: Path) -> None:
    code, out = run("draw", "has_rcp", "--period", "2013", "--per", "rcp", "--n", "3",
                    "--seed", "4", "--c3", "C3-03", "--user", "dana")  # fmt: skip
    assert code == 0, out
    draw_id = re.search(r"Draw (audit-[0-9a-f]{12})", out).group(1)
    d = draw.read(stores / draw_id)
    code, out = run("replay", str(d.folder / "manifest.json"), "--out", str(tmp_path / "r"),
                    "--user", "chloe")  # fmt: skip
    assert code == 0 and "byte-identical" in out, out
    code, out = run("list", "--user", "chloe")
    assert code == 0 and draw_id in out
    code, out = run("sheet", draw_id, "--out", str(tmp_path / "g.xlsx"), "--user", "chloe")
    assert code == 0 and "not nominative" in out, out
    sample = draw.load_sample(d)
    answers = {"quorum": "oui", "patient_informed": "non", "proposal_recorded": "oui",
               "pps_gp": "oui", "pps_date": None, "trial_considered": "oui",
               "guideline": "pas de référentiel"}  # fmt: skip
    filled = {int(r["line"]): {"fiche_id": r["fiche_id"], **answers} for r in sample.to_dicts()}
    filled[1]["trial_considered"] = "bof"
    (tmp_path / "done.xlsx").write_bytes(
        sheet.build(grid_of("has_rcp"), draw_id, sample, None, filled)
    )
    code, out = run("import", draw_id, str(tmp_path / "done.xlsx"), "--user", "chloe")
    assert code == 0, out  # the row quarantined is named, the others are kept
    assert "row 3" in out and "'bof' is not one of: oui, non" in out
    assert f"{sample.height - 1} accepted, 1 quarantined" in out
    code, out = run("results", draw_id, "--user", "chloe")
    assert code == 0 and "trial_cons" in out and "< 11" in out, out
    code, out = run("report", draw_id, "--out", str(tmp_path / "rep"), "--user", "dana")
    assert code == 0, out
    assert (tmp_path / "rep" / f"rapport-{draw_id}.pdf").stat().st_size > 5000
    assert (tmp_path / "rep" / f"rapport-{draw_id}.xlsx").exists()
    kinds = [e.action for e in reversed(audit.entries())]
    assert kinds == ["audit_draw", "audit_draw", "audit_sheet", "audit_import", "report"]


def test_refusals_and_the_audit_trail_check_beside(cli: None, tmp_path: Path) -> None:
    code, out = run("draw", "has_rcp", "--period", "2013", "--user", "ray")
    assert code == 1 and "no audits right" in out
    code, out = run("draw", "has_rcp", "--period", "2013", "--c3", "C3-01", "--user", "chloe")
    assert code == 1 and "own 3C (C3-03)" in out
    code, out = run("draw", "has_rcp", "--period", "2013", "--user", "chloe")
    assert code == 0, out
    draw_id = re.search(r"Draw (audit-[0-9a-f]{12})", out).group(1)
    (tmp_path / "x.csv").write_text("fiche_id,quorum\ndcc:1,oui\n", encoding="utf-8")
    code, out = run("import", draw_id, str(tmp_path / "x.csv"), "--user", "chloe")
    assert code == 1 and "x.csv: column 'patient_informed' is missing" in out, out
    code, out = run("verify")
    assert code == 0 and "Audit trail intact: 4 lines" in out, out
