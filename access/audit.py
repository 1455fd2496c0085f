"""The audit trail: who did what, when (UTC) and from where.

Logins (success, failure, lock-out), logouts, refused requests (no session, CSRF, rights),
exports (and refused or unknown ones), Data Docs reads, cohort extractions, practice-audit draws,
answer sheets and imports, reports and account changes are recorded. Three locks hold the trail:

- the database refuses updates and deletes (triggers, access/store.py);
- each line carries an HMAC-SHA256 of itself, its number and the previous line's HMAC, keyed by
  a key kept outside the audit database (`[audit] key` of config/secrets.toml, or RRC_AUDIT_KEY):
  whoever edits, inserts or deletes lines and re-chains them cannot make the codes right;
- after each write, the number and code of the last line are written to an anchor file in
  another folder (RRC_AUDIT_ANCHOR, by default `audit-anchor/` beside the database), so that
  removing the last lines, which leaves a valid chain, is detected too.

`verify()` (and `rrc audit verify`, and the audit page) checks all three.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from access.store import audit, database_path, engine
from rrc.secrets import ensure_hex, read_hex

ACTIONS = (
    "login",
    "logout",
    "denied",
    "unauthenticated",
    "csrf",
    "lockout",
    "export",
    "data_docs",
    "cohort_extract",
    "cohort_count",
    "report",
    "audit_draw",
    "audit_sheet",
    "audit_import",
    "user_add",
    "user_disable",
    "user_unlock",
    "user_password",
    "totp_enrol",
    "totp_reset",
)
GENESIS = "0" * 64
FIELDS = ("at_utc", "actor", "role", "action", "target", "outcome", "address", "detail")


@dataclass(frozen=True)
class Entry:
    seq: int
    at_utc: str
    actor: str
    role: str | None
    action: str
    target: str
    outcome: str
    address: str
    detail: dict[str, Any]


class AuditBroken(ValueError):
    """The trail does not verify; `kind` and `seq` say how and where."""

    def __init__(self, kind: str, seq: int, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "chain" | "truncated" | "anchor"
        self.seq = seq


@dataclass(frozen=True)
class Verified:
    lines: int
    keyed_from: int  # lines before this one predate the keyed chain (plain SHA-256)


def key(directory: Path | None = None) -> bytes:
    return read_hex("RRC_AUDIT_KEY", "audit", "key of the audit trail's HMAC chain", directory)


def init_key(directory: Path | None = None) -> bool:
    """Add an [audit] key to config/secrets.toml unless it has one; True when created."""
    return ensure_hex("audit", directory)[1]


def anchor_path(database: Path | None = None) -> Path:
    env = os.environ.get("RRC_AUDIT_ANCHOR")
    if env:
        return Path(env)
    db = (database or database_path()).resolve()
    return db.parent / "audit-anchor" / f"{db.name}.head.json"


def _mac(secret: bytes, seq: int, prev: str, fields: dict[str, Any]) -> str:
    payload = json.dumps({"seq": seq, "prev": prev, **fields}, sort_keys=True, ensure_ascii=False)
    return hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _legacy_digest(prev: str, fields: dict[str, Any]) -> str:
    """The chain of earlier versions (SHA-256, no key), for the lines they wrote."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev + payload).encode("utf-8")).hexdigest()


def _read_anchor(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def _write_anchor(path: Path, head: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(head, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def _anchor_lock(path: Path) -> Iterator[None]:
    """One writer at a time from the line to its anchor, so anchors follow the lines' order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def record(
    actor: str,
    action: str,
    target: str,
    outcome: str = "ok",
    *,
    role: str | None = None,
    address: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    secret = key()
    fields = {
        "at_utc": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "outcome": outcome,
        "address": address or "local",
        "detail": json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
    }
    anchor = anchor_path()
    with _anchor_lock(anchor):
        head = _read_anchor(anchor)
        with engine().begin() as con:
            last = con.execute(
                sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
            ).first()
            prev = last.hash if last else GENESIS
            seq = last.seq + 1 if last else 1
            code = _mac(secret, seq, prev, fields)
            con.execute(audit.insert().values(seq=seq, **fields, prev_hash=prev, hash=code))
        keyed_from = head["keyed_from"] if head else seq  # an older trail: keyed from here on
        _write_anchor(anchor, {"seq": seq, "hash": code, "keyed_from": keyed_from})


def entries(limit: int = 1000, action: str | None = None) -> list[Entry]:
    query = sa.select(audit).order_by(audit.c.seq.desc()).limit(limit)
    if action:
        query = query.where(audit.c.action == action)
    with engine().connect() as con:
        rows = con.execute(query).all()
    return [
        Entry(
            m["seq"],
            m["at_utc"],
            m["actor"],
            m["role"],
            m["action"],
            m["target"],
            m["outcome"],
            m["address"],
            json.loads(m["detail"]),
        )
        for m in (r._mapping for r in rows)
    ]


def verify(
    database: Path | None = None, anchor: Path | None = None, secret: bytes | None = None
) -> Verified:
    """Check every line's code from the first, and the last line against the anchor; raise
    AuditBroken at the first fault. `database` may be a copy (read only, never changed)."""
    database = database or database_path()
    secret = secret if secret is not None else key()
    head = _read_anchor(anchor or anchor_path(database))
    keyed_from = int(head["keyed_from"]) if head else 1
    prev, n, last_seq = GENESIS, 0, 0
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = con.execute(
            f"select seq, {', '.join(FIELDS)}, prev_hash, hash from audit order by seq"
        )
        for row in rows:
            seq, values, row_prev, code = row[0], row[1:-2], row[-2], row[-1]
            fields = dict(zip(FIELDS, values, strict=True))
            expected_seq = last_seq + 1
            if seq < keyed_from:
                right = _legacy_digest(prev, fields)
            else:
                right = _mac(secret, seq, prev, fields)
            if seq != expected_seq or row_prev != prev or not hmac.compare_digest(code, right):
                raise AuditBroken(
                    "chain",
                    seq,
                    f"audit trail broken at line {seq}: a line was changed, inserted or removed "
                    f"(after line {last_seq}), or the chain was rebuilt without its key",
                )
            prev, n, last_seq = code, n + 1, seq
            if head and seq == int(head["seq"]) and code != head["hash"]:
                raise AuditBroken(
                    "anchor", seq, f"line {seq} differs from the anchor written when it was added"
                )
    finally:
        con.close()
    if head is None and n:
        raise AuditBroken(
            "anchor", n, f"no anchor for {n} audit lines: its file was removed or moved"
        )
    if head and last_seq < int(head["seq"]):
        raise AuditBroken(
            "truncated",
            last_seq,
            f"audit trail truncated: it ends at line {last_seq}, the anchor says {head['seq']}",
        )
    return Verified(n, keyed_from)
