"""End to end: the demo stores -> the published warehouse, incremental, idempotent, reconciled."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from demo.generate import Request, generate
from pipelines.extract import sql as sql_extract
from pipelines.run import history
from rrc.errors import SourceError
from tests.pipelines.conftest import SMALL, Etl

MARTS_AND_CORE = ("core", "marts")


def _layers(sums: dict, layers: tuple[str, ...] = MARTS_AND_CORE) -> dict:
    return {k: v for k, v in sums.items() if k.split(".")[0] in layers}


def _quarantined(etl: Etl, where: str) -> list[str]:
    """The reasons of the published warehouse's quarantined rows that `where` selects."""
    con = etl.connect()
    try:
        return [
            r[0]
            for r in con.execute(
                f"SELECT reason FROM quality.quarantine WHERE {where} ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()


def test_full_run_publishes_a_warehouse_whose_counts_match_the_stores(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo)
    result = etl.run(full=True)
    assert result.status == "success"
    con = etl.connect()
    try:
        store = sqlite3.connect(etl.demo / "dcc.sqlite")
        live_dcc = store.execute(
            "SELECT count(DISTINCT id_fiche) FROM fiche_rcp WHERE deleted_at IS NULL"
        ).fetchone()[0]
        b = sqlite3.connect(etl.demo / "vendor_b.sqlite")
        live_b = b.execute('SELECT count(*) FROM "ONC_DOSSIER"').fetchone()[0]
        # every live fiche reaches staging; core leaves out those a blocking check quarantined
        per_source = dict(
            con.execute("SELECT source, count(*) FROM staging.stg_fiche GROUP BY source").fetchall()
        )
        core, quarantined = con.execute(
            "SELECT (SELECT count(*) FROM core.fact_fiche), "
            "(SELECT count(*) FROM quality.quarantine WHERE source_table = 'stg_fiche')"
        ).fetchone()
        assert core + quarantined == sum(per_source.values())
        assert per_source["dcc"] == live_dcc
        assert per_source["vendor_b"] == live_b
        assert per_source["sheets_cantal"] > 0
        assert con.execute("SELECT count(*) FROM core.dim_rcp_entity").fetchone()[0] == 52
        assert (
            con.execute(
                "SELECT count(*) FROM marts.mart_trial_years WHERE year = 2013 "
                "AND trials_open = 69 AND trials_closed = 20"
            ).fetchone()[0]
            == 1
        )
    finally:
        con.close()


def test_reconciliation_is_exact_for_every_source_table(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo)
    result = etl.run(full=True)
    assert result.reconciliation
    for r in result.reconciliation:
        assert r.offered == r.loaded + r.quarantined + r.skipped, r
    extracted = {(x.source, x.table): x.extracted for x in result.loads}
    store = sqlite3.connect(etl.demo / "dcc.sqlite")
    for table in ("fiche_rcp", "patient_identite", "rcp_seance", "pps"):
        assert (
            extracted[("dcc", table)]
            == store.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        )
    # the primary entity of each one-entity table offers exactly the rows extracted (the CDA
    # source's sessions are the distinct sessions its fiches name)
    for r in result.reconciliation:
        if (
            r.entity in ("fiche_version", "session", "pps_phase")
            and r.source != "sheets_cantal"
            and (r.source, r.entity) != ("frcp", "session")
        ):
            assert r.offered == extracted[(r.source, r.table)]
    # every Fiche RCP document is counted in the files reconciled (one member of a zip each)
    documents = sum(
        f["rows_read"]
        for f in result.files_reconciled
        if (f["source"], f["table"]) == ("frcp", "fiche")
    )
    assert documents == extracted[("frcp", "fiche")] > 0


def test_a_second_run_without_source_change_changes_nothing(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo)
    etl.run(full=True)
    first = etl.checksums()
    second_run = etl.run()
    assert second_run.status == "success"
    assert etl.checksums() == first
    # where the run spent its time, step by step, in the run log too
    steps = list(second_run.steps)
    assert steps[:9] == [
        "prepare", "extract", "map", "staging", "checks", "core", "marts", "grain checks", "meta"
    ]  # fmt: skip
    assert steps[-1] == "publish" and set(steps[9:-1]) <= {"compact"}
    assert 0.9 * second_run.seconds <= sum(second_run.steps.values()) <= second_run.seconds
    logged = history(etl.warehouse)[-1]
    assert logged["run_id"] == second_run.run_id and list(logged["steps"]) == steps


def _mutate_sources(demo: Path) -> None:
    """Insert, update and delete rows the way users of the two SQL stores do."""
    dcc = sqlite3.connect(demo / "dcc.sqlite")
    stamp = "2030-01-01 10:00:00.000000"
    fid, version = dcc.execute(
        "SELECT id_fiche, max(version) FROM fiche_rcp WHERE deleted_at IS NULL "
        "GROUP BY id_fiche ORDER BY id_fiche LIMIT 1"
    ).fetchone()
    # a new version (insert), an edited fiche (update), a deleted fiche (tombstone)
    dcc.execute(
        "INSERT INTO fiche_rcp SELECT id_fiche, version + 1, id_seance, id_identite, "
        "id_medecin_demandeur, date_rcp, 'THORAX', 'C34.1', morpho_cimo3, tnm_t, tnm_n, tnm_m, "
        "score_oms, phase, premiere_presentation, id_fiche_precedente, motif, niveau, "
        "mode_presentation, patient_informe, essai_propose, statut, numero_ordre, "
        "date_validation, id_validateur, ?, ?, NULL FROM fiche_rcp WHERE id_fiche = ? "
        "AND version = ?",
        (stamp, stamp, fid, version),
    )
    other = dcc.execute("SELECT max(id_fiche) FROM fiche_rcp WHERE deleted_at IS NULL").fetchone()[
        0
    ]
    dcc.execute(
        "UPDATE fiche_rcp SET code_organe = 'ORL', updated_at = ? WHERE id_fiche = "
        "(SELECT min(id_fiche) + 7 FROM fiche_rcp)",
        (stamp,),
    )
    dcc.execute(
        "UPDATE fiche_rcp SET deleted_at = ?, updated_at = ? WHERE id_fiche = ?",
        (stamp, stamp, other),
    )
    dcc.commit()
    b = sqlite3.connect(demo / "vendor_b.sqlite")
    gone = b.execute('SELECT min("NUM_DOSSIER") FROM "ONC_DOSSIER"').fetchone()[0]
    b.execute('DELETE FROM "ONC_DOSSIER" WHERE "NUM_DOSSIER" = ?', (gone,))
    b.execute(
        'UPDATE "ONC_DOSSIER" SET "ORGANE" = \'Sein\', "DATE_MAJ" = \'20300101100000\' '
        'WHERE "NUM_DOSSIER" = (SELECT max("NUM_DOSSIER") FROM "ONC_DOSSIER")'
    )
    b.commit()


def test_incremental_run_after_changes_equals_a_full_rebuild(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "incremental")
    etl.run(full=True)
    before = etl.checksums()
    _mutate_sources(etl.demo)
    result = etl.run()
    modes = {(x.source, x.table): (x.mode, x.extracted, x.deleted) for x in result.loads}
    assert modes[("dcc", "fiche_rcp")][0] == "incremental"
    assert modes[("dcc", "fiche_rcp")][1] < 100  # only the changed rows and the lag window
    assert modes[("vendor_b", "ONC_DOSSIER")][2] == 1  # the physical delete, by key diff
    incremental = etl.checksums()
    assert incremental != before
    assert etl.rebuilt_checksums() == incremental  # same mutated stores, new warehouse


def test_bad_rows_of_a_table_read_whole_are_quarantined_and_counted_by_an_incremental_run(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    """A table without a watermark is compared with raw in an incremental run: a row whose
    value does not fit its column, or whose code is unknown, is quarantined and counted, never
    dropped, and offered = loaded + quarantined still holds against the store."""
    etl = etl_factory(small_demo, "compared")
    etl.run(full=True)
    dcc = sqlite3.connect(etl.demo / "dcc.sqlite")
    fid = dcc.execute("SELECT min(id_fiche) FROM fiche_proposition").fetchone()[0]
    dcc.execute("INSERT INTO fiche_proposition VALUES (?, 'TRAITEMENT_INCONNU')", (fid,))
    dcc.execute("INSERT INTO fiche_proposition VALUES ('pas-un-nombre', 'CHIR')")
    dcc.commit()
    in_store = dcc.execute("SELECT count(*) FROM fiche_proposition").fetchone()[0]
    result = etl.run()
    assert result.status == "success"
    rec = next(r for r in result.reconciliation if r.table == "fiche_proposition")
    assert rec.offered == in_store == rec.loaded + rec.quarantined + rec.skipped
    reasons = _quarantined(etl, "source_table = 'fiche_proposition'")
    assert len(reasons) == rec.quarantined >= 2, reasons
    assert any("TRAITEMENT_INCONNU" in r for r in reasons), reasons
    assert any("pas-un-nombre" in r for r in reasons), reasons


@pytest.mark.postgres
@pytest.mark.mariadb
def test_sqlite_postgresql_and_mariadb_stores_give_identical_marts(
    tmp_path: Path,
    etl_factory: Callable[..., Etl],
    postgres_url: str,
    mariadb_url: str,
) -> None:
    results = {}
    for name, target in (("sqlite", "sqlite"), ("pg", postgres_url), ("maria", mariadb_url)):
        out = tmp_path / f"demo-{name}-src"
        generate(Request(out=out, target=target, **SMALL))
        etl = etl_factory(out, name)
        if target != "sqlite":
            etl.use_urls(target, target)
        assert etl.run(full=True).status == "success"
        results[name] = _layers(etl.checksums(), ("staging", "core", "marts"))
    assert results["pg"] == results["sqlite"]
    assert results["maria"] == results["sqlite"]


def test_a_renamed_column_fails_naming_source_table_and_column_and_keeps_the_warehouse(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "drift")
    first = etl.run(full=True)
    store = sqlite3.connect(etl.demo / "vendor_b.sqlite")
    store.execute('ALTER TABLE "ONC_DOSSIER" RENAME COLUMN "CIM10" TO "CODE_CIM"')
    store.commit()
    with pytest.raises(SourceError) as err:
        etl.run()
    message = str(err.value)
    assert "vendor_b" in message and "ONC_DOSSIER" in message and "CIM10" in message
    assert "CODE_CIM" in message  # the columns found are listed
    assert str(etl.connect().execute("SELECT 1").fetchone()) == "(1,)"
    from warehouse.publish import Warehouse

    assert str(Warehouse(etl.warehouse).current()) == first.snapshot


def test_a_new_column_is_a_warning_in_the_run_log(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "newcol")
    etl.run(full=True)
    store = sqlite3.connect(etl.demo / "dcc.sqlite")
    store.execute("ALTER TABLE rcp_seance ADD COLUMN salle VARCHAR(20)")
    store.commit()
    result = etl.run()
    warnings = {(x.source, x.table): x.warnings for x in result.loads}
    assert any("salle" in w for w in warnings[("dcc", "rcp_seance")])


def test_an_unreachable_store_is_named_retried_and_leaves_the_warehouse(
    small_demo: Path, etl_factory: Callable[..., Etl], monkeypatch: pytest.MonkeyPatch
) -> None:
    etl = etl_factory(small_demo, "down")
    first = etl.run(full=True)
    monkeypatch.setattr(sql_extract, "RETRIES", (0.01, 0.02, 0.04))
    etl.use_urls(
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", f"sqlite:///{etl.demo}/vendor_b.sqlite"
    )
    with pytest.raises(SourceError, match=r"source `dcc`.*4 attempts"):
        etl.run()
    from warehouse.publish import Warehouse

    assert str(Warehouse(etl.warehouse).current()) == first.snapshot
    assert not list((etl.warehouse / "building").glob("*.duckdb"))


def test_unreadable_values_are_quarantined_with_their_reason(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "bad")
    store = sqlite3.connect(etl.demo / "vendor_b.sqlite")
    store.execute('UPDATE "ONC_MALADE" SET "DT_NAISS" = \'31/02/1950\' WHERE rowid = 1')
    store.execute(
        'UPDATE "ONC_DOSSIER" SET "ORGANE" = \'Pancréas\' '
        'WHERE rowid = (SELECT min(rowid) FROM "ONC_DOSSIER")'
    )
    store.commit()
    result = etl.run(full=True)
    reasons = _quarantined(etl, "source = 'vendor_b'")
    assert any("DT_NAISS: cannot read 31/02/1950" in r for r in reasons)
    assert any("ORGANE: unknown code Pancréas" in r for r in reasons)
    rec = {(r.table, r.entity): r for r in result.reconciliation}
    assert rec[("ONC_MALADE", "identity")].quarantined == 1
    assert rec[("ONC_DOSSIER", "fiche_version")].quarantined == 1


def test_no_name_ins_or_ipp_beyond_staging_and_patient_keys_are_hmacs(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "privacy")
    # a key of distinct bytes: a run of one repeated byte can occur in a column's data by chance
    key_hex = hashlib.sha256(b"privacy test").hexdigest()
    etl.monkeypatch.setenv("RRC_PSEUDONYM_KEY", key_hex)
    etl.run(full=True)
    con = etl.connect()
    forbidden = {"last_name", "first_name", "ins", "ipp", "birth_date"}
    cols = con.execute(
        "SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns "
        "WHERE table_schema IN ('core', 'marts')"
    ).fetchall()
    assert not [(t, c) for t, c in cols if c in forbidden]
    ins, key = con.execute(
        "SELECT ins, patient_key FROM staging.stg_patient_identity WHERE ins IS NOT NULL LIMIT 1"
    ).fetchone()
    expected = hmac.new(bytes.fromhex(key_hex), f"INS:{ins}".encode(), hashlib.sha256).hexdigest()
    assert key == expected
    # the secret is nowhere in the published file
    path = Path(
        str(
            con.execute(
                "SELECT path FROM duckdb_databases() WHERE NOT internal LIMIT 1"
            ).fetchone()[0]
        )
    )
    con.close()
    assert bytes.fromhex(key_hex) not in path.read_bytes()


def test_a_source_marked_stale_keeps_its_previous_data_and_the_run_goes_on(
    small_demo: Path,
    etl_factory: Callable[..., Etl],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    etl = etl_factory(small_demo, "stale")
    etl.run(full=True)
    before = etl.checksums()
    etl.mark_stale("dcc")
    monkeypatch.setattr(sql_extract, "RETRIES", (0.01,))
    etl.use_urls(
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", f"sqlite:///{etl.demo}/vendor_b.sqlite"
    )
    result = etl.run()
    assert result.status == "success"
    assert result.stale_sources == ["dcc"]
    assert etl.checksums() == before


def test_a_backfill_window_re_extracts_only_the_rows_changed_in_it(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    from datetime import datetime

    etl = etl_factory(small_demo, "backfill")
    etl.run(full=True)
    result = etl.run(only=["dcc"], since=datetime(2013, 3, 1), until=datetime(2013, 3, 31))
    loads = {x.table: x for x in result.loads}
    assert {x.source for x in result.loads} == {"dcc"}
    assert loads["rcp_seance"].mode == "backfill"
    store = sqlite3.connect(etl.demo / "dcc.sqlite")
    expected = store.execute(
        "SELECT count(*) FROM rcp_seance WHERE updated_at >= '2013-03-01' "
        "AND updated_at <= '2013-03-31 00:00:00.000000'"
    ).fetchone()[0]
    assert loads["rcp_seance"].extracted == expected > 0
