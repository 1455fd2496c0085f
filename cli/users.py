"""`rrc users add|disable|list`: accounts of the boards."""

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
    """Disable an account: its sessions end at their next request."""
    from access import audit, users

    with friendly_errors():
        users.disable(username)
        audit.record(getpass.getuser(), "user_disable", username)
    console.print(f"User {username} disabled.")


DEMO = {
    "demo-admin": ("admin", None),
    "demo-rrc": ("rrc", None),
    "demo-3c": ("c3", "C3-01"),
    "demo-ars": ("ars", None),
    "demo-chercheur": ("researcher", None),
}


@app.command(name="demo", epilog="Example:\n\n  rrc users demo")
def demo_cmd() -> None:
    """One demo account per role, with fresh random passwords, printed (demo only)."""
    from rich.table import Table

    from access import audit, users

    table = Table("user", "role", "3C", "password")
    with friendly_errors():
        for name, (role, c3) in DEMO.items():
            password = secrets.token_urlsafe(12)
            if users.get(name) is None:
                users.add(name, role, c3, password)
                audit.record(getpass.getuser(), "user_add", name, detail={"role": role})
            else:
                users.set_password(name, password)
            table.add_row(name, role, c3 or "", password)
    console.print("Demo accounts (one per role; passwords are new at each run):")
    console.print(table)


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
