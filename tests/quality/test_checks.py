"""Every defect class the generator injects is found by its check, with the manifest's exact
count; a clean region gives no false positive; thresholds are re-applied without re-running."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from quality.checks import HERE, QualityGateError, catalog, gate, statuses, thresholds_path
from rrc.errors import ConfigError
from tests.quality.conftest import Built

# defect class -> (check, table, field) that must count it exactly
FOUND_BY = {
    "missing_patient_informed": ("is_required", "stg_fiche", "patient_informed"),
    "missing_organ": ("is_required", "stg_fiche", "organ"),
    "missing_icd10": ("is_required", "stg_fiche", "icd10"),
    "missing_rcp_date": ("is_required", "stg_fiche", "rcp_date"),
    "missing_requesting_physician": ("is_required", "stg_fiche", "requester_id"),
    "invalid_icd10": ("icd10_valid", "stg_fiche", "icd10"),
    "duplicate_fiche": ("fiche_unique", "stg_fiche", ""),
    "orphan_fiche_session": ("fiche_session_exists", "stg_fiche", ""),
    "pps_before_rcp": ("pps_after_rcp", "stg_pps", ""),
    "pps_without_gp": ("pps_has_gp", "stg_pps", ""),
    "ins_conflicting_birth_date": ("ins_single_birth_date", "stg_patient_identity", ""),
    "session_without_attendance": ("session_attendance_recorded", "stg_session", ""),
}


def _violated(built: Built, check: str, table: str, field: str) -> int:
    status = statuses(built.con)
    row = status.filter(
        (status["check"] == check) & (status["table"] == table) & (status["field"] == field)
    )
    assert row.height == 1, (check, table, field)
    return int(row["violated"][0])


@pytest.mark.parametrize("defect", sorted(FOUND_BY))
def test_each_injected_defect_class_is_counted_exactly(defect: str, defective: Built) -> None:
    expected = defective.manifest["counts"][defect]
    assert expected > 0
    assert _violated(defective, *FOUND_BY[defect]) == expected


def test_births_in_the_future_are_found_in_every_identity_that_carries_them(
    defective: Built,
) -> None:
    identities = sum(
        len(e["locations"])
        for e in defective.manifest["defects"]
        if e["defect"] == "birth_in_future"
    )
    assert (
        _violated(defective, "no_future_date", "stg_patient_identity", "birth_date") == identities
    )
    assert _violated(defective, "birth_before_rcp", "stg_patient_identity", "") == identities


def test_sessions_under_quorum_are_exactly_the_injected_ones(defective: Built) -> None:
    not_met = defective.con.execute(
        "SELECT count(*) FROM core.fact_quorum_session WHERE status = 'not_met'"
    ).fetchone()[0]
    unknown = defective.con.execute(
        "SELECT count(*) FROM core.fact_quorum_session WHERE status = 'unknown'"
    ).fetchone()[0]
    assert not_met == defective.manifest["counts"]["session_under_quorum"]
    assert unknown == defective.manifest["counts"]["session_without_attendance"]


@pytest.mark.parametrize(
    "check_table_field",
    [
        *sorted(set(FOUND_BY.values())),
        ("no_future_date", "stg_patient_identity", "birth_date"),
        ("birth_before_rcp", "stg_patient_identity", ""),
        ("session_entity_exists", "stg_session", ""),
        ("entity_c3_exists", "stg_rcp_entity", ""),
        ("source_fresh", "sources", ""),
    ],
)
def test_a_clean_region_gives_no_false_positive(check_table_field: tuple, clean: Built) -> None:
    assert _violated(clean, *check_table_field) == 0


def test_clean_sessions_all_meet_their_quorum(clean: Built) -> None:
    assert (
        clean.con.execute(
            "SELECT count(*) FROM core.fact_quorum_session WHERE status <> 'met'"
        ).fetchone()[0]
        == 0
    )


def test_blocking_violations_are_quarantined_and_left_out_of_core(defective: Built) -> None:
    quarantined = dict(
        defective.con.execute(
            "SELECT check_name, count(*) FROM quality.quarantine WHERE check_name <> 'mapping' "
            "GROUP BY 1"
        ).fetchall()
    )
    pps = quarantined.pop("pps_fiche_exists", 0)  # the PPS of those fiches, with them
    assert quarantined == {
        "fiche_unique": defective.manifest["counts"]["duplicate_fiche"],
        "fiche_session_exists": defective.manifest["counts"]["orphan_fiche_session"],
    }
    leaked = defective.con.execute(
        "SELECT count(*) FROM core.fact_fiche f JOIN quality.blocked b "
        "ON b.table_name = 'stg_fiche' AND b.row_key = f.fiche_id"
    ).fetchone()[0]
    assert leaked == 0
    # nothing is lost: staging fiches = core dossiers + quarantined fiches, and so for PPS
    staged = defective.con.execute("SELECT count(*) FROM staging.stg_fiche").fetchone()[0]
    core = defective.con.execute("SELECT count(*) FROM core.fact_fiche").fetchone()[0]
    assert staged == core + sum(quarantined.values())
    staged, core = defective.con.execute(
        "SELECT (SELECT count(*) FROM staging.stg_pps), (SELECT count(*) FROM core.fact_pps)"
    ).fetchone()
    assert staged == core + pps


def test_changing_a_threshold_re_evaluates_without_re_running(
    defective: Built, tmp_path: Path
) -> None:
    before = statuses(defective.con)
    runs = defective.con.execute(
        "SELECT count(DISTINCT run_id) FROM quality.check_results"
    ).fetchone()[0]
    row = before.filter(before["check"] == "pps_after_rcp")
    assert row["status"][0] == "pass"
    edited = tmp_path / "thresholds.csv"
    text = thresholds_path().read_text(encoding="utf-8")
    edited.write_text(
        text.replace("pps_after_rcp,stg_pps,,1,", "pps_after_rcp,stg_pps,,0.01,"), encoding="utf-8"
    )
    after = statuses(defective.con, thresholds_file=edited)
    assert after.filter(after["check"] == "pps_after_rcp")["status"][0] == "fail"
    assert (
        defective.con.execute(
            "SELECT count(DISTINCT run_id) FROM quality.check_results"
        ).fetchone()[0]
        == runs
    )


def test_a_thresholds_file_edited_in_place_is_read_again(tmp_path: Path) -> None:
    """The catalogue is kept between requests (the quality page asks for it at each), but an
    analyst's edit of the file is seen at the next one, without a restart."""
    edited = tmp_path / "thresholds.csv"
    text = thresholds_path().read_text(encoding="utf-8")
    edited.write_text(text, encoding="utf-8")

    def limit() -> float:
        _, thresholds = catalog(edited)
        return next(t.max_violated_pct for t in thresholds if t.check == "pps_after_rcp")

    assert limit() == 1.0
    assert catalog(edited) == catalog(edited)  # kept: the same content
    edited.write_text(
        text.replace("pps_after_rcp,stg_pps,,1,", "pps_after_rcp,stg_pps,,0.25,"), encoding="utf-8"
    )
    assert limit() == 0.25
    edited.unlink()
    with pytest.raises(ConfigError, match="not found"):
        catalog(edited)


