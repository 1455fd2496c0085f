"""`rrc secrets ...`: the pseudonymisation key, the boards' session key, the audit trail's key,
the statistical-secrecy noise key."""

from __future__ import annotations

import typer

from cli.console import console, friendly_errors

app = typer.Typer(help="Manage the secrets kept outside the warehouse.", no_args_is_help=True)


@app.command(name="init", epilog="Example:\n\n  rrc secrets init")
def init_cmd() -> None:
    """Create secrets.toml in the configuration folder, with random pseudonymisation, session,
    audit and statistical-secrecy keys, unless present."""
    from access import audit, session_key
    from pipelines import pseudonym
    from warehouse.read import secrecy

    with friendly_errors():
        path, created = pseudonym.init()
        if session_key.init():
            console.print(f"Created the boards' session key in {path}.")
        if audit.init_key():
            console.print(
                f"Created the audit trail's key in {path} (keep it: `rrc audit verify` "
                "needs it; keep it away from the access database's backups)."
            )
        if secrecy.init_key():
            console.print(
                f"Created the statistical-secrecy noise key in {path} (keep it secret: with it, "
                "the noise on published counts can be taken off)."
            )
    if created:
        console.print(
            f"Created a pseudonymisation key in {path} (keep it: patient keys depend "
            "on it; never commit it)."
        )
    else:
        console.print(f"{path} already holds a pseudonymisation key; nothing changed.")
