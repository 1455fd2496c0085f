"""`rrc geo ...`: outlines for the care-offer map."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import console, friendly_errors

app = typer.Typer(help="Outlines of departments and communes for the map.", no_args_is_help=True)


@app.command(
    name="fetch",
    epilog="Examples:\n\n  rrc geo fetch\n\n  rrc geo fetch --base-url http://127.0.0.1:8000/geo",
)
def fetch_cmd(
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Where the GeoJSON files are published (default: base_url in config/geo.toml)."
        ),
    ] = None,
) -> None:
    """Download the open IGN/INSEE outlines of the configured departments and communes."""
    from dashboards import geo

    with friendly_errors():
        paths = geo.fetch(base_url)
    for p in paths:
        console.print(f"wrote {p}")