def test_a_blocking_check_over_its_threshold_stops_the_publish(defective: Built) -> None:
    status = statuses(defective.con).with_columns(
        status=pl.when(pl.col("check") == "fiche_unique")
        .then(pl.lit("fail"))
        .otherwise(pl.col("status"))
    )
    with pytest.raises(QualityGateError, match="fiche_unique"):
        gate(status)


def test_every_check_type_has_a_template_and_is_used() -> None:
    types, thresholds = catalog()
    assert {t.check for t in thresholds} == set(types)
    for t in types.values():
        assert (HERE / "sql" / t.template).exists()
        assert t.kahn_category in ("conformance", "completeness", "plausibility")


def _gx_results(built: Built) -> list[tuple[str, str, str | None, int]]:
    """GX's verdicts on the published snapshot (written beside it, after the publish)."""
    run_id = built.con.execute("SELECT max(run_id) FROM meta.run_log").fetchone()[0]
    record = json.loads(
        (built.warehouse / "data_docs" / "results" / f"{run_id}.json").read_text("utf-8")
    )
    return [(r["check"], r["table"], r["field"], r["unexpected"]) for r in record["results"]]


def test_great_expectations_counts_the_same_violations_as_the_sql_templates(
    defective: Built,
) -> None:
    gx = _gx_results(defective)
    assert len(gx) >= 15
    sql = {
        (r["check"], r["table"], r["field"]): r["violated"]
        for r in statuses(defective.con).iter_rows(named=True)
    }
    for check, table, field, unexpected in gx:
        assert unexpected == sql[(check, table, field or "")], (check, table, field)


