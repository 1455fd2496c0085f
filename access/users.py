"""User accounts: `rrc users add|disable|list`, password checks (argon2id), and the session
version that ends every session of an account at once (logout, password change, disabling,
lock-out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from access.policy import Principal, load_policy
from access.store import engine, users
from rrc.errors import ConfigError

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD = 12


@dataclass(frozen=True)
class User:
    username: str
    role: str
    c3_id: str | None
    active: bool
    created_at: str
    disabled_at: str | None
    has_password: bool
    session_version: int = 0
    totp_enrolled: bool = False

    @property
    def needs_totp(self) -> bool:
        """A second factor after the password: the role asks for it, or the user enrolled one."""
        return self.has_password and (self.totp_enrolled or load_policy().role(self.role).totp)

    def principal(self, address: str = "") -> Principal:
        return Principal.of(self.username, self.role, self.c3_id, address)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def add(username: str, role: str, c3_id: str | None, password: str | None) -> User:
    """Create an account. A password-less account can log in through OIDC only."""
    policy = load_policy()
    r = policy.role(role)
    if r.scope == "own_3c" and not c3_id:
        raise ConfigError(f"role {role} needs a 3C", hint="pass --c3 <id>, e.g. --c3 C3-01")
    if password is not None and len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD} characters")
    with engine().begin() as con:
        if con.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise ConfigError(
                f"user {username!r} already exists", hint="`rrc users list` shows the accounts"
            )
        con.execute(
            users.insert().values(
                username=username,
                role=role,
                c3_id=c3_id if r.scope == "own_3c" else None,
                password_hash=HASHER.hash(password) if password else None,
                active=True,
                created_at=_now(),
            )
        )
    return get(username)  # type: ignore[return-value]


def set_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD} characters")
    with engine().begin() as con:
        done = con.execute(
            users.update()
            .where(users.c.username == username)
            .values(
                password_hash=HASHER.hash(password),
                active=True,
                disabled_at=None,
                session_version=users.c.session_version + 1,
            )
        ).rowcount
    if not done:
        raise ConfigError(f"no user {username!r}", hint="`rrc users list` shows the accounts")


def disable(username: str) -> User:
    with engine().begin() as con:
        done = con.execute(
            users.update()
            .where(users.c.username == username, users.c.active.is_(True))
            .values(active=False, disabled_at=_now(), session_version=users.c.session_version + 1)
        ).rowcount
    user = get(username)
    if user is None:
        raise ConfigError(f"no user {username!r}", hint="`rrc users list` shows the accounts")
    if not done and user.active:
        raise ConfigError(f"user {username!r} could not be disabled")
    return user


def end_sessions(username: str) -> bool:
    """End every open session of the account (their cookies are refused from now on)."""
    with engine().begin() as con:
        done = con.execute(
            users.update()
            .where(users.c.username == username)
            .values(session_version=users.c.session_version + 1)
        ).rowcount
    return bool(done)


def get(username: str) -> User | None:
    with engine().connect() as con:
        row = con.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def all_users() -> list[User]:
    with engine().connect() as con:
        return [_user(r) for r in con.execute(sa.select(users).order_by(users.c.username))]


def _user(row: sa.Row) -> User:
    m = row._mapping
    return User(
        m["username"],
        m["role"],
        m["c3_id"],
        bool(m["active"]),
        m["created_at"],
        m["disabled_at"],
        m["password_hash"] is not None,
        int(m["session_version"] or 0),
        m["totp_enrolled_at"] is not None,
    )


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password this is, else None (same cost whether the user exists)."""
    with engine().connect() as con:
        row = con.execute(sa.select(users).where(users.c.username == username)).first()
    stored = row._mapping["password_hash"] if row else None
    try:
        HASHER.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or stored is None or not row._mapping["active"]:
        return None
    if HASHER.check_needs_rehash(stored):
        with engine().begin() as con:
            con.execute(
                users.update()
                .where(users.c.username == username)
                .values(password_hash=HASHER.hash(password))
            )
    return _user(row)


_DUMMY = HASHER.hash("not a password of anyone here")
