"""`rrc cohort count|extract|replay`: research cohorts, on behalf of a user of `rrc users`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.console import console, friendly_errors
from rrc.errors import ConfigError
from rrc.settings import warehouse_dir

if TYPE_CHECKING:
    from access.policy import Principal
    from cohorts import service

app = typer.Typer(
    help="Research cohorts: attrition, pseudonymised extracts, replays (docs/cohorts.md).",
    no_args_is_help=True,
)

User = Annotated[
    str,
    typer.Option("--user", help="Who runs the command: an active account with the cohorts right."),
]
Out = Annotated[Path, typer.Option(help="Folder to write the extract into (new or empty).")]


def principal(username: str) -> Principal:
    """The account `username` as the principal of the command (it must exist and be active)."""
    from access import users

    user = users.get(username)
    if user is None or not user.active:
        raise ConfigError(
            f"no active user {username!r}",
            hint="`rrc users list` shows the accounts; `rrc users add NAME --role researcher`",
        )
    return user.principal(address="cli")


def _print_attrition(result: service.Count) -> None:
    from rich.table import Table

    table = Table("step", "criterion", "condition", "patients", "dossiers", "excluded")
    for s in result.steps:
        row = s.row()
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    note = f", counts under {result.threshold} masked" if result.masked else ""
    console.print(f"Snapshot {result.snapshot}{note}.")


def _print_done(done: service.Done, out: Path) -> None:
    e = done.extract
    console.print(
        f"Extract {e.id}: {e.patients} patients written to {out} in {done.seconds:.1f} s "
        f"(manifest.json, dictionary.yml, patients/dossiers/reasons as Parquet and CSV)."
    )


@app.command(
    name="count",
    epilog="Example:\n\n  rrc cohort count docs/cohorts/sein-2013.toml --user dana",
)
def count_cmd(definition_file: Path, user: User) -> None:
    """The attrition table of a cohort definition (.toml or .json), on the published warehouse."""
    from access.policy import acting_as
    from cohorts import definition, service

    with friendly_errors():
        chosen = definition.load(definition_file)
        with acting_as(principal(user)):
            result = service.count(chosen, warehouse_dir())
    _print_attrition(result)


@app.command(
    name="extract",
    epilog="Example:\n\n  rrc cohort extract docs/cohorts/sein-2013.toml --out extracts/sein "
    "--requester 'Dr Martin' --approval 'CNIL MR-004 2013-117' --user dana",
)
def extract_cmd(
    definition_file: Path,
    out: Out,
    requester: Annotated[str, typer.Option(help="Who asks for the extract (name, team).")],
    approval: Annotated[
        str, typer.Option(help="Ethics committee or CNIL reference of the study (mandatory).")
    ],
    user: User,
) -> None:
    """Write the pseudonymised extract of a cohort, with its data dictionary and manifest."""
    from access.policy import acting_as
    from cohorts import definition, service

    with friendly_errors():
        chosen = definition.load(definition_file)
        with acting_as(principal(user)):
            done = service.extract_cohort(chosen, requester, approval, out, warehouse_dir())
    _print_done(done, out)


@app.command(
    name="replay",
    epilog="Example:\n\n  rrc cohort replay extracts/sein/manifest.json --out /tmp/sein-again "
    "--user dana",
)
def replay_cmd(
    manifest: Path,
    out: Out,
    user: User,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="A snapshot file of <warehouse>/snapshots/ to replay on, when the published "
            "warehouse is no longer the manifest's."
        ),
    ] = None,
) -> None:
    """Extract again what a manifest describes, on its snapshot; check the files are identical."""
    from access.policy import acting_as
    from cohorts import service

    with friendly_errors(), acting_as(principal(user)):
        done = service.replay(manifest, out, warehouse_dir(), snapshot)
    _print_done(done, out)
    if done.identical:
        console.print("Every file is byte-identical to the manifest's.")
    else:
        console.print(
            f"[red]Files differ from the manifest's:[/red] {', '.join(done.differing)}. "
            "Compare the `software` versions in both manifests.",
            highlight=False,
        )
        raise typer.Exit(1)
