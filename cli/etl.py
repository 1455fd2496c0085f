"""`rrc etl ...`: load the operational stores into the warehouse."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cli.console import console, friendly_errors, steps
from rrc.settings import warehouse_dir

if TYPE_CHECKING:
    from pipelines.run import RunResult

app = typer.Typer(help="Extract, map, model and publish the warehouse.", no_args_is_help=True)


@app.command(
    name="run",
    epilog=(
        "Examples:\n\n"
        "  rrc etl run                       incremental run of every source\n\n"
        "  rrc etl run --full                rebuild from scratch\n\n"
        "  rrc etl run --source dcc --since 2013-01-01 --until 2013-03-31   backfill"
    ),
)
def run_cmd(
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="Only extract this source (repeatable); the others keep their last load."
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option(help="Re-extract everything and rebuild from scratch.")
    ] = False,
    since: Annotated[
        datetime | None,
        typer.Option(help="Backfill: re-extract rows changed from this date (with --until)."),
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="End of the backfill window.")] = None,
) -> None:
    """Run the ETL once and publish the new warehouse atomically."""
    from pipelines.config import load_config
    from pipelines.run import run

    with friendly_errors():
        cfg = load_config()
        total = len([s for s in cfg.sources if not source or s.name in source]) + 4
        with steps(total, "ETL") as step:
            result = run(cfg, full=full, only=source, since=since, until=until, progress=step)
    _summary(result)


def _summary(result: RunResult) -> None:
    from rich.table import Table

    table = Table(title=f"Run {result.run_id}: {result.status} in {result.seconds:.1f} s")
    for col in ("source", "table", "mode", "extracted", "deleted", "warnings"):
        table.add_column(col, justify="right" if col in ("extracted", "deleted") else "left")
    for load in result.loads:
        table.add_row(
            load.source,
            load.table,
            load.mode,
            f"{load.extracted:,}",
            f"{load.deleted:,}",
            "; ".join(load.warnings),
        )
    console.print(table)
    if result.warnings:
        console.print(
            f"[yellow]{len(result.warnings)} contract warning(s): the run published, flagged"
            "[/yellow] (`rrc etl status` lists them with the files and rows reconciled)"
        )
        for f in result.warnings:
            console.print(f"  {f.source}.{f.table} [{f.kind}, {f.action}] {f.message}")
    rec = Table(title="Reconciliation: offered = loaded + quarantined (+ skipped)")
    for col in ("source", "table", "entity", "offered", "loaded", "quarantined"):
        rec.add_column(
            col, justify="right" if col in ("offered", "loaded", "quarantined") else "left"
        )
    for r in result.reconciliation:
        rec.add_row(
            r.source, r.table, r.entity, f"{r.offered:,}", f"{r.loaded:,}", f"{r.quarantined:,}"
        )
    console.print(rec)
    models = Table(title="Models built (staging, core, marts; seconds each, slowest first)")
    models.add_column("layer")
    models.add_column("models", justify="right")
    models.add_column("seconds", justify="right")
    models.add_column("each")
    for layer in ("staging", "core", "marts"):
        times = {
            k.split(".", 1)[1]: v
            for k, v in result.model_seconds.items()
            if k.startswith(f"{layer}.")
        }
        ranked = sorted(times.items(), key=lambda kv: -kv[1])
        models.add_row(
            layer,
            str(len(times)),
            f"{sum(times.values()):.2f}",
            ", ".join(f"{name} {s:.2f}" for name, s in ranked),
        )
    console.print(models)
    if result.steps:
        console.print(
            f"Time by step ({result.seconds:.1f} s in all): "
            + ", ".join(f"{step} {sec:.1f} s" for step, sec in result.steps.items())
        )
    if result.stale_sources:
        console.print(
            f"[yellow]Stale sources (previous data kept):[/yellow] "
            f"{', '.join(result.stale_sources)}"
        )
    if result.quality is not None:
        failed = result.quality.filter(result.quality["status"] == "fail")
        console.print(
            f"Quality: {result.quality.height} checks, {failed.height} over their threshold "
            f"({', '.join(sorted(set(failed['check']))) or 'none'}); SQL checks "
            f"{result.sql_check_seconds:.2f} s. `rrc quality report` for details."
        )
    console.print(f"Published: {result.snapshot}")
    if result.gx:
        when = "after the publish" if result.gx_mode == "after_publish" else "in the build"
        console.print(f"Great Expectations ({when}): {result.gx.summary}")
    if result.gx_error:
        console.print(
            f"[yellow]Great Expectations could not validate the published snapshot[/yellow] "
            f"({result.gx_error}); the SQL checks gated the publish. Data Docs were not updated."
        )


@app.command(name="status", epilog="Example:\n\n  rrc etl status --last 5")
def status_cmd(
    last: Annotated[int, typer.Option(help="How many runs to show.")] = 10,
) -> None:
    """Show the last runs, their status and what each loaded; then, for the last run, every
    contract finding and the reconciliation of files expected vs present and rows read vs
    offered vs loaded vs quarantined vs skipped, per source, table and file."""
    from rich.table import Table

    from pipelines.run import history

    with friendly_errors():
        where = warehouse_dir()
        runs = history(where)[-last:]
    table = Table(title=f"ETL runs ({where})")
    for col in (
        "run",
        "started (UTC)",
        "status",
        "seconds",
        "rows extracted",
        "quarantined",
        "note",
    ):
        table.add_column(col)
    for r in runs:
        extracted = sum(x["extracted"] for x in r.get("loads", []))
        quarantined = sum(x["quarantined"] for x in r.get("reconciliation", []))
        note = r.get("error") or ", ".join(r.get("stale_sources", []))
        status = r["status"]
        if r.get("warnings"):
            status += f", {r['warnings']} warnings"
        table.add_row(
            r["run_id"],
            r["started_at"][:19],
            status,
            f"{r['seconds']:.1f}",
            f"{extracted:,}",
            f"{quarantined:,}",
            (note or "")[:200],
        )
    console.print(table if runs else "No run yet: `rrc etl run`.")
    if runs:
        _reconciliation(runs[-1])


def _reconciliation(run: dict) -> None:
    """The contract findings and the reconciliation of one run (as the run log holds it)."""
    from rich.table import Table

    findings = run.get("findings", [])
    if findings:
        t = Table(title=f"Contract findings of run {run['run_id']}")
        for col in ("source", "table", "kind", "action", "count", "what"):
            t.add_column(col, justify="right" if col == "count" else "left")
        for f in findings:
            t.add_row(
                f["source"], f["table"], f["kind"], f["action"], f"{f['count']:,}", f["message"]
            )
        console.print(t)
    files = _by_archive(run.get("files", []))
    if files:
        t = Table(title="Files: expected vs present, rows read vs kept")
        cols = ("source", "table", "file", "present", "read", "blank", "extracted")
        for col in (*cols, "quarantined", "loaded", "kept from last run"):
            t.add_column(col, justify="left" if col in cols[:4] else "right")
        for f in files:
            t.add_row(
                f["source"],
                f["table"],
                f["file"],
                "yes" if f["present"] else "[red]MISSING[/red]",
                f"{f['rows_read']:,}",
                f"{f['blank']:,}",
                f"{f['extracted']:,}",
                f"{f['quarantined']:,}",
                f"{f['loaded']:,}",
                f"{f['kept_previous']:,}",
            )
        console.print(t)
    read = {(x["source"], x["table"]): x for x in run.get("loads", [])}
    rec = run.get("reconciliation", [])
    if rec:
        t = Table(title="Rows: read vs offered vs loaded vs quarantined vs skipped")
        for col in (
            "source",
            "table",
            "entity",
            "read",
            "offered",
            "loaded",
            "quarantined",
            "skipped",
        ):
            t.add_column(col, justify="left" if col in ("source", "table", "entity") else "right")
        for r in rec:
            load = read.get((r["source"], r["table"]), {})
            t.add_row(
                r["source"],
                r["table"],
                r["entity"],
                f"{load.get('read', load.get('extracted', 0)):,}",
                f"{r['offered']:,}",
                f"{r['loaded']:,}",
                f"{r['quarantined']:,}",
                f"{r['skipped']:,}",
            )
        console.print(t)


def _by_archive(files: list[dict]) -> list[dict]:
    """The files reconciled, the members of one zip (a CDA export holds thousands of documents)
    summed on one line named by the zip."""
    out: dict[tuple[str, str, str], dict] = {}
    for f in files:
        archive, _, member = f["file"].partition("!")
        key = (f["source"], f["table"], archive if member else f["file"])
        if key not in out:
            out[key] = {**f, "file": key[2], "members": 0}
        else:
            line = out[key]
            line["present"] = line["present"] and f["present"]
            for n in ("rows_read", "blank", "extracted", "quarantined", "loaded", "kept_previous"):
                line[n] += f[n]
        out[key]["members"] += bool(member)
    for line in out.values():
        if line["members"]:
            line["file"] += f" ({line['members']:,} documents)"
    return list(out.values())
