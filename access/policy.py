"""Roles and the principal acting in the current request (config/access.toml).

Deny by default: a principal must be set for the current context before any data is read, and a
role may do only what its table in access.toml grants. The visitor of the public pages is a
principal too, the anonymous one: its only rights are the pages of `[public]` and the queries of
the `public` scope (config/secrecy.toml), which the data-access layer enforces.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from rrc.errors import ConfigError, RRCError
from rrc.settings import load_toml

ROLES = ("admin", "rrc", "c3", "ars", "researcher")
PUBLIC = "public"  # the anonymous visitor's role, and the scope of the only queries it may run
ANONYMOUS = "(anonyme)"  # how the anonymous visitor is named in the audit trail
PUBLIC_PREFIX = "/public"  # every public page lives under it, and nothing else is public
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class AccessDenied(RRCError):
    """The principal may not do this; the message says what was refused (it goes to the audit)."""


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    pages: tuple[str, ...]
    scope: str
    nominative: bool
    row_level: bool
    exports: bool
    cohorts: bool
    audit: bool
    totp: bool  # a second factor (TOTP) is asked of its local accounts after the password
    audits: bool = False  # may draw practice audits, import their answers, read their results
    free_text: bool = False  # may read the free-text answers of surveys

    def may_open(self, path: str) -> bool:
        return "*" in self.pages or path in self.pages


@dataclass(frozen=True)
class Session:
    inactivity_minutes: int
    lifetime_hours: float


@dataclass(frozen=True)
class Login:
    """Throttling and lock-out of the login form ([login] of access.toml), per account name
    (known or not: the answer is the same) and per client address."""

    free_attempts: int  # failures in a row before any delay
    delay_seconds: float  # the first delay, doubled at each further failure
    max_delay_seconds: float
    lock_after: int  # failures in a row that lock the account name
    lock_minutes: float
    address_lock_after: int  # failures from one address, whatever the account, that lock it
    forget_minutes: float  # failures older than this are forgotten


@dataclass(frozen=True)
class Web:
    """What the boards' server trusts of a request ([web] of access.toml)."""

    trusted_proxies: tuple[str, ...]  # addresses whose X-Forwarded-For is believed
    origins: tuple[str, ...]  # the boards' public origins; empty: the one a request names


@dataclass(frozen=True)
class Public:
    """The public part of the boards ([public] of access.toml): the pages a visitor without an
    account may open, the sites that may frame them, how long their answers may be kept."""

    pages: tuple[str, ...]
    frame_ancestors: tuple[str, ...]  # origins allowed to frame the public pages; empty: none
    cache_seconds: int  # browsers and proxies may keep a public answer this long

    def role(self) -> Role:
        """The anonymous visitor's role: the public pages, the public scope, no other right."""
        return Role(
            name=PUBLIC,
            label="Public",
            pages=self.pages,
            scope=PUBLIC,
            nominative=False,
            row_level=False,
            exports=False,
            cohorts=False,
            audit=False,
            totp=False,
        )


@dataclass(frozen=True)
class Policy:
    roles: dict[str, Role]
    session: Session
    oidc: dict[str, str]
    login: Login
    web: Web
    public: Public = Public((), (), 0)

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise ConfigError(
                f"role {name!r} is not defined in access.toml",
                hint=f"use one of {', '.join(self.roles)}",
            ) from None


