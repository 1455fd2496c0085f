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


def test_quorum_figures_match_the_quorum_facts(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    from dashboards.pages.quorum import figures

    figs = figures("?annee=2013")
    met, not_met, unknown = (sum(t.x) for t in figs["par-3c"].data)
    expected = _sql(
        board_warehouse,
        "SELECT count(*) FROM core.fact_fiche f JOIN "
        "core.fact_quorum_fiche q USING (fiche_id) WHERE f.year = 2013 "
        "AND q.status = 'not_met'",
    )
    assert not_met == expected
    assert met + not_met + unknown == _sql(
        board_warehouse, "SELECT count(*) FROM core.fact_fiche WHERE year = 2013"
    )


def test_dossier_figures_add_up_and_incidence_uses_population(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    from dashboards.pages.dossiers import figures

    figs = figures("?annee=2013&organe=sein")
    total = _sql(
        board_warehouse, "SELECT count(*) FROM core.fact_fiche WHERE year = 2013 AND organ = 'sein'"
    )
    for name in ("organe", "age", "sexe", "departement"):
        assert sum(figs[name].data[0].x) == total, name
    expected = figs["incidence"].data[1].y
    population = _sql(board_warehouse, "SELECT sum(population) FROM core.dim_geography")
    assert abs(sum(expected) - population * 570 / 100_000) < 5


def test_trial_rows_are_the_registry(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    from dashboards.pages.trials import trial_rows

    rows = trial_rows("?annee=2013")
    assert len(rows) == _sql(board_warehouse, "SELECT count(*) FROM core.dim_trial")
    assert {"trial_id", "synopsis", "contact_email", "inclusions"} <= set(rows[0])
