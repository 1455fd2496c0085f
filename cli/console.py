"""Shared terminal helpers: progress bars over named steps, and errors printed with their hint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rrc.errors import RRCError

console = Console(stderr=True)


@contextmanager
def steps(total: int, title: str) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced once per named step; yields the callback to call at each step."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=total, step="")
        started = False

        def advance(step: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, step=step)

        yield advance
        progress.update(task, completed=total, step="done")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Print project errors (and bad parameters) as a message plus hint, exit code 1."""
    try:
        yield
    except RRCError as exc:
        console.print(f"[red]Error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    except ValueError as exc:
        console.print(f"[red]Error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
