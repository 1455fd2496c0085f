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
        for ddl in APPEND_ONLY:
            con.exec_driver_sql(ddl)
    return engine


def engine() -> sa.Engine:
    return _engine(str(database_path().resolve()))