@cache
def load_policy(name: str = "access.toml") -> Policy:
    raw = load_toml(name)
    roles: dict[str, Role] = {}
    for rname, spec in raw.get("roles", {}).items():
        scope = spec.get("scope", "network")
        if scope not in ("network", "own_3c"):
            raise ConfigError(f"access.toml [roles.{rname}]: scope must be network or own_3c")
        sensitive = rname == "admin" or any(
            spec.get(k) for k in ("nominative", "row_level", "audit", "free_text")
        )
        if sensitive and spec.get("totp") is False:
            raise ConfigError(
                f"access.toml [roles.{rname}]: totp must be true",
                hint="administrators and roles that see nominative or row-level data, free-text "
                "survey answers or the audit trail, always need a second factor (docs/access.md)",
            )
        roles[rname] = Role(
            name=rname,
            label=spec.get("label", rname),
            pages=tuple(spec.get("pages", ())),
            scope=scope,
            nominative=bool(spec.get("nominative", False)),
            row_level=bool(spec.get("row_level", False)),
            exports=bool(spec.get("exports", False)),
            cohorts=bool(spec.get("cohorts", False)),
            audit=bool(spec.get("audit", False)),
            totp=sensitive or bool(spec.get("totp", False)),
            audits=bool(spec.get("audits", False)),
            free_text=bool(spec.get("free_text", False)),
        )
    missing = [r for r in ROLES if r not in roles]
    if missing:
        raise ConfigError(f"access.toml defines no [roles.{missing[0]}] table")
    s = raw.get("session", {})
    lg = raw.get("login", {})
    web = raw.get("web", {})
    public = _public(raw.get("public", {}))
    return Policy(
        roles=roles,
        session=Session(int(s.get("inactivity_minutes", 30)), float(s.get("lifetime_hours", 10))),
        # RRC_OIDC_ISSUER, RRC_OIDC_CLIENT_ID... override the file (one image, several networks)
        oidc={
            k: os.environ.get(f"RRC_OIDC_{k.upper()}", str(v))
            for k, v in raw.get("oidc", {}).items()
        },
        login=Login(
            free_attempts=int(lg.get("free_attempts", 3)),
            delay_seconds=float(lg.get("delay_seconds", 1)),
            max_delay_seconds=float(lg.get("max_delay_seconds", 60)),
            lock_after=int(lg.get("lock_after", 10)),
            lock_minutes=float(lg.get("lock_minutes", 15)),
            address_lock_after=int(lg.get("address_lock_after", 50)),
            forget_minutes=float(lg.get("forget_minutes", 60)),
        ),
        web=Web(
            trusted_proxies=tuple(str(a) for a in web.get("trusted_proxies", ())),
            origins=tuple(str(o).rstrip("/") for o in web.get("origins", ())),
        ),
        public=public,
    )


def _public(spec: dict[str, object]) -> Public:
    pages = tuple(str(p) for p in spec.get("pages", ()))  # type: ignore[attr-defined]
    outside = [p for p in pages if p != PUBLIC_PREFIX and not p.startswith(PUBLIC_PREFIX + "/")]
    if outside:
        raise ConfigError(
            f"access.toml [public]: pages {outside} are not under {PUBLIC_PREFIX}/",
            hint="only the public pages can be opened without an account; the boards need a role",
        )
    ancestors = tuple(str(a).rstrip("/") for a in spec.get("frame_ancestors", ()))  # type: ignore[attr-defined]
    wrong = [a for a in ancestors if not ORIGIN.fullmatch(a)]
    if wrong:
        raise ConfigError(
            f"access.toml [public]: frame_ancestors {wrong} are not origins",
            hint='write each site that may frame the public pages as "https://www.example.fr"',
        )
    seconds = int(spec.get("cache_seconds", 300))  # type: ignore[call-overload]
    if seconds < 0:
        raise ConfigError(f"access.toml [public]: cache_seconds must be 0 or more, not {seconds}")
    return Public(pages, ancestors, seconds)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user with a role, and a 3C for 3C staff."""

    username: str
    role: Role
    c3_id: str | None = None
    address: str = ""

    @property
    def secrecy(self) -> bool:
        """Small counts are masked for every role without nominative rights."""
        return not self.role.nominative

    @classmethod
    def of(cls, username: str, role: str, c3_id: str | None = None, address: str = "") -> Principal:
        r = load_policy().role(role)
        if r.scope == "own_3c" and not c3_id:
            raise ConfigError(f"user {username!r} has role {role!r} but no 3C")
        return cls(username, r, c3_id if r.scope == "own_3c" else None, address)

    @classmethod
    def anonymous(cls, address: str = "") -> Principal:
        """The visitor of the public pages: no account, the public scope only."""
        return cls(ANONYMOUS, load_policy().public.role(), None, address)

    @property
    def is_anonymous(self) -> bool:
        return self.role.scope == PUBLIC

    def require(self, permission: str, what: str) -> None:
        if not getattr(self.role, permission):
            raise AccessDenied(f"{self.username} ({self.role.name}) may not {what}")


_CURRENT: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "rrc_principal", default=None
)


def current() -> Principal:
    principal = _CURRENT.get()
    if principal is None:
        raise AccessDenied("no one is logged in: data is read on behalf of a user only")
    return principal


def set_current(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _CURRENT.set(principal)


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Run a block on behalf of `principal` (CLI commands, reports, tests)."""
    token = _CURRENT.set(principal)
    try:
        yield principal
    finally:
        _CURRENT.reset(token)
