"""`rrc users add|disable|list|unlock|password|reset-totp|demo|demo-code`: accounts of the
boards."""

from __future__ import annotations

import getpass
import os
import secrets
from typing import Annotated

import typer

from access.policy import ROLES, load_policy
from cli.console import console, friendly_errors
from rrc.errors import ConfigError

app = typer.Typer(help="Manage the boards' user accounts.", no_args_is_help=True)


@app.command(
    name="add",
    epilog="Examples:\n\n  rrc users add alice --role rrc\n\n"
    "  rrc users add dana --role researcher\n\n"
    "  rrc users add bob --role c3 --c3 C3-01\n\n"
    "  rrc users add carol --role ars --oidc-only",
)
def add_cmd(
    username: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    c3: Annotated[str | None, typer.Option(help="The user's 3C (role c3).")] = None,
    oidc_only: Annotated[bool, typer.Option(help="No password: logs in through OIDC.")] = False,
) -> None:
    """Create an account. The password is asked for (or read from RRC_NEW_PASSWORD)."""
    from access import audit, users

    with friendly_errors():
        if load_policy().role(role).scope == "own_3c" and not c3:
            raise ConfigError(f"role {role} needs a 3C", hint="pass --c3 <id>, e.g. --c3 C3-01")
        password = None
        if not oidc_only:
            password = os.environ.get("RRC_NEW_PASSWORD") or getpass.getpass("Password: ")
        user = users.add(username, role, c3, password)
        audit.record(
            getpass.getuser(), "user_add", username, detail={"role": role, "c3": user.c3_id}
        )
    console.print(f"User {user.username} created with role {user.role}.")


@app.command(name="disable", epilog="Example:\n\n  rrc users disable alice")
def disable_cmd(username: str) -> None:
    """Disable an account: its sessions end at once."""
    from access import audit, users

    with friendly_errors():
        users.disable(username)
        audit.record(getpass.getuser(), "user_disable", username)
    console.print(f"User {username} disabled.")


@app.command(
    name="unlock",
    epilog="Examples:\n\n  rrc users unlock alice\n\n  rrc users unlock --address 192.0.2.10",
)
def unlock_cmd(
    username: Annotated[str | None, typer.Argument(help="The account name to unlock.")] = None,
    address: Annotated[str | None, typer.Option(help="A client address to unlock.")] = None,
) -> None:
    """Lift the lock (and forget the failures) of an account name or a client address, after
    too many failed logins (config/access.toml [login])."""
    from access import audit, throttle

    with friendly_errors():
        if not username and not address:
            raise ConfigError("name an account or an --address to unlock")
        lifted = throttle.unlock(username, address)
        audit.record(
            getpass.getuser(),
            "user_unlock",
            username or f"address:{address}",
            detail={"address": address or "", "cleared": lifted},
        )
    console.print(f"Unlocked {username or address} ({lifted} failure count(s) cleared).")


@app.command(name="password", epilog="Example:\n\n  rrc users password alice")
def password_cmd(username: str) -> None:
    """Set a new password (asked for, or read from RRC_NEW_PASSWORD); every open session of the
    account ends."""
    from access import audit, users

    with friendly_errors():
        if users.get(username) is None:
            raise ConfigError(f"no user {username!r}", hint="`rrc users list` shows the accounts")
        password = os.environ.get("RRC_NEW_PASSWORD") or getpass.getpass("New password: ")
        users.set_password(username, password)
        audit.record(getpass.getuser(), "user_password", username)
    console.print(f"Password of {username} changed; its sessions are closed.")


@app.command(name="reset-totp", epilog="Example:\n\n  rrc users reset-totp alice")
def reset_totp_cmd(username: str) -> None:
    """Forget an account's second factor (a lost phone): it enrols a new one at its next login,
    after its password. Its open sessions end."""
    from access import audit, totp

    with friendly_errors():
        if not totp.reset(username):
            raise ConfigError(f"no user {username!r}", hint="`rrc users list` shows the accounts")
        audit.record(getpass.getuser(), "totp_reset", username)
    console.print(f"Second factor of {username} reset: a new one is enrolled at its next login.")


DEMO = {
    "demo-admin": ("admin", None),
    "demo-rrc": ("rrc", None),
    "demo-3c": ("c3", "C3-01"),
    "demo-ars": ("ars", None),
    "demo-chercheur": ("researcher", None),
}


def _not_in_production(what: str) -> None:
    from rrc.settings import production

    if production():
        raise ConfigError(
            f"{what} is for the demo only and is refused when RRC_ENV=production",
            hint="create real accounts with `rrc users add`",
        )


@app.command(name="demo", epilog="Example:\n\n  rrc users demo")
def demo_cmd() -> None:
    """One demo account per role, with fresh random passwords and, for the roles that need a
    second factor, a fresh TOTP key, printed (demo only: refused when RRC_ENV=production)."""
    from rich.table import Table

    from access import audit, totp, users

    table = Table("user", "role", "3C", "password")
    keys: dict[str, str] = {}
    with friendly_errors():
        _not_in_production("`rrc users demo`")
        for name, (role, c3) in DEMO.items():
            password = secrets.token_urlsafe(12)
            if users.get(name) is None:
                users.add(name, role, c3, password)
                audit.record(getpass.getuser(), "user_add", name, detail={"role": role})
            else:
                users.set_password(name, password)
            if load_policy().role(role).totp:
                keys[name] = totp.new_seed()
                totp.enrol(name, keys[name])
            table.add_row(name, role, c3 or "", password)
    console.print("Demo accounts (one per role; passwords and keys are new at each run):")
    console.print(table)
    for name, seed in keys.items():
        console.print(f"Second factor of {name} (TOTP key): {seed}")
    if keys:
        console.print(
            "These accounts ask for a 6-digit code after the password: add the key to an "
            "authenticator app, or print the current code with "
            f"`.venv/bin/rrc users demo-code {next(iter(keys))}`."
        )


@app.command(name="demo-code", epilog="Example:\n\n  rrc users demo-code demo-admin")
def demo_code_cmd(username: str) -> None:
    """The current second-factor code of a demo account (the demo only: refused when
    RRC_ENV=production, and for any account `rrc users demo` did not create)."""
    from access import totp

    with friendly_errors():
        _not_in_production("`rrc users demo-code`")
        if username not in DEMO:
            raise ConfigError(
                f"{username!r} is not a demo account", hint=f"one of {', '.join(DEMO)}"
            )
        try:
            code = totp.code_now(username)
        except KeyError:
            raise ConfigError(
                f"{username} has no second factor", hint="run `rrc users demo` first"
            ) from None
    console.print(f"Code of {username} now: {code} (valid for this 30-second period)")


@app.command(name="list", epilog="Example:\n\n  rrc users list")
def list_cmd() -> None:
    """The accounts, their role, 3C and state."""
    from rich.table import Table

    from access import users

    table = Table("user", "role", "3C", "login", "active", "created (UTC)", "disabled (UTC)")
    with friendly_errors():
        for u in users.all_users():
            table.add_row(
                u.username,
                u.role,
                u.c3_id or "",
                "password" if u.has_password else "OIDC",
                "yes" if u.active else "no",
                u.created_at,
                u.disabled_at or "",
            )
    console.print(table)
