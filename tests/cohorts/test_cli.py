"""`rrc cohort`: acts for an existing, active account with the cohorts right; counts, extracts and
replays byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from access import audit, users
from cli.main import app
from cohorts.definition import from_dict, save
from tests.cohorts.conftest import BREAST

runner = CliRunner()


@pytest.fixture
def cli(warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(warehouse))
    users.add("alice", "researcher", None, None)
    users.add("nina", "rrc", None, None)
    return save(from_dict(BREAST), tmp_path / "sein.toml")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["cohort", *args])
    return result.exit_code, " ".join(result.output.split())


def test_count_extract_replay(cli: Path, tmp_path: Path) -> None:
    code, out = run("count", str(cli), "--user", "alice")
    assert code == 0, out
    assert "Organe" in out and "counts under 11 masked" in out
    code, out = run(
        "extract", str(cli), "--out", str(tmp_path / "x"), "--requester", "Dr Martin",
        "--approval", "CPP 13-042", "--user", "alice",
    )  # fmt: skip
    assert code == 0, out
    assert (tmp_path / "x" / "manifest.json").exists()
    code, out = run(
        "replay", str(tmp_path / "x" / "manifest.json"), "--out", str(tmp_path / "y"),
        "--user", "alice",
    )  # fmt: skip
    assert code == 0, out
    assert "byte-identical" in out
    assert [e.actor for e in audit.entries(action="cohort_extract")] == ["alice", "alice"]


def test_who_runs_it_must_exist_be_active_and_have_the_right(cli: Path) -> None:
    code, out = run("count", str(cli), "--user", "nobody")
    assert code == 1 and "no active user 'nobody'" in out and "rrc users add" in out
    users.disable("alice")
    code, out = run("count", str(cli), "--user", "alice")
    assert code == 1 and "no active user 'alice'" in out
    code, out = run("count", str(cli), "--user", "nina")
    assert code == 1 and "may not count a cohort" in out
    assert [e.actor for e in audit.entries(action="denied")] == ["nina"]


def test_extract_needs_an_approval_and_a_good_definition(cli: Path, tmp_path: Path) -> None:
    code, out = run(
        "extract", str(cli), "--out", str(tmp_path / "x"), "--requester", "Dr Martin",
        "--user", "alice",
    )  # fmt: skip
    assert code != 0 and "--approval" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[criteria]\nage = { min = 80, max = 50 }\n', encoding="utf-8")
    code, out = run("count", str(bad), "--user", "alice")
    assert code == 1 and "critère 'age'" in out
