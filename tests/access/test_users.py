"""Accounts: `rrc users add|disable|list|demo`, argon2 hashes, and their audit lines."""

from __future__ import annotations

import re
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


def test_demo_prints_working_second_factor_keys_and_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyotp

    from access import totp

    out = runner.invoke(app, ["users", "demo"]).output
    seed = re.search(r"Second factor of demo-admin \(TOTP key\): ([A-Z2-7]{32})", out).group(1)  # type: ignore[union-attr]
    assert "rrc users demo-code demo-admin" in " ".join(out.split())
    code = runner.invoke(app, ["users", "demo-code", "demo-admin"]).output
    assert pyotp.TOTP(seed).now() in code
    assert totp.check("demo-admin", pyotp.TOTP(seed).now())
    assert not totp.check("demo-admin", pyotp.TOTP(seed).now())  # a code serves once
    assert "Second factor of demo-rrc" not in out  # roles without a second factor
    r = runner.invoke(app, ["users", "demo-code", "alice"])
    assert r.exit_code != 0 and "not a demo account" in r.output
    monkeypatch.setenv("RRC_ENV", "production")
    for argv in (["users", "demo"], ["users", "demo-code", "demo-admin"]):
        r = runner.invoke(app, argv)
        assert r.exit_code != 0 and "RRC_ENV=production" in r.output


def test_password_and_second_factor_reset_by_the_administrator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from access import totp

    users.add("eve", "admin", None, "un mot de passe long")
    totp.enrol("eve", totp.new_seed())
    version = users.get("eve").session_version  # type: ignore[union-attr]
    monkeypatch.setenv("RRC_NEW_PASSWORD", "un autre mot de passe long")
    assert runner.invoke(app, ["users", "password", "eve"]).exit_code == 0
    assert users.authenticate("eve", "un autre mot de passe long") is not None
    assert runner.invoke(app, ["users", "reset-totp", "eve"]).exit_code == 0
    eve = users.get("eve")
    assert eve is not None and not eve.totp_enrolled and eve.needs_totp  # enrols at next login
    assert eve.session_version == version + 2  # each change ended the open sessions
    assert [e.action for e in audit.entries()][:2] == ["totp_reset", "user_password"]
    r = runner.invoke(app, ["users", "unlock"])
    assert r.exit_code != 0 and "--address" in r.output
