"""The demo's 3C de Haute-Loire exports its fiches and PPS as national CDA documents; generated
again with `--no-cda`, the same rows and defects sit in the regional DCC database instead. Both
regions go through the whole run: that 3C's dossiers, fiche versions, sessions, quorum verdicts,
PPS and every mart are the same, whichever way they came."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from demo.generate import Request, generate
from pipelines.config import load_config
from pipelines.run import RunResult, run
from rrc.settings import PROJECT_ROOT
from tests.pipelines.conftest import KEY, SMALL
from warehouse.publish import Warehouse

# both twins are built once, in one process, for the module's tests
pytestmark = pytest.mark.xdist_group("cda-twin")

C3 = "C3-10"
# what is compared, with no source-specific id (fiche_id, session_id... differ by source); a
# dossier's reason is free text in the DCC and the volet's flags in the Fiche RCP, its order
# number is not in the volet, and the announcement consultation is no act of the PPS volet
FIGURES = {
    "dossiers": f"""
        SELECT * EXCLUDE (fiche_id, source, session_id, previous_fiche_id, requester_id,
                          order_number),
               previous_fiche_id IS NULL AS first_of_its_chain
        FROM core.fact_fiche WHERE c3_id = '{C3}'""",
    "fiche versions": f"""
        SELECT version, status, saved_at, validated_at, validator_id IS NULL, rcp_date
        FROM staging.stg_fiche_version WHERE c3_id = '{C3}' AND NOT deleted""",
    "sessions": f"""
        SELECT entity_code, session_start, month, attendees, physicians
        FROM core.fact_session WHERE c3_id = '{C3}'""",
    "attendance": f"""
        SELECT s.entity_code, s.session_start, a.rpps, a.attendance_mode, a.is_physician,
               list_sort([a.specialty, a.specialty_2])
        FROM core.fact_attendance a JOIN core.fact_session s USING (session_id)
        WHERE s.c3_id = '{C3}'""",
    "quorum verdicts of sessions": f"""
        SELECT s.entity_code, s.session_start, q.rule_id, q.status, q.physicians,
               q.missing_specialties
        FROM core.fact_quorum_session q JOIN core.fact_session s USING (session_id)
        WHERE s.c3_id = '{C3}'""",
    "quorum verdicts of dossiers": f"""
        SELECT f.patient_key, f.rcp_date, f.organ, q.rule_id, q.status, q.missing_specialties
        FROM core.fact_quorum_fiche q JOIN core.fact_fiche f USING (fiche_id)
        WHERE f.c3_id = '{C3}'""",
    "proposals": f"""
        SELECT f.patient_key, f.rcp_date, p.treatment
        FROM core.fact_proposal p JOIN core.fact_fiche f USING (fiche_id) WHERE f.c3_id = '{C3}'""",
    "PPS": f"SELECT * EXCLUDE (pps_id, fiche_id) FROM core.fact_pps WHERE c3_id = '{C3}'",
    "PPS steps": f"""
        SELECT p.patient_key, ph.phase_type, ph.planned_start, ph.planned_end, ph.finess
        FROM core.fact_pps_phase ph JOIN core.fact_pps p USING (pps_id)
        WHERE p.c3_id = '{C3}' AND ph.phase_type <> 'annonce'""",
}


def _build(root: Path, cda: bool) -> tuple[Path, RunResult]:
    demo, warehouse = root / "demo", root / "wh"
    generate(Request(out=demo, cda=cda, **SMALL))  # type: ignore[arg-type]
    env = {
        "RRC_PSEUDONYM_KEY": KEY,
        "RRC_CONFIG_DIR": str(PROJECT_ROOT / "config"),
        "RRC_DEMO_DIR": str(demo),
        "RRC_WAREHOUSE_DIR": str(warehouse),
        "RRC_GREAT_EXPECTATIONS": "off",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = run(load_config(), full=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return warehouse, result


@pytest.fixture(scope="module")
def twins(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection, RunResult, Path]]:
    documents, result = _build(tmp_path_factory.mktemp("cda"), cda=True)
    database, _ = _build(tmp_path_factory.mktemp("db"), cda=False)
    a, b = Warehouse(documents).connect(), Warehouse(database).connect()
    try:
        yield a, b, result, documents.parent / "demo"
    finally:
        a.close()
        b.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> Counter[tuple[Any, ...]]:
    return Counter(
        tuple(tuple(v) if isinstance(v, list) else v for v in row)
        for row in con.execute(sql).fetchall()
    )


def test_the_3c_comes_through_its_documents_instead_of_its_database(twins: Any) -> None:
    a, b, result, demo = twins
    assert result.status == "success"
    assert sorted(p.name for p in (demo / "cda").iterdir()) == [f"{C3}_2013.zip"]
    sources = "SELECT DISTINCT source FROM core.fact_fiche WHERE c3_id = ?"
    assert a.execute(sources, [C3]).fetchall() == [("frcp",)]
    assert b.execute(sources, [C3]).fetchall() == [("dcc",)]
    # every document is read and none lost to the mapping
    assert not a.execute(
        "SELECT count(*) FROM quality.quarantine WHERE source = 'frcp' AND check_name = 'mapping'"
    ).fetchone()[0]


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_the_3c_figures_are_those_of_its_database_twin(figure: str, twins: Any) -> None:
    a, b, _, _ = twins
    documents, database = _rows(a, FIGURES[figure]), _rows(b, FIGURES[figure])
    assert sum(database.values()) > 0
    assert documents == database


def test_every_mart_is_the_same(twins: Any) -> None:
    a, b, _, _ = twins
    marts = [
        t
        for (t,) in a.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "ORDER BY 1"
        ).fetchall()
    ]
    assert len(marts) > 20
    differ = []
    for mart in marts:
        columns = [
            c
            for (c,) in a.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ? AND column_name <> 'session_id'",
                [mart],
            ).fetchall()
        ]
        sql = f"SELECT {', '.join(columns)} FROM marts.{mart}"
        if _rows(a, sql) != _rows(b, sql):
            differ.append(mart)
    assert differ == []


def test_the_defects_of_the_3c_are_found_in_its_documents(twins: Any) -> None:
    a, b, _, _ = twins
    # the same quality findings in the 3C, through either store (duplicates, requesters, ...)
    sql = f"""
        SELECT v.check_name, v.table_name, count(*)
        FROM quality.check_violations v
        LEFT JOIN staging.stg_pps p ON v.table_name = 'stg_pps' AND p.pps_id = v.row_key
        JOIN staging.stg_fiche f ON f.fiche_id = CASE v.table_name
            WHEN 'stg_fiche' THEN v.row_key WHEN 'stg_pps' THEN p.fiche_id END
        WHERE f.c3_id = '{C3}' GROUP BY ALL"""
    found = _rows(a, sql)
    assert found == _rows(b, sql)
    assert found
