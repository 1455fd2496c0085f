"""`rrc audit`: `verify`, the audit trail checked line by line against its key and its anchor;
and the practice audits of RCP fiches (`draw`, `replay`, `list`, `sheet`, `import`, `results`,
`report`, `demo`: cli/audits.py, docs/audits.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import audits as practice
from cli.console import console, friendly_errors

app = typer.Typer(
    help="The audit trail (verify) and practice audits of RCP fiches: draw, replay, list, sheet, "
    "import, results, report, demo (docs/audits.md).",
    no_args_is_help=True,
)


@app.command(
    name="verify",
    epilog="Examples:\n\n  rrc audit verify\n\n"
    "  rrc audit verify --database /tmp/copie.sqlite --anchor /tmp/ancre.json",
)
def verify_cmd(
    database: Annotated[
        Path | None,
        typer.Option(help="The access database to check (default RRC_ACCESS_DB), e.g. a copy."),
    ] = None,
    anchor: Annotated[
        Path | None,
        typer.Option(help="Its anchor file (default RRC_AUDIT_ANCHOR, or beside the database)."),
    ] = None,
) -> None:
    """Check every line's HMAC (key: [audit] of secrets.toml, or RRC_AUDIT_KEY) and the last
    line against the anchor; exit 1 and say where at the first edit, insertion, deletion or
    truncation."""
    from access import audit

    with friendly_errors():
        try:
            result = audit.verify(database, anchor)
        except audit.AuditBroken as exc:
            console.print(f"[red]ALERT[/red]: {exc}")
            raise typer.Exit(1) from None
    older = (
        f" (lines 1-{result.keyed_from - 1} predate the keyed chain)"
        if result.keyed_from > 1
        else ""
    )
    console.print(f"Audit trail intact: {result.lines} lines{older}.")


app.registered_commands += practice.app.registered_commands
