"""`rrc audit draw|replay|list|sheet|import|results|report|demo`: practice audits of RCP
fiches (docs/audits.md), beside `rrc audit verify` (the audit trail), on behalf of a user of
`rrc users`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.cohort import principal
from cli.console import console, friendly_errors
from rrc.settings import warehouse_dir

if TYPE_CHECKING:
    from audits.answers import Imported
    from audits.draw import Draw

app = typer.Typer()

User = Annotated[
    str,
    typer.Option("--user", help="Who runs the command: an active account with the audits right."),
]
DrawId = Annotated[str, typer.Argument(help="The draw's id (audit-…), see `rrc audit list`.")]


def _print_draw(d: Draw) -> None:
    from rich.table import Table

    m = d.manifest
    table = Table(m["per"]["label"], "libellé", "fiches du cadre", "tirées", "probabilité")
    for s in m["strata"]:
        table.add_row(
            s["stratum"],
            s["label"],
            str(s["frame_size"]),
            str(s["drawn"]),
            f"{s['probability']:.4f}",
        )
    console.print(table)
    console.print(
        f"Draw {d.id}: {m['drawn']} fiches of {m['frame']} (snapshot {m['snapshot']['id']}, "
        f"seed {m['request']['seed']}), in {d.folder}."
    )


@app.command(
    name="draw",
    epilog="Example:\n\n  rrc audit draw has_rcp --period 2013 --per rcp --n 10 --seed 7 "
    "--c3 C3-01 --user alice",
)
def draw_cmd(
    grid: Annotated[str, typer.Argument(help="The grid: a file of config/audits/ (e.g. has_rcp).")],
    period: Annotated[str, typer.Option(help="A year (2013) or START..END in ISO dates.")],
    user: User,
    per: Annotated[str, typer.Option(help="Strata: rcp, organ or 3c.")] = "rcp",
    n: Annotated[int, typer.Option("--n", help="Fiches drawn per stratum (all when fewer).")] = 5,
    seed: Annotated[int, typer.Option(help="The seed: the same seed draws the same fiches.")] = 1,
    c3: Annotated[
        str | None, typer.Option("--c3", help="Draw within one 3C (forced for 3C users).")
    ] = None,
) -> None:
    """A stratified random sample of fiches from the published warehouse, with its manifest
    (snapshot, seed, frame size and probability per stratum); recorded in the audit trail."""
    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        d = service.new_draw(grid, period, per, n, seed, warehouse_dir(), c3)
    _print_draw(d)


@app.command(
    name="replay",
    epilog="Example:\n\n  rrc audit replay data/audits/audit-0123456789ab/manifest.json "
    "--out replays/ --user alice",
)
def replay_cmd(
    manifest: Path,
    user: User,
    out: Annotated[Path, typer.Option(help="Folder to draw again into (not the draw's own).")],
) -> None:
    """Draw again what a manifest describes, on its snapshot; check every file is identical."""
    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        done = service.replay(manifest, out, warehouse_dir())
    if done.identical:
        console.print(
            f"Draw {done.draw.id} replayed in {done.draw.folder}: every file is byte-identical."
        )
        return
    console.print(f"[red]Files differ:[/red] {', '.join(done.differing)}", highlight=False)
    raise typer.Exit(1)


@app.command(name="list", epilog="Example:\n\n  rrc audit list --user alice")
def list_cmd(user: User) -> None:
    """The draws the user may see, with their grid, period, 3C and answers imported."""
    from rich.table import Column, Table

    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        found = service.draws(warehouse_dir())
        table = Table("grid", "period", "3C", "per", "drawn", "answers")
        table.columns.insert(0, Column("draw", no_wrap=True, min_width=18))
        for d in found:
            r = d.manifest["request"]
            _, _, summary = service.imported(d)
            table.add_row(
                d.id,
                r["grid"],
                f"{r['period']['start']}..{r['period']['end']}",
                r["c3"] or "réseau",
                r["per"],
                str(d.drawn),
                str(summary.get("accepted", "—")),
            )
    console.print(table)


@app.command(
    name="sheet",
    epilog="Example:\n\n  rrc audit sheet audit-0123456789ab --out grille.xlsx --user alice",
)
def sheet_cmd(
    draw_id: DrawId,
    user: User,
    out: Annotated[Path, typer.Option(help="The XLSX file to write.")],
) -> None:
    """The answer sheet, pre-filled where the warehouse knows; nominative (IPP, session date)
    only for a role entitled to it. Recorded in the audit trail."""
    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        made = service.answer_sheet(draw_id, warehouse_dir())
    out.write_bytes(made.data)
    kind = "nominative" if made.nominative else "not nominative (no IPP, no session date)"
    console.print(f"{out}: answer sheet of {draw_id}, {kind}.")


def _print_import(got: Imported) -> None:
    s = got.summary()
    console.print(
        f"{s['offered']} rows read: {s['accepted']} accepted, {s['quarantined']} quarantined, "
        f"{s['blank']} blank; {s['not_returned']} drawn fiches without an accepted answer."
    )
    for row in got.quarantine.iter_rows(named=True):
        console.print(f"  row {row['row']} ({row['fiche_id']}): {row['reasons']}", highlight=False)


@app.command(
    name="import",
    epilog="Example:\n\n  rrc audit import audit-0123456789ab grille.xlsx --user alice",
)
def import_cmd(
    draw_id: DrawId,
    answers: Annotated[Path, typer.Argument(help="The completed sheet (.xlsx, or .csv).")],
    user: User,
) -> None:
    """Re-import the completed sheet: rows with an unknown fiche, an answer of the wrong type or
    a missing mandatory answer are quarantined and named, the others kept; a file that is not
    the draw's sheet (or lacks a column) is refused whole, with exit code 1."""
    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        got = service.import_answers(draw_id, answers.read_bytes(), answers.name, warehouse_dir())
    _print_import(got)


