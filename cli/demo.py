"""`rrc demo ...`: the embedded demo region."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.console import console, friendly_errors, steps

app = typer.Typer(
    help="Build the embedded demo region in real operational stores.", no_args_is_help=True
)


@app.command(
    name="generate",
    epilog=(
        "Examples:\n\n"
        "  rrc demo generate --out data/demo\n\n"
        "  rrc demo generate --out /tmp/nat --years 2016-2025 --scale national "
        "--target postgresql+psycopg://postgres@127.0.0.1/rrc_bench\n\n"
        "  rrc demo generate --out /tmp/clean --clean --seed 7\n\n"
        "  rrc demo generate --out /tmp/twin --no-cda"
    ),
)
def generate_cmd(
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for SQLite stores, spreadsheets, registry, "
            "directory and the defect manifest."
        ),
    ] = Path("data/demo"),
    years: Annotated[
        str, typer.Option(help="Years of RCP activity, e.g. 2011-2014.")
    ] = "2011-2014",
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives identical stores.")
    ] = 2013,
    scale: Annotated[
        str,
        typer.Option(
            help="'region' (Auvergne, ~20,700 dossiers a year), "
            "'national' (25 networks, ~1M a year) or a factor "
            "of the region."
        ),
    ] = "region",
    target: Annotated[
        str,
        typer.Option(
            help="'sqlite' (files in --out) or a SQLAlchemy URL of "
            "an existing PostgreSQL or MariaDB database."
        ),
    ] = "sqlite",
    clean: Annotated[bool, typer.Option(help="Inject no defects.")] = False,
    cda: Annotated[
        bool,
        typer.Option(
            help="Write the 3C whose DCC exports national Fiche RCP and PPS documents (CDA) "
            "as documents in --out/cda; --no-cda writes it into the regional DCC database "
            "instead, the same rows and defects (its database twin)."
        ),
    ] = True,
) -> None:
    """Generate the demo networks and write them into their operational stores."""
    from demo.dataset import Scale
    from demo.generate import Request, generate, parse_years, step_count

    with friendly_errors():
        first, last = parse_years(years)
        request = Request(
            out=out,
            first_year=first,
            last_year=last,
            seed=seed,
            scale=Scale.parse(scale),
            target=target,
            clean=clean,
            cda=cda,
        )
        started = time.perf_counter()
        with steps(step_count(request), "Generating") as step:
            summary = generate(request, progress=step)
        elapsed = time.perf_counter() - started
    _print_summary(summary, out, elapsed)


def _print_summary(summary: dict, out: Path, elapsed: float) -> None:
    from rich.table import Table

    table = Table(title=f"Demo region written in {elapsed:.1f} s")
    table.add_column("year")
    table.add_column("dossiers", justify="right")
    table.add_column("distinct patients", justify="right")
    table.add_column("new patients", justify="right")
    for year, row in summary["calibration"].items():
        table.add_row(
            year, f"{row['dossiers']:,}", f"{row['patients']:,}", f"{row['new_patients']:,}"
        )
    console.print(table)
    stores = Table(title="Operational stores")
    stores.add_column("store")
    stores.add_column("where")
    stores.add_column("rows", justify="right")
    for name, url in summary["stores"].items():
        stores.add_row(name, url, f"{sum(summary['rows'][name].values()):,}")
    stores.add_row("spreadsheets", str(out / "sheets"), "")
    stores.add_row("trial registry", str(out / "registry"), "")
    stores.add_row("directory", str(out / "directory"), "")
    stores.add_row("Fiche RCP and PPS (CDA)", str(out / "cda"), "")
    console.print(stores)
    console.print(f"Defect manifest: {out / 'defects_manifest.json'}")
