"""SQL models: they compile, their data dictionary is complete, and literal cases come out right."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import mapped, pseudonym
from warehouse import dictionary, reference
from warehouse.dag import LAYERS, Model, ModelError, discover, run


def test_every_model_has_a_grain_header_and_ends_with_final() -> None:
    models = discover()
    assert len(models) > 40
    for model in models:
        if model.kind == "python":
            assert (model.module.__doc__ or "").startswith("Grain:"), model.path
            assert model.reads and callable(model.module.build), model.path
            continue
        assert model.sql.startswith("-- Grain:"), model.path
        assert model.sql.strip().endswith("select * from final"), model.path


def test_the_quorum_is_evaluated_inside_the_model_graph() -> None:
    order = [m.qualified for m in discover()]
    verdict = order.index("core.fact_quorum_verdict")
    assert order.index("core.fact_attendance") < verdict
    assert order.index("core.fact_fiche") < verdict
    assert verdict < order.index("core.fact_quorum_fiche")
    assert verdict < order.index("core.fact_quorum_session")
    assert order.index("core.fact_quorum_fiche") < order.index("marts.mart_quorum_monthly")


def test_models_run_in_dependency_order() -> None:
    order = [m.qualified for m in discover()]
    assert order.index("staging.stg_session") < order.index("staging.stg_fiche_version")
    assert order.index("core.fact_fiche") < order.index("core.fact_pps")
    assert all(
        order.index(a) < order.index(b)
        for a in order
        if a.startswith("staging.")
        for b in order
        if b.startswith("marts.")
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_data_dictionary_documents_every_column_of_the_built_layer(
    layer: str, built_warehouse: duckdb.DuckDBPyConnection
) -> None:
    built = dictionary.build(built_warehouse)[layer]
    committed = dictionary.load(layer)
    tables = {
        t
        for (t,) in built_warehouse.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [layer]
        ).fetchall()
    }
    assert set(built) == tables
    assert committed == built, "run scripts/write_dictionary.py and commit the result"
    missing = [
        (m, c)
        for m, spec in built.items()
        for c, col in spec["columns"].items()
        if not col["description"]
    ]
    assert missing == []


@pytest.fixture
def empty_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    pseudonym.install(con, bytes(32))
    mapped.create_tables(con)
    reference.load(con)
    return con


def test_icd10_codes_are_normalised_and_checked_against_the_who_classification(
    empty_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = empty_warehouse
    rows = [
        ("1", "c509"),
        ("2", "C50.9"),
        ("3", "C61"),
        ("4", "C99.9"),
        ("5", "c34.1 "),
        ("6", None),
    ]
    con.executemany(
        "INSERT INTO mapped.fiche_version (source, fiche_key, version, icd10) "
        "VALUES ('s', ?, 1, ?)",
        rows,
    )
    run(con, [m for m in discover() if m.layer == "staging"])
    got = con.execute(
        "SELECT fiche_key, icd10, icd10_valid FROM staging.stg_fiche_version ORDER BY fiche_key"
    ).fetchall()
    assert got == [
        ("1", "C50.9", True),
        ("2", "C50.9", True),
        ("3", "C61", True),
        ("4", "C99.9", False),
        ("5", "C34.1", True),
        ("6", None, False),
    ]


def test_patients_are_linked_by_ins_else_by_ipp_and_establishment(
    empty_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = empty_warehouse
    con.executemany(
        "INSERT INTO mapped.identity (source, identity_key, ipp, finess, ins, birth_date, sex) "
        "VALUES (?, ?, ?, ?, ?, DATE '1950-01-01', 'F')",
        [
            ("dcc", "1", "P1", "630000479", "250016311300112"),  # same INS in two stores
            ("vendor_b", "P9@030780092", "P9", "030780092", "250016311300112"),
            ("dcc", "2", "P2", "630000479", None),  # no INS: IPP + FINESS
            ("dcc", "3", "P2", "630000545", None),
        ],  # same IPP, other establishment
    )
    run(con, [m for m in discover() if m.qualified in ("staging.stg_patient_identity",)])
    keys = dict(
        con.execute("SELECT identity_id, patient_key FROM staging.stg_patient_identity").fetchall()
    )
    assert keys["dcc:1"] == keys["vendor_b:P9@030780092"]
    assert keys["dcc:2"] != keys["dcc:3"]
    assert len({keys["dcc:1"], keys["dcc:2"], keys["dcc:3"]}) == 3


def test_a_model_out_of_memory_says_which_limit_and_how_to_raise_it(tmp_path: Path) -> None:
    sql = tmp_path / "too_big.sql"
    sql.write_text("select string_agg(repeat('x', 1000), ',') as s from range(3000000)")
    con = duckdb.connect()
    con.execute("SET memory_limit = '50MB'")
    with pytest.raises(ModelError, match=r"staging\.too_big") as failed:
        run(con, [Model("staging", "too_big", sql)])
    assert "RRC_ETL_MEMORY_LIMIT" in (failed.value.hint or "")
    assert "MiB" in (failed.value.hint or "")  # the limit in force is named


def test_the_daily_sessions_mart_is_stored_in_the_order_of_the_boards_filters(
    built_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """A board's query for one filter combination reads only that combination's row groups
    (11.4M rows at 10M dossiers: the activity page's queries on it, 60 ms unordered, 5 ms so)."""
    rows = built_warehouse.execute(
        "SELECT organ, finess, residence_department, day FROM marts.mart_sessions_daily"
    ).fetchall()
    assert len(rows) > 100
    assert rows == sorted(rows, key=lambda r: tuple((v is None, v) for v in r))  # nulls last


def test_reference_tables_are_written_again_only_when_what_they_are_made_from_changed() -> None:
    """An incremental build starts from a copy of the published warehouse: its reference tables
    are kept while the classification, the vocabularies and the code that writes them are the
    same, and written again when any of them changed or a table is missing."""
    con = duckdb.connect()
    assert reference.load(con) is True
    icd10 = con.execute("SELECT count(*) FROM ref.icd10").fetchone()
    assert icd10 is not None and icd10[0] > 10_000
    assert reference.load(con) is False
    con.execute("UPDATE meta.reference_digest SET digest = 'made from an older vocabulary'")
    assert reference.load(con) is True
    con.execute("DROP TABLE ref.organ")
    assert reference.load(con) is True
    assert con.execute("SELECT count(*) FROM ref.organ").fetchone() != (0,)
    assert reference.load(con) is False
