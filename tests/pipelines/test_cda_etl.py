"""A CDA source through the whole run: the agency's Fiche RCP and a PPS that refers to it reach
core and marts with no INS, IPP or name past staging; the quorum the fiche states is kept beside
the platform's own evaluation, and their disagreement is a quality check."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.config import load_config
from pipelines.run import RunResult, run
from rrc.settings import PROJECT_ROOT
from tests.pipelines.cda_support import FRCP, PPS
from tests.pipelines.conftest import KEY
from warehouse.publish import Warehouse

SOURCES = """
[warehouse]
dir = "{warehouse}"

[[source]]
name = "frcp"
kind = "cda"
path = "{documents}"
mapping = "frcp_cda.toml"
cadence_hours = 24
on_failure = "fail"
"""
# the example PPS names its FRCP by a document id; here it names the example FRCP by its setId
REFERENCE = '<c:id root="1.2.3.4.567.8.9.10" extension="FRCP-2021-00001-1"/>'
BY_SET_ID = '<c:setId root="1.2.250.1.213.1.1.1.8.2022.1"/><c:versionNumber value="1"/>'
NAMES = ("PAT-TROIS", "DOMINIQUE", "MULLER", "PRENT", "MAGNE")
IDENTIFIERS = ("279035121518989", "1234567890121")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    root = tmp_path_factory.mktemp("cda_etl")
    config = root / "config"
    shutil.copytree(PROJECT_ROOT / "config", config, ignore=shutil.ignore_patterns("secrets.toml"))
    documents = root / "documents"
    documents.mkdir()
    shutil.copy(FRCP, documents)
    text = PPS.read_text(encoding="utf-8")
    assert REFERENCE in text
    (documents / PPS.name).write_text(text.replace(REFERENCE, BY_SET_ID), encoding="utf-8")
    # the example's RCP (Pays de la Loire) is in no directory here: its dossiers have no 3C, which
    # the marts' grain checks refuse; the publish goes on for this test (the checks still run)
    quality = (config / "quality.toml").read_text(encoding="utf-8")
    assert "stop_publish_on_block = true" in quality
    (config / "quality.toml").write_text(
        quality.replace("stop_publish_on_block = true", "stop_publish_on_block = false"),
        encoding="utf-8",
    )
    (config / "sources.toml").write_text(
        SOURCES.format(warehouse=root / "warehouse", documents=documents), encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RRC_CONFIG_DIR", str(config))
        mp.setenv("RRC_PSEUDONYM_KEY", KEY)
        mp.setenv("RRC_GREAT_EXPECTATIONS", "off")
        result = run(load_config(), full=True)
    return result, root / "warehouse"


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return Warehouse(warehouse).connect()


def test_the_documents_reach_core_with_patient_keys_and_no_identity(
    published: tuple[RunResult, Path],
) -> None:
    result, warehouse = published
    assert result.status == "success"
    con = _connect(warehouse)
    try:
        assert con.execute("SELECT fiche_id, organ, icd10 FROM core.fact_fiche").fetchall() == [
            ("frcp:1.2.250.1.213.1.1.1.8.2022.1", "sein", "C50.2")
        ]
        assert con.execute("SELECT fiche_id FROM core.fact_pps").fetchall() == [
            ("frcp:1.2.250.1.213.1.1.1.8.2022.1",)
        ]
        # the patient key is the keyed hash of the INS, the same for the fiche and the PPS
        keys = con.execute(
            "SELECT DISTINCT patient_key FROM staging.stg_patient_identity"
        ).fetchall()
        expected = hmac.new(bytes.fromhex(KEY), b"INS:279035121518989", hashlib.sha256)
        assert keys == [(expected.hexdigest(),)]
        forbidden = {"last_name", "first_name", "ins", "ipp", "birth_date"}
        columns = con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM "
            "information_schema.columns WHERE table_schema IN ('core', 'marts')"
        ).fetchall()
        assert [c for c in columns if c[2] in forbidden] == []
        # no value of core or marts is a name or an identifier of the patient
        found = []
        for schema, table, column, kind in columns:
            if kind != "VARCHAR":
                continue
            for value in (*NAMES, *IDENTIFIERS):
                hit = con.execute(
                    f'SELECT count(*) FROM {schema}."{table}" WHERE "{column}" LIKE ?',
                    [f"%{value}%"],
                ).fetchone()
                if hit and hit[0]:
                    found.append((table, column, value))
        assert found == []
    finally:
        con.close()


def test_the_stated_quorum_sits_beside_the_platform_s_and_their_disagreement_is_counted(
    published: tuple[RunResult, Path],
) -> None:
    _, warehouse = published
    con = _connect(warehouse)
    try:
        # the example states "quorum atteint" with two physicians present (an oncologist, who
        # is also its radiotherapist, and a haematologist): the breast rule wants more
        assert con.execute(
            "SELECT status, stated_quorum FROM core.fact_quorum_fiche"
        ).fetchall() == [("not_met", "met")]
        [(violated, denominator, detail)] = con.execute(
            "SELECT r.num_violated_rows, r.num_denominator_rows, v.detail "
            "FROM quality.check_results r JOIN quality.check_violations v "
            "USING (run_id, check_name, table_name) WHERE r.check_name = 'quorum_stated_agrees'"
        ).fetchall()
        assert (violated, denominator) == (1, 1)
        assert detail.startswith("la fiche déclare met, la plateforme évalue not_met (manque : ")
    finally:
        con.close()


def test_the_run_log_reconciles_the_documents(published: tuple[RunResult, Path]) -> None:
    result, _ = published
    files = {
        (f["file"], f["table"]): (f["rows_read"], f["loaded"]) for f in result.files_reconciled
    }
    assert files == {
        ("CANCER-FRCP_2022.01_Appareil.xml", "fiche"): (1, 1),
        ("CANCER-PPS_2022.01_Autopresentable.xml", "pps"): (1, 1),
    }
    offered = {(r.table, r.entity): (r.offered, r.loaded) for r in result.reconciliation}
    assert offered[("fiche", "fiche_version")] == (1, 1)
    assert offered[("pps_phase", "pps_phase")] == (13, 13)
