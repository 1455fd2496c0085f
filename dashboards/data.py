"""The boards' one reader over the published warehouse (one per server process), and the filters
of the request's URL turned into query parameters.

Pages take their data from `reader()` only: named queries of `warehouse/read/queries/`, with
access and statistical secrecy applied for the user of the request.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from dashboards.filters import Filters
from warehouse.read import formats
from warehouse.read.reader import Reader

_READER: Reader | None = None


def install(warehouse_dir: Path) -> Reader:
    """Open the reader of the boards' process over `warehouse_dir` (done by `create_app`)."""
    global _READER
    _READER = Reader(warehouse_dir)
    return _READER


def reader() -> Reader:
    if _READER is None:
        raise RuntimeError("the boards were not created over a warehouse (create_app)")
    return _READER


def params(search: str | None) -> dict[str, object]:
    """Query parameters of the filters in the URL; the year defaults to the latest one."""
    years = reader().query("years")["year"].to_list()
    return Filters.from_search(search).params(years[0] if years else 0)


def data_date() -> str:
    """ "Données au …": when the warehouse the boards read was published (its snapshot's name
    is its UTC time, `20131231T235959-…`)."""
    stamp = reader().snapshot()[:15]
    try:
        at = datetime.strptime(stamp, "%Y%m%dT%H%M%S")
    except ValueError:
        return "Données : aucun entrepôt publié"
    return f"Données au {at.day} {formats.MONTHS[at.month - 1]} {at.year} à {at:%H:%M} (UTC)"
