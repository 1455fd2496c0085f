"""`rrc serve`: the boards, served by gunicorn over the published warehouse."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.console import console, friendly_errors
from rrc.settings import warehouse_dir

app = typer.Typer()


@app.command(
    name="serve",
    epilog="Examples:\n\n  rrc serve\n\n  rrc serve --port 8060 --workers 4",
)
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    cache_mb: Annotated[
        float | None,
        typer.Option(
            help="Megabytes of query results each worker keeps for the published snapshot "
            "(default 64, or RRC_READ_CACHE_MB; 0 keeps none)."
        ),
    ] = None,
) -> None:
    """Serve the boards (Dash, French) at http://HOST:PORT, read-only over the warehouse."""
    from access import audit
    from access.session_key import session_key
    from warehouse.publish import Warehouse
    from warehouse.read import cache, secrecy

    if cache_mb is not None:  # the workers read it (warehouse/read/cache.py)
        os.environ["RRC_READ_CACHE_MB"] = str(cache_mb)
    with friendly_errors():  # fails clearly when nothing is published, or a key is missing
        Warehouse(warehouse_dir()).connect().close()
        session_key()
        audit.key()
        secrecy.cell_key()
        cache.budget()  # a budget that is not a number fails here, not in every worker
    console.print(f"Boards at http://{host}:{port} (Ctrl-C to stop)")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.execv(
        str(gunicorn),
        [
            str(gunicorn),
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "dashboards.app:server()",
        ],
    )
