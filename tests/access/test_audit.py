"""The audit trail under an attacker who holds a copy of the access database (not the key, not
the anchor): with the triggers dropped, every rewrite is caught by `rrc audit verify`."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from access import audit
from cli.main import app

runner = CliRunner()


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A trail of a morning: logins (one failed), an export, a logout."""
    db = tmp_path / "data" / "access.sqlite"
    monkeypatch.setenv("RRC_ACCESS_DB", str(db))
    monkeypatch.delenv("RRC_AUDIT_ANCHOR", raising=False)
    audit.record("alice", "login", "password", role="rrc", address="10.0.0.1")
    audit.record("mallory", "login", "password", "failed", address="10.0.0.66")
    audit.record("mallory", "login", "password", "failed", address="10.0.0.66")
    audit.record("alice", "export", "dossiers/organe.csv", role="rrc", detail={"f": "?a=1"})
    audit.record("bob", "login", "password+totp", role="admin", address="10.0.0.2")
    audit.record("alice", "logout", "session", address="10.0.0.1")
    return db


def _copy(db: Path, tmp_path: Path) -> Path:
    """The attacker's working copy, triggers dropped."""
    copy = tmp_path / "copie.sqlite"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as con:
        con.execute("drop trigger audit_no_update")
        con.execute("drop trigger audit_no_delete")
    return copy


def _rechain(con: sqlite3.Connection) -> None:
    """Recompute every line's code as the attacker can: the unkeyed SHA-256 chain of before."""
    prev = audit.GENESIS
    columns = ", ".join(audit.FIELDS)
    rows = con.execute(f"select seq, {columns} from audit order by seq").fetchall()
    for new_seq, row in enumerate(rows, start=1):
        fields = dict(zip(audit.FIELDS, row[1:], strict=True))
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        code = hashlib.sha256((prev + payload).encode()).hexdigest()
        con.execute(
            "update audit set seq = ?, prev_hash = ?, hash = ? where seq = ?",
            (-new_seq, prev, code, row[0]),
        )
        prev = code
    con.execute("update audit set seq = -seq")


def _truncate(con: sqlite3.Connection) -> None:
    con.execute("delete from audit where seq > 4")


def _drop_failures_and_rechain(con: sqlite3.Connection) -> None:
    con.execute("delete from audit where outcome = 'failed'")
    _rechain(con)


def _change_actor(con: sqlite3.Connection) -> None:
    con.execute("update audit set actor = 'bob' where action = 'export'")
    _rechain(con)


def _change_actor_keep_codes(con: sqlite3.Connection) -> None:
    con.execute("update audit set actor = 'bob' where action = 'export'")


def _insert_login(con: sqlite3.Connection) -> None:
    con.execute("update audit set seq = seq + 100 where seq >= 3")
    con.execute(
        "insert into audit (seq, at_utc, actor, role, action, target, outcome, address, detail,"
        " prev_hash, hash) select 102, at_utc, 'carol', 'admin', 'login', 'password', 'ok',"
        " '10.0.0.3', '{}', '', '' from audit where seq = 2"
    )
    _rechain(con)


def _forge_with_a_guessed_key(con: sqlite3.Connection) -> None:
    con.execute("update audit set actor = 'bob' where action = 'export'")
    prev = audit.GENESIS
    columns = ", ".join(audit.FIELDS)
    for row in con.execute(f"select seq, {columns} from audit order by seq").fetchall():
        fields = dict(zip(audit.FIELDS, row[1:], strict=True))
        code = audit._mac(b"\x00" * 32, row[0], prev, fields)
        con.execute("update audit set prev_hash = ?, hash = ? where seq = ?", (prev, code, row[0]))
        prev = code


CASES: dict[str, tuple[Callable[[sqlite3.Connection], None], str]] = {
    "truncation": (_truncate, "truncated"),
    "failed logins deleted, chain rebuilt": (_drop_failures_and_rechain, "broken at line 1"),
    "export's actor changed, chain rebuilt": (_change_actor, "broken at line 1"),
    "export's actor changed": (_change_actor_keep_codes, "broken at line 4"),
    "forged login inserted, chain rebuilt": (_insert_login, "broken at line 1"),
    "chain rebuilt with a guessed key": (_forge_with_a_guessed_key, "broken at line 1"),
}


def test_an_untouched_copy_verifies(trail: Path, tmp_path: Path) -> None:
    copy = _copy(trail, tmp_path)
    anchor = audit.anchor_path(trail)
    assert anchor.parent != trail.parent  # the anchor lives in another folder
    r = runner.invoke(app, ["audit", "verify", "--database", str(copy), "--anchor", str(anchor)])
    assert r.exit_code == 0 and "intact: 6 lines" in r.output, r.output
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0  # the trail itself


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_every_rewrite_is_detected(trail: Path, tmp_path: Path, case: str) -> None:
    tamper, said = CASES[case]
    copy = _copy(trail, tmp_path)
    with sqlite3.connect(copy) as con:
        tamper(con)
    anchor = audit.anchor_path(trail)
    r = runner.invoke(app, ["audit", "verify", "--database", str(copy), "--anchor", str(anchor)])
    assert r.exit_code == 1 and said in " ".join(r.output.split()), r.output


def test_a_missing_anchor_or_key_is_not_silence(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy(trail, tmp_path)
    r = runner.invoke(
        app, ["audit", "verify", "--database", str(copy), "--anchor", str(tmp_path / "none")]
    )
    assert r.exit_code == 1 and "no anchor" in r.output
    monkeypatch.setenv("RRC_AUDIT_KEY", "b8" * 32)  # another key: nothing verifies
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 1
    monkeypatch.setenv("RRC_CONFIG_DIR", str(tmp_path))  # no secrets file, no variable
    monkeypatch.delenv("RRC_AUDIT_KEY")
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code != 0 and "rrc secrets init" in r.output


def test_a_trail_of_an_earlier_version_is_keyed_from_its_next_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines written by the unkeyed version stay verifiable (SHA-256), and the keyed chain starts
    after them: they can no more be changed, since the first keyed line covers the last."""
    db = tmp_path / "access.sqlite"
    monkeypatch.setenv("RRC_ACCESS_DB", str(db))
    audit.record("old", "login", "password")
    audit.anchor_path(db).unlink()
    with sqlite3.connect(db) as con:  # what the earlier version had written
        con.execute("drop trigger audit_no_update")
        _rechain(con)
    audit.record("new", "login", "password")
    result = audit.verify()
    assert (result.lines, result.keyed_from) == (2, 2)
    with sqlite3.connect(db) as con:
        con.execute("update audit set actor = 'autre' where seq = 1")
        _rechain(con)
    with pytest.raises(audit.AuditBroken, match="line 2"):
        audit.verify()
