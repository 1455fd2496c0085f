"""The audit trail: who did what, when (UTC) and from where.

Logins (success and failure), logouts, denied accesses, exports, cohort extractions and reports
are recorded. The trail is append-only (database triggers refuse updates and deletes) and each
line carries the SHA-256 of the previous one, so `verify()` detects a line removed or altered by
hand in the file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from access.store import audit, engine

ACTIONS = (
    "login",
    "logout",
    "denied",
    "export",
    "cohort_extract",
    "report",
    "user_add",
    "user_disable",
)
GENESIS = "0" * 64


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


def _digest(prev: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((prev + payload).encode("utf-8")).hexdigest()


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
    with engine().begin() as con:
        last = con.execute(sa.select(audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
        prev = last[0] if last else GENESIS
        con.execute(audit.insert().values(**fields, prev_hash=prev, hash=_digest(prev, fields)))


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


def verify() -> int:
    """Check the hash chain from the first line; the number of lines, or ValueError at a break."""
    prev = GENESIS
    n = 0
    with engine().connect() as con:
        for row in con.execute(sa.select(audit).order_by(audit.c.seq)):
            m = row._mapping
            fields = {k: m[k] for k in ("at_utc", "actor", "role", "action", "target")}
            fields |= {k: m[k] for k in ("outcome", "address", "detail")}
            if m["prev_hash"] != prev or m["hash"] != _digest(prev, fields):
                raise ValueError(f"audit trail broken at line {m['seq']}")
            prev, n = m["hash"], n + 1
    return n