def test_data_docs_are_built_for_the_run(defective: Built) -> None:
    site = defective.warehouse / "data_docs" / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert (site / "index.html").exists()
    pages = list((site / "validations").rglob("*.html"))
    assert {p.parts[p.parts.index("validations") + 1] for p in pages} >= {"stg_fiche", "stg_pps"}
    index = (defective.warehouse / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "stg_fiche" in index and "cdn" not in index  # readable offline


def test_every_core_table_and_mart_declares_its_grain() -> None:
    from warehouse.dag import discover
    from warehouse.grain import declared

    grains = {d.table for d in declared() if d.check == "grain_unique"}
    built = {m.qualified for m in discover() if m.layer in ("core", "marts")}
    assert grains == built


def test_the_built_layers_pass_their_declared_grain(clean: Built) -> None:
    status = statuses(clean.con)
    declared = status.filter(pl.col("check").is_in(["grain_unique", "not_null", "relationship"]))
    assert declared.height > 60
    assert declared.filter(pl.col("status") == "fail")["table"].to_list() == []


def _copy(clean: Built, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A writable copy of the clean region's published warehouse."""
    con = duckdb.connect(str(tmp_path / "copy.duckdb"))
    literal = str(clean.warehouse / "current.duckdb").replace("'", "''")
    con.execute(f"ATTACH '{literal}' AS built (READ_ONLY)")
    con.execute("COPY FROM DATABASE built TO copy")
    con.execute("DETACH built")
    return con


def test_a_broken_grain_or_link_in_a_mart_stops_the_publish(clean: Built, tmp_path: Path) -> None:

    from quality import checks

    con = _copy(clean, tmp_path)
    con.execute("INSERT INTO marts.mart_network_yearly SELECT * FROM marts.mart_network_yearly")
    con.execute("INSERT INTO core.fact_proposal VALUES ('no-such-fiche', 'chirurgie')")
    status = checks.run(con, "test-run", layer="built")
    failed = status.filter(pl.col("status") == "fail")
    assert ("grain_unique", "marts.mart_network_yearly") in set(
        zip(failed["check"], failed["table"], strict=True)
    )
    assert ("relationship", "core.fact_proposal", "fiche_id") in set(
        zip(failed["check"], failed["table"], failed["field"], strict=True)
    )
    detail = con.execute(
        "SELECT detail FROM quality.check_violations WHERE check_name = 'relationship' "
        "AND table_name = 'core.fact_proposal'"
    ).fetchall()
    assert detail == [("not in core.fact_fiche.fiche_id",)]
    with pytest.raises(QualityGateError, match=r"grain_unique|relationship"):
        gate(status)
    con.close()


def test_a_pps_whose_fiche_is_quarantined_is_quarantined_with_it_and_left_out() -> None:
    """Literal rows: the PPS of a fiche blocked as an orphan, of a fiche absent from the
    sources, and of a dossier of the warehouse."""
    import duckdb

    from quality.checks import Threshold, _sql
    from tests.warehouse.test_cases import MODELS, _load

    con = duckdb.connect()
    _load(
        con,
        "staging.stg_fiche",
        [
            {"fiche_id": "dcc:1", "source": "dcc", "c3_id": "C3-01"},
            {"fiche_id": "dcc:2", "source": "dcc", "c3_id": "C3-01"},
        ],
    )
    _load(
        con,
        "staging.stg_pps",
        [
            {"pps_id": "dcc:p1", "fiche_id": "dcc:1", "source": "dcc"},
            {"pps_id": "dcc:p2", "fiche_id": "dcc:2", "source": "dcc"},
            {"pps_id": "dcc:p3", "fiche_id": "dcc:9", "source": "dcc"},
        ],
    )
    _load(con, "staging.stg_patient_identity", [])
    _load(con, "core.fact_fiche", [{"fiche_id": "dcc:1", "c3_id": "C3-01"}])
    con.execute("CREATE SCHEMA quality")
    con.execute(
        "CREATE TABLE quality.blocked AS SELECT 'stg_fiche' AS table_name, "
        "'dcc:2' AS row_key, 'fiche_session_exists' AS check_name"
    )
    types, _ = catalog()
    _, violations = _sql(types["pps_fiche_exists"], Threshold("pps_fiche_exists", "stg_pps", "", 0))
    found = dict(con.execute(f"SELECT row_key, detail FROM ({violations})").fetchall())
    assert found == {
        "dcc:p2": "fiche dcc:2 en quarantaine : fiche_session_exists",
        "dcc:p3": "fiche dcc:9 absente",
    }
    con.execute(
        "INSERT INTO quality.blocked SELECT 'stg_pps', row_key, 'pps_fiche_exists' "
        f"FROM ({violations})"
    )
    kept = con.execute(f"SELECT pps_id, c3_id FROM ({MODELS['core.fact_pps'].sql})").fetchall()
    assert kept == [("dcc:p1", "C3-01")]  # no PPS left without a dossier or a 3C


def test_an_incremental_run_checks_grain_and_links_over_what_it_changed_and_finds_the_same(
    clean: Built, tmp_path: Path
) -> None:
    """The built checks of an incremental run read the changed rows (quality/checks/changed.py):
    a duplicated mart row, a proposal of no fiche, a fiche without its session, and a fiche
    deleted under its PPS and proposals (the referenced table changed, the referring one not)
    are found as a run over every row finds them; the checks of tables left as they were keep
    the previous run's counts."""

    from quality import checks
    from quality.checks import changed
    from warehouse import changes
    from warehouse.dag import discover

    con = _copy(clean, tmp_path)
    changes.attach(con)
    known: dict[str, str | None] = {m.qualified: None for m in discover()}

    def change(table: str, *sql: str) -> None:
        name = table.split(".")[1]
        con.execute(f"CREATE TEMP TABLE _old AS SELECT * FROM {table}")
        for statement in sql:
            con.execute(statement)
        changes.record(con, name, "_old", table)
        con.execute("DROP TABLE _old")
        known[table] = f'changes."{name}"'

    gone = con.execute(
        "SELECT fiche_id FROM core.fact_fiche f WHERE EXISTS (SELECT 1 FROM core.fact_pps p "
        "WHERE p.fiche_id = f.fiche_id) ORDER BY fiche_id LIMIT 1"
    ).fetchone()
    assert gone is not None
    change(
        "marts.mart_network_yearly",
        "INSERT INTO marts.mart_network_yearly SELECT * FROM marts.mart_network_yearly LIMIT 1",
    )
    change(
        "core.fact_fiche",
        "UPDATE core.fact_fiche SET session_id = NULL WHERE fiche_id = "
        "(SELECT max(fiche_id) FROM core.fact_fiche)",
        f"DELETE FROM core.fact_fiche WHERE fiche_id = '{gone[0]}'",
    )
    # proposals: one of no fiche (this table changed) and those of the deleted fiche (it did not)
    change("core.fact_proposal", "INSERT INTO core.fact_proposal VALUES ('no-such-fiche', 'x')")

    types, thresholds = checks.catalog()
    texts = {name: checks.template(t.template) for name, t in types.items()}
    plan, previous = changed.plan(
        con, "incremental", [t for t in thresholds if t.built], texts, known
    )
    modes = {(c.check, c.table, c.field): m for c, m in plan.items()}
    assert previous is not None
    assert modes["grain_unique", "marts.mart_network_yearly", "year"] == changed.CHANGED
    assert modes["relationship", "core.fact_pps", "fiche_id"] == changed.CHANGED  # its reference
    assert modes["grain_unique", "core.fact_pps", "pps_id"] == changed.KEPT
    assert list(modes.values()).count(changed.KEPT) > 100

    def found(run_id: str) -> set[tuple[str, str, str, int, int]]:
        rows = con.execute(
            "SELECT check_name, table_name, field, num_violated_rows, num_denominator_rows "
            "FROM quality.check_results WHERE run_id = ? AND table_name LIKE '%.%'",
            [run_id],
        ).fetchall()
        return set(rows)

    checks.run(con, "incremental", layer="built", changed_tables=known)
    by_changes = found("incremental")
    violations = con.execute(
        "SELECT check_name, table_name, row_key FROM quality.check_violations "
        "WHERE run_id = 'incremental'"
    ).fetchall()
    checks.run(con, "whole", layer="built")
    assert by_changes == found("whole")
    failed = {(c, t, f) for c, t, f, n, _ in by_changes if n}
    assert failed >= {
        ("grain_unique", "marts.mart_network_yearly", "year"),
        ("not_null", "core.fact_fiche", "session_id"),
        ("relationship", "core.fact_proposal", "fiche_id"),
        ("relationship", "core.fact_pps", "fiche_id"),
    }
    assert ("relationship", "core.fact_pps", gone[0]) in violations
    assert ("relationship", "core.fact_proposal", "no-such-fiche") in violations
    con.close()


def test_an_incremental_run_checks_staging_over_the_rows_a_change_can_move(
    defective: Built, tmp_path: Path
) -> None:
    """The staging checks of an incremental run whose templates name the rows a change can move
    (quality/checks/changed.py) read those rows, keep the previous verdicts of the others, and
    find what a run over every row finds: a fiche made the duplicate of another (the second of
    its patient, session and version), a duplicate left alone once its first fiche moved away,
    a fiche without its organ, a deleted fiche that was a violation."""
    from quality import checks
    from quality.checks import changed
    from warehouse import changes
    from warehouse.dag import discover

    con = _copy(defective, tmp_path)
    changes.attach(con)
    known: dict[str, str | None] = {m.qualified: None for m in discover()}
    duplicate = con.execute(
        "SELECT row_key, detail FROM quality.check_violations WHERE check_name = 'fiche_unique' "
        "ORDER BY row_key LIMIT 1"
    ).fetchone()
    empty = con.execute(
        "SELECT row_key FROM quality.check_violations WHERE check_name = 'is_required' "
        "AND field = 'organ' ORDER BY row_key LIMIT 1"
    ).fetchone()
    copied, organ = con.execute(
        "SELECT fiche_id, (SELECT max(fiche_id) FROM staging.stg_fiche WHERE organ IS NOT NULL "
        "AND fiche_id > f.fiche_id) FROM staging.stg_fiche f WHERE fiche_id NOT IN "
        "(SELECT row_key FROM quality.check_violations) ORDER BY fiche_id LIMIT 1"
    ).fetchone() or (None, None)
    assert duplicate and empty and copied and organ
    con.execute("CREATE TEMP TABLE _old AS SELECT * FROM staging.stg_fiche")
    # a fiche becomes a later fiche of another's patient, session and version
    con.execute(
        "UPDATE staging.stg_fiche t SET identity_id = s.identity_id, session_id = s.session_id, "
        "version = s.version, fiche_key = '999999999' FROM staging.stg_fiche s "
        f"WHERE s.fiche_id = '{copied}' AND t.fiche_id = '{organ}'"
    )
    con.execute(f"UPDATE staging.stg_fiche SET organ = NULL WHERE fiche_id = '{copied}'")
    # the first of a duplicate moves to a session of its own (the duplicate, unchanged, is
    # then a first fiche); the fiche without organ is deleted
    first = duplicate[1].removeprefix("same as ")
    con.execute(f"UPDATE staging.stg_fiche SET session_id = 'nowhere' WHERE fiche_id = '{first}'")
    con.execute(f"DELETE FROM staging.stg_fiche WHERE fiche_id = '{empty[0]}'")
    changes.record(con, "stg_fiche", "_old", "staging.stg_fiche")
    known["staging.stg_fiche"] = 'changes."stg_fiche"'

    types, thresholds = checks.catalog()
    texts = {name: checks.template(t.template) for name, t in types.items()}
    staged = [t for t in thresholds if not t.built]
    plan = changed.staging_plan(con, staged, texts, known)
    modes = {(c.check, c.table, c.field): m for c, m in plan.items()}
    assert modes["fiche_unique", "stg_fiche", ""] == changed.CHANGED
    # a check of each row alone costs a scan either way: no section, run whole
    assert modes["is_required", "stg_fiche", "organ"] == changed.WHOLE
    assert modes["no_future_date", "stg_fiche", "rcp_date"] == changed.WHOLE  # reads the date
    assert modes["fiche_session_exists", "stg_fiche", ""] == changed.WHOLE  # no section

    def stored(run_id: str, table: str, columns: str) -> set[tuple[object, ...]]:
        sql = f"SELECT check_name, table_name, field, source, c3_id, {columns} FROM {table} "
        return set(con.execute(f"{sql} WHERE run_id = ?", [run_id]).fetchall())

    def found(run_id: str) -> set[tuple[object, ...]]:  # violations, then counts
        return stored(run_id, "quality.check_violations", "row_key, detail")

    def counts(run_id: str) -> set[tuple[object, ...]]:
        columns = "num_violated_rows, num_denominator_rows"
        return stored(run_id, "quality.check_results", columns)

    checks.run(con, "incremental", changed_tables=known)
    by_changes, counted = found("incremental"), counts("incremental")
    checks.run(con, "whole")
    assert by_changes == found("whole") and counted == counts("whole")
    keys = {(c, f, k) for c, _t, f, _s, _c3, k, _d in by_changes}
    assert ("fiche_unique", "", organ) in keys and ("is_required", "organ", copied) in keys
    assert ("fiche_unique", "", duplicate[0]) not in keys
    assert ("is_required", "organ", empty[0]) not in keys
    con.close()


def test_a_threshold_leaves_out_the_rows_it_names_from_violations_and_denominator() -> None:
    """Literal fiches: a cross-cutting RCP is about no organ, so a fiche of one without an
    organ is no missing organ, and it is not counted among the fiches checked either."""
    from quality.checks import Threshold, _sql
    from tests.warehouse.test_cases import _load

    con = duckdb.connect()
    _load(
        con,
        "staging.stg_fiche",
        [
            {"fiche_id": "cda:1", "source": "cda", "c3_id": "C3-01", "organ": "sein",
             "rcp_nature": "organe"},
            {"fiche_id": "cda:2", "source": "cda", "c3_id": "C3-01", "organ": None,
             "rcp_nature": "organe"},
            {"fiche_id": "cda:3", "source": "cda", "c3_id": "C3-01", "organ": None,
             "rcp_nature": "transversale"},
            {"fiche_id": "dcc:4", "source": "dcc", "c3_id": "C3-01", "organ": None,
             "rcp_nature": None},  # a store that does not say the RCP's nature
        ],
    )  # fmt: skip
    types, thresholds = catalog()
    [organ] = [t for t in thresholds if t.check == "is_required" and t.field == "organ"]
    assert organ.unless == ("rcp_nature", "transversale")  # config/quality_thresholds.csv

    def counted(t: Threshold) -> tuple[int, list[str]]:
        denominator, violations = _sql(types["is_required"], t)
        [(n,)] = con.execute(f"SELECT sum(n)::INTEGER FROM ({denominator})").fetchall()
        keys = con.execute(f"SELECT row_key FROM ({violations}) ORDER BY 1").fetchall()
        return n, [k for (k,) in keys]

    assert counted(organ) == (3, ["cda:2", "dcc:4"])
    everywhere = Threshold("is_required", "stg_fiche", "organ", 1)
    assert counted(everywhere) == (4, ["cda:2", "cda:3", "dcc:4"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("is_required,stg_fiche,organ,1,,rcp_nature", "unless 'rcp_nature' is not `column=value`"),
        ("is_required,stg_fiche,organ,1,,nature du RCP=x", "is not `column=value`"),
        ("fiche_unique,stg_fiche,,0.5,,rcp_nature=transversale", "fiche_unique cannot leave rows"),
    ],
)
def test_an_unless_that_cannot_be_applied_is_refused_naming_its_line(
    tmp_path: Path, line: str, message: str
) -> None:
    edited = tmp_path / "thresholds.csv"
    edited.write_text(f"check,table,field,max_violated_pct,notes,unless\n{line}\n", "utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        catalog(edited)
    assert f"{edited}, line 2" in str(refused.value)


def test_great_expectations_leaves_out_the_same_rows_as_the_sql() -> None:
    """GX counts its share among the rows the threshold applies to, as the SQL template does:
    three fiches of organ RCPs or of a store that does not say, two without an organ."""
    import great_expectations as gx
    import pandas as pd

    from quality.expectations import _expectation

    _, thresholds = catalog()
    [organ] = [t for t in thresholds if t.check == "is_required" and t.field == "organ"]
    frame = pd.DataFrame(
        {
            "fiche_id": ["cda:1", "cda:2", "cda:3", "dcc:4"],
            "organ": ["sein", None, None, None],
            "rcp_nature": ["organe", "organe", "transversale", None],
        }
    )
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("staging").add_dataframe_asset("stg_fiche")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": frame}
    )
    outcome = batch.validate(_expectation(gx, organ, []))
    assert (outcome.result["element_count"], outcome.result["unexpected_count"]) == (3, 2)


def test_an_unless_naming_no_column_of_its_table_stops_the_checks_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from quality.checks import run
    from rrc.settings import config_dir
    from tests.warehouse.test_cases import _load

    shutil.copytree(config_dir(), tmp_path / "config")
    thresholds = tmp_path / "config" / "quality_thresholds.csv"
    thresholds.write_text(
        thresholds.read_text("utf-8").replace("rcp_nature=transversale", "nature=transversale"),
        "utf-8",
    )
    monkeypatch.setenv("RRC_CONFIG_DIR", str(tmp_path / "config"))
    con = duckdb.connect()
    _load(con, "staging.stg_fiche", [{"fiche_id": "cda:1", "organ": None, "rcp_nature": None}])
    with pytest.raises(ConfigError, match="unless nature=transversale names no column") as stop:
        run(con, "r1")
    assert str(thresholds) in str(stop.value) and "rcp_nature" in str(stop.value.hint)
