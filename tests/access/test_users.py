"""Accounts: `rrc users add|disable|list|demo`, argon2 hashes, and their audit lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from access import audit, store, users
from cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def access_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.sqlite"
    monkeypatch.setenv("RRC_ACCESS_DB", str(path))
    return path


def test_add_list_disable(access_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRC_NEW_PASSWORD", "un mot de passe long")
    r = runner.invoke(app, ["users", "add", "bea", "--role", "c3", "--c3", "C3-02"])
    assert r.exit_code == 0, r.output
    listed = runner.invoke(app, ["users", "list"]).output
    assert "bea" in listed and "C3-02" in listed and "yes" in listed
    assert users.authenticate("bea", "un mot de passe long") is not None
    assert users.authenticate("bea", "un autre mot de passe") is None
    with store.engine().connect() as con:
        stored = con.exec_driver_sql("select password_hash from users").scalar_one()
    assert stored.startswith("$argon2id$") and "long" not in stored
    assert runner.invoke(app, ["users", "disable", "bea"]).exit_code == 0
    assert users.authenticate("bea", "un mot de passe long") is None
    assert [e.action for e in audit.entries()][:2] == ["user_disable", "user_add"]


def test_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRC_NEW_PASSWORD", "court")
    r = runner.invoke(app, ["users", "add", "x", "--role", "c3"])
    assert r.exit_code != 0 and "--c3" in r.output
    r = runner.invoke(app, ["users", "add", "x", "--role", "chef"])
    assert r.exit_code != 0 and "researcher" in r.output
    r = runner.invoke(app, ["users", "add", "x", "--role", "rrc"])
    assert r.exit_code != 0 and "12 characters" in r.output
    r = runner.invoke(app, ["users", "disable", "nobody"])
    assert r.exit_code != 0 and "rrc users list" in r.output


def test_demo_creates_one_account_per_role_and_prints_working_passwords() -> None:
    out = runner.invoke(app, ["users", "demo"]).output
    rows = [line.split("│") for line in out.splitlines() if line.count("│") == 5]
    accounts = {cells[1].strip(): cells[4].strip() for cells in rows}
    assert {u.role for u in users.all_users()} == {"admin", "rrc", "c3", "ars", "researcher"}
    for name, password in accounts.items():
        assert users.authenticate(name, password) is not None, name
