"""Page logic as plain functions, checked against SQL on the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboards.app import create_app
from warehouse.publish import Warehouse


@pytest.fixture(scope="module")
def app(board_warehouse: Path):  # type: ignore[no-untyped-def]
    return create_app(board_warehouse)


def _sql(warehouse: Path, sql: str, *params: object) -> int:
    con: duckdb.DuckDBPyConnection = Warehouse(warehouse).connect()
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def test_every_page_is_registered(app) -> None:  # type: ignore[no-untyped-def]
    import dash

    paths = {p["path"] for p in dash.page_registry.values()}
    assert {"/", "/activite"} <= paths


def test_activity_figures_add_up_to_the_dossiers_of_the_year(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    from dashboards.pages.activity import figures

    figs = figures("?annee=2013&3c=C3-01")
    monthly = sum(figs["mensuel"].data[0].y)
    expected = _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND c3_id = ?",
        "C3-01",
    )
    assert monthly == expected
    registered, discussed = (sum(t.y) for t in figs["statut"].data)
    assert registered + discussed == expected
    sessions = sum(v for row in figs["calendrier"].data[0].z for v in row if v)
    assert sessions == _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_session WHERE year(session_date) = 2013 AND c3_id = ?",
        "C3-01",
    )