@app.command(
    name="results",
    epilog="Example:\n\n  rrc audit results audit-0123456789ab --user alice",
)
def results_cmd(draw_id: DrawId, user: User) -> None:
    """Per question: the design-weighted share compliant with its 95 % interval, the
    warehouse's figure on every fiche of the frame and the agreement on the audited fiches."""
    from rich.table import Table

    from access.policy import acting_as
    from audits import service

    with friendly_errors(), acting_as(principal(user)):
        r = service.audit_results(draw_id, warehouse_dir())

    def show(v: object) -> str:
        return f"< {r.threshold}" if v is None else str(v)

    table = Table("question", "answered", "compliant %", "95 % CI", "warehouse %", "agreement %")
    for q in r.overall.iter_rows(named=True):
        ci = "—" if q["pct"] is None else f"{q['low']} – {q['high']}"
        table.add_row(
            q["question"],
            show(q["answered"]),
            show(q["pct"]),
            ci,
            "—" if not q["prefilled"] else show(q["warehouse_pct"]),
            "—" if not q["prefilled"] else show(q["agreement_pct"]),
        )
    console.print(table)
    if r.masked:
        console.print(
            f"Statistical secrecy: values resting on fewer than {r.threshold} fiches are masked."
        )


@app.command(
    name="report",
    epilog="Example:\n\n  rrc audit report audit-0123456789ab --out out/reports --user alice",
)
def report_cmd(
    draw_id: DrawId,
    user: User,
    out: Annotated[Path, typer.Option(help="Folder the PDF and XLSX are written to.")] = Path(
        "out/reports"
    ),
) -> None:
    """The audit report (PDF and XLSX): the draw, each question's rate with its interval, by
    stratum, against the warehouse; small counts masked for roles without nominative rights."""
    from access.policy import acting_as
    from reports.audit import produce

    with friendly_errors(), acting_as(principal(user)):
        pdf, xlsx = produce(draw_id, warehouse_dir(), out)
    console.print(f"{pdf}\n{xlsx}\n(recorded in the audit trail)")


@app.command(name="demo", epilog="Example:\n\n  rrc audit demo")
def demo_cmd() -> None:
    """The demo region's completed audit (the audit table of config/demo.toml): a draw answered by
    simulated auditors, imported like any sheet. Refused when RRC_ENV=production."""
    from access.policy import Principal, acting_as
    from audits import service
    from rrc.errors import ConfigError
    from rrc.settings import production

    with friendly_errors():
        if production():
            raise ConfigError("rrc audit demo is for the demo only (RRC_ENV=production)")
        with acting_as(Principal.of("cli:demo", "admin", address="cli")):
            d, got = service.demo_audit(warehouse_dir())
    _print_draw(d)
    _print_import(got)
