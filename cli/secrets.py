"""`rrc secrets ...`: the pseudonymisation key and the boards' session key."""

from __future__ import annotations

import typer

from cli.console import console, friendly_errors

app = typer.Typer(help="Manage the secrets kept outside the warehouse.", no_args_is_help=True)


@app.command(name="init", epilog="Example:\n\n  rrc secrets init")
def init_cmd() -> None:
    """Create config/secrets.toml with random pseudonymisation and session keys, unless present."""
    from access import session_key
    from pipelines import pseudonym

    with friendly_errors():
        path, created = pseudonym.init()
        if session_key.init():
            console.print(f"Created the boards' session key in {path}.")
    if created:
        console.print(
            f"Created a pseudonymisation key in {path} (keep it: patient keys depend "
            "on it; never commit it)."
        )
    else:
        console.print(f"{path} already holds a pseudonymisation key; nothing changed.")
