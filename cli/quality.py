"""`rrc quality ...`: data-quality checks and their report."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import console, friendly_errors
from rrc.settings import warehouse_dir

app = typer.Typer(
    help="Data-quality checks declared as data, and their results.", no_args_is_help=True
)


@app.command(name="run", epilog="Example:\n\n  rrc quality run")
def run_cmd() -> None:
    """Run the checks: they run inside every ETL run, before publish; this runs the ETL
    incrementally so that the checks see the stores as they are now."""
    from cli.etl import run_cmd as etl_run

    etl_run(source=None, full=False, since=None, until=None)


@app.command(name="validate", epilog="Example:\n\n  rrc quality validate")
def validate_cmd() -> None:
    """Validate the published warehouse with Great Expectations and rebuild its Data Docs (what
    `rrc etl run` does after each publish, unless config/quality.toml says otherwise)."""
    from pipelines.run import validate_published
    from warehouse.publish import Warehouse

    with friendly_errors():
        wh = Warehouse(warehouse_dir())
        outcome = validate_published(wh)
    console.print(f"Great Expectations: {outcome.summary}")


@app.command(
    name="report",
    epilog="Examples:\n\n  rrc quality report\n\n  rrc quality report --failed-only",
)
def report_cmd(
    failed_only: Annotated[
        bool, typer.Option(help="Only the checks over their threshold.")
    ] = False,
) -> None:
    """Summarise the checks of the published warehouse, re-applying the current thresholds
    (config/quality_thresholds.csv) to the stored counts."""
    from rich.table import Table

    from quality.checks import statuses
    from warehouse.publish import Warehouse

    with friendly_errors():
        wh = Warehouse(warehouse_dir())
        con = wh.connect()
        try:
            status = statuses(con)
        finally:
            con.close()
    if failed_only:
        status = status.filter(status["status"] == "fail")
    table = Table(title=f"Quality checks of {wh.current()}")
    for col in (
        "check",
        "table",
        "field",
        "category",
        "severity",
        "violated",
        "rows",
        "%",
        "limit %",
        "status",
    ):
        table.add_column(
            col, justify="right" if col in ("violated", "rows", "%", "limit %") else "left"
        )
    for r in status.sort("status", "category", "check").iter_rows(named=True):
        colour = "red" if r["status"] == "fail" else "green"
        table.add_row(
            r["check"],
            r["table"],
            r["field"],
            r["category"],
            r["severity"],
            f"{r['violated']:,}",
            f"{r['denominator']:,}",
            f"{r['pct']:.2f}",
            "" if r["threshold_pct"] is None else f"{r['threshold_pct']:g}",
            f"[{colour}]{r['status']}[/{colour}]",
        )
    console.print(table)
    console.print(
        "Violating rows: quality.check_violations; quarantined rows: quality.quarantine "
        "(in the published warehouse)."
    )
    docs = wh.dir / "data_docs" / "index.html"
    console.print(
        f"Great Expectations Data Docs: {docs}"
        if docs.exists()
        else "Great Expectations Data Docs: none yet (built by `rrc etl run`)."
    )
