"""The access database: user accounts and the audit trail (SQLite through SQLAlchemy).

It lives outside the warehouse, which is rebuilt and republished: `RRC_ACCESS_DB` (a file path),
by default `data/access.sqlite`. Tables are created on first use.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String, primary_key=True),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("c3_id", sa.String),
    sa.Column("password_hash", sa.String),  # null: logs in through OIDC only
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("disabled_at", sa.String),
    # raised by logout, password change, disabling and lock-out: every cookie carrying an older
    # value is refused at its next request (server-side revocation of stateless cookies)
    sa.Column("session_version", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("totp_secret", sa.String),  # base32 seed of the second factor (RFC 6238)
    sa.Column("totp_enrolled_at", sa.String),  # null while the seed is not confirmed by a code
    sa.Column("totp_last_step", sa.Integer),  # the last time step accepted: a code serves once
)

# Failed logins per account name and per client address (keys "account:<name>", "address:<ip>")
throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.Float, nullable=False),
    sa.Column("locked_until", sa.Float),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at_utc", sa.String, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("role", sa.String),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("target", sa.String, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("address", sa.String, nullable=False),
    sa.Column("detail", sa.String, nullable=False),
    sa.Column("prev_hash", sa.String, nullable=False),
    sa.Column("hash", sa.String, nullable=False),
)

# The trail is append-only: the database itself refuses to change or remove a line.
APPEND_ONLY = [
    """create trigger if not exists audit_no_update before update on audit
       begin select raise(abort, 'the audit trail is append-only'); end""",
    """create trigger if not exists audit_no_delete before delete on audit
       begin select raise(abort, 'the audit trail is append-only'); end""",
]


def database_path() -> Path:
    return Path(os.environ.get("RRC_ACCESS_DB", "data/access.sqlite"))


@cache
def _engine(path: str) -> sa.Engine:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_con, _record):  # type: ignore[no-untyped-def]
        dbapi_con.isolation_level = None  # transactions are begun below, not by the driver
        dbapi_con.execute("pragma journal_mode=wal")
        dbapi_con.execute("pragma busy_timeout=10000")

    @sa.event.listens_for(engine, "begin")
    def _begin(con):  # type: ignore[no-untyped-def]
        # every transaction takes the write lock first: two server workers appending to the
        # audit trail at once each read the last line's hash and write after it, in turn
        con.exec_driver_sql("begin immediate")

    metadata.create_all(engine)
    with engine.begin() as con:
        _add_missing_columns(con)
        for ddl in APPEND_ONLY:
            con.exec_driver_sql(ddl)
    return engine


def _add_missing_columns(con: sa.Connection) -> None:
    """An access database from an earlier version gets the columns added since (nullable or
    with a default: existing rows stay valid)."""
    for table in (users,):
        have = {r[1] for r in con.exec_driver_sql(f"pragma table_info({table.name})")}
        for column in table.columns:
            if column.name not in have:
                default = (
                    f" not null default {column.server_default.arg}"  # type: ignore[attr-defined]
                    if column.server_default is not None
                    else ""
                )
                con.exec_driver_sql(
                    f"alter table {table.name} add column {column.name} "
                    f"{column.type.compile(con.dialect)}{default}"
                )


def engine() -> sa.Engine:
    return _engine(str(database_path().resolve()))
