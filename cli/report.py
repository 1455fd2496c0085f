"""`rrc report ars|3c|activite`: the yearly reports, PDF and XLSX, with statistical secrecy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.console import console, friendly_errors
from rrc.settings import warehouse_dir

if TYPE_CHECKING:
    from reports.generate import Produced

app = typer.Typer(help="Yearly reports (PDF and XLSX) from the published warehouse.")

Year = Annotated[int, typer.Option(help="The year reported on.")]
Out = Annotated[Path, typer.Option(help="Folder the PDF and XLSX are written to.")]


def _done(result: Produced) -> None:
    console.print(
        f"{result.pdf}\n{result.xlsx}\n"
        f"snapshot {result.report.snapshot}, {result.seconds:.1f} s (recorded in the audit trail)"
    )


@app.command(
    name="ars",
    epilog="Examples:\n\n  rrc report ars --year 2013\n\n  rrc report ars --year 2013 --out /tmp/a",
)
def ars_cmd(year: Year, out: Out = Path("out/reports")) -> None:
    """The regional dashboard for the ARS: key indicators by 3C, department and organ; quorum;
    trials; care offer. Aggregates only: small cells are masked."""
    from reports.generate import produce

    with friendly_errors():
        result = produce(warehouse_dir(), "ars", year, out)
    _done(result)


@app.command(
    name="3c",
    epilog="Example:\n\n  rrc report 3c --year 2013 --c3 C3-01 --out /tmp/3c",
)
def c3_cmd(
    year: Year,
    c3: Annotated[str, typer.Option("--c3", help="The 3C reported on (e.g. C3-01).")],
    out: Out = Path("out/reports"),
) -> None:
    """One 3C's activity report: its own figures only, small cells masked."""
    from reports.generate import produce

    with friendly_errors():
        result = produce(warehouse_dir(), "3c", year, out, c3)
    _done(result)


@app.command(
    name="activite",
    epilog="Examples:\n\n  rrc report activite --year 2013\n\n"
    "  rrc report activite --year 2013 --out /tmp/a",
)
def activite_cmd(year: Year, out: Out = Path("out/reports")) -> None:
    """The network's yearly activity report, in the shape of its own: the objectives of each
    strategic orientation and their follow-up (config/objectives.toml), RCP activity, trials,
    working groups, trainings, documents, website, the DCC service. Read as the network (role
    rrc): patients' counts masked or perturbed."""
    from reports.generate import produce

    with friendly_errors():
        result = produce(warehouse_dir(), "activite", year, out)
    _done(result)
