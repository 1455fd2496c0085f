"""Entry point of the `rrc` command."""

from __future__ import annotations

import typer

from cli import audit, cohort, demo, etl, geo, quality, report, secrets, serve, users, warehouse

app = typer.Typer(
    name="rrc",
    help="Analytics platform for regional cancer networks (RRC): demo data, ETL, quality, boards.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    epilog="Example: rrc demo generate --out data/demo --years 2011-2014",
)
app.add_typer(audit.app, name="audit")
app.add_typer(cohort.app, name="cohort")
app.add_typer(demo.app, name="demo")
app.add_typer(etl.app, name="etl")
app.add_typer(geo.app, name="geo")
app.add_typer(quality.app, name="quality")
app.add_typer(secrets.app, name="secrets")
app.add_typer(warehouse.app, name="warehouse")
app.add_typer(users.app, name="users")
app.add_typer(report.app, name="report")
app.registered_commands += serve.app.registered_commands


if __name__ == "__main__":  # pragma: no cover
    app()
