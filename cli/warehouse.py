"""`rrc warehouse snapshots list|restore`: the published snapshots, and going back to one."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import console, friendly_errors
from rrc.settings import warehouse_dir

app = typer.Typer(help="The published warehouse and its snapshots.", no_args_is_help=True)
snapshots = typer.Typer(help="List the published snapshots, or restore one.", no_args_is_help=True)
app.add_typer(snapshots, name="snapshots")


@snapshots.command(name="list", epilog="Example:\n\n  rrc warehouse snapshots list")
def list_cmd() -> None:
    """Each snapshot kept: id (the run that built it), date, run status, checksum, size; the
    published one is marked with *."""
    from pipelines.run import history
    from warehouse.publish import Warehouse

    with friendly_errors():
        wh = Warehouse(warehouse_dir())
        records = wh.records()
        current = wh.current()
        status = {r["run_id"]: r["status"] for r in history(wh.dir)}
    if not records:
        console.print(f"No snapshot in {wh.snapshots_dir}: `rrc etl run`.")
        return
    typer.echo(f"Snapshots in {wh.snapshots_dir} (* = published now)")
    typer.echo(f"  {'id':<22}  {'published (UTC)':<19}  {'run':<10}  {'sha256':<16}  size (MB)")
    for s in records:
        mark = "*" if current == s.path.resolve() else " "
        typer.echo(
            f"{mark} {s.id:<22}  {s.created_at[:19].replace('T', ' '):<19}  "
            f"{status.get(s.id, 'not logged'):<10}  {s.sha256[:16]}  {s.bytes / 1024 / 1024:9,.1f}"
        )


@snapshots.command(
    name="restore",
    epilog="Example:\n\n  rrc warehouse snapshots restore 20261125T205653-aac4cb",
)
def restore_cmd(
    snapshot_id: Annotated[str, typer.Argument(help="Id from `rrc warehouse snapshots list`.")],
) -> None:
    """Publish an earlier snapshot again (the same atomic link swap as a run), after checking
    its file against the checksum recorded when it was published, and again once it is live."""
    from warehouse.publish import Warehouse

    with friendly_errors():
        wh = Warehouse(warehouse_dir())
        snapshot = wh.restore(snapshot_id)
    console.print(
        f"Restored snapshot {snapshot.id}: {wh.link} -> {snapshot.path}; sha256 "
        f"{snapshot.sha256[:16]}... verified before and after the swap. The next "
        "`rrc etl run` starts from it."
    )
