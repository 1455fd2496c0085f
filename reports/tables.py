"""From the Reader's frames to report tables and charts, and the data-quality status line."""

from __future__ import annotations

from typing import Any

import polars as pl

from quality.checks import evaluate
from reports.model import NOT_APPLICABLE, BarChart, Column, Table
from warehouse.read.reader import Reader


def query(reader: Reader, name: str, **params: Any) -> tuple[pl.DataFrame, tuple[str, dict]]:
    """The rows the current principal may see, sums as integers, and where they come from."""
    frame = reader.query(name, **params)
    frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Int64))
    return frame, (name, params)


def table(
    title: str,
    frame: pl.DataFrame,
    columns: tuple[Column, ...],
    source: tuple[str, dict] | None = None,
    *,
    denominators: dict[str, str] | None = None,
    note: str = "",
) -> Table:
    """A table of `columns` from `frame`. A rate whose visible denominator is 0 does not apply
    ("—"); any other None in a count or rate column is a masked cell."""
    rows = frame.select([c.key for c in columns]).rows()
    keys = [c.key for c in columns]
    if denominators:
        dens = {keys.index(r): frame[d].to_list() for r, d in denominators.items()}
        rows = [
            tuple(
                NOT_APPLICABLE if i in dens and v is None and dens[i][n] == 0 else v
                for i, v in enumerate(row)
            )
            for n, row in enumerate(rows)
        ]
    return Table(title, columns, tuple(rows), source, note)


def bars(
    title: str, source: Table, label: str, values: dict[str, str], *, percent: bool = False
) -> BarChart:
    """A bar chart of `source`'s columns `values` ({column: series name}) by its `label` column."""
    series = tuple(
        (name, tuple(v if isinstance(v, int | float) else None for v in source.column(key)))
        for key, name in values.items()
    )
    unit = "%" if percent else ""
    return BarChart(title, tuple(str(v) for v in source.column(label)), series, unit, percent)


def quality_status(reader: Reader) -> str:
    """The snapshot's data-quality status in words: checks over their threshold, out of all."""
    status = evaluate(reader.query("quality_status"))
    if not status.height:
        return "aucun contrôle qualité enregistré"
    over = sorted(set(status.filter(pl.col("status") == "fail")["check"]))
    if not over:
        return f"conforme ({status.height} contrôles dans leurs seuils)"
    return f"{len(over)} type(s) de contrôle au-delà de leur seuil : {', '.join(over)}"
