"""The bad-input corpus (tests/reliability/corpus.py), one case per class of issue 17: each ends
as a refusal naming file, sheet, column or row, a quarantined row with its exact reason and row,
or a named warning, counted; never as a quiet success. A failed run leaves the previous
published warehouse as it was."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from pipelines import mapped
from pipelines.config import Mapping, Source, load_mapping
from pipelines.contract import Finding
from pipelines.extract import files as file_extract
from pipelines.extract import sql as sql_extract
from pipelines.raw import TableLoad
from quality import checks
from rrc.errors import SourceError
from rrc.settings import PROJECT_ROOT
from tests.reliability import corpus
from tests.reliability.conftest import Etl
from warehouse import dag, reference
from warehouse.publish import Warehouse

MAPPINGS = PROJECT_ROOT / "config" / "mappings"
BOOK = "C3-99_activite_2013.xlsx"


def _mapping(name: str, **contract: object) -> Mapping:
    m = load_mapping(MAPPINGS / name)
    return dataclasses.replace(m, contract=dataclasses.replace(m.contract, **contract))


def _sheets(folder: Path, years: tuple[int, int] | None = None, **contract: object) -> Source:
    return Source(
        "c3",
        "spreadsheet",
        _mapping("sheets_3c.toml", **contract),
        path=folder,
        pattern=corpus.WORKBOOK,
        years=years,
    )


def _files(kind: str, folder: Path, mapping: str) -> Source:
    return Source(kind, kind, _mapping(mapping), path=folder)


def _load(
    con: duckdb.DuckDBPyConnection, source: Source
) -> tuple[list[TableLoad], dict[tuple[str, str], mapped.Reconciliation]]:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    loads = file_extract.extract(con, source, load_id="corpus")
    rec = {(r.table, r.entity): r for r in mapped.apply(con, [source])}
    for r in rec.values():
        assert r.offered == r.loaded + r.quarantined + r.skipped, r
    return loads, rec


def _quarantined(con: duckdb.DuckDBPyConnection, entity: str) -> dict[str, str]:
    """{location: reason} of the rows the mapping quarantined for `entity`."""
    return dict(
        con.execute(
            "SELECT location, reason FROM quality.quarantine WHERE entity = ? ORDER BY 1",
            [entity],
        ).fetchall()
    )


def _findings(loads: list[TableLoad], kind: str) -> list[Finding]:
    return [f for x in loads for f in x.findings if f.kind == kind]


# ---- spreadsheets


def test_a_duplicated_header_is_refused_naming_file_sheet_and_both_columns(tmp_path: Path) -> None:
    corpus.duplicated_header(tmp_path)
    with pytest.raises(SourceError) as err:
        _load(duckdb.connect(), _sheets(tmp_path))
    message = str(err.value)
    assert f"{BOOK}, sheet Dossiers: column 'Organe' appears twice (columns N and AG)" in message
    assert "column `Organe`" in message and "rename or remove one" in message


def test_values_under_no_header_are_a_named_warning(tmp_path: Path) -> None:
    corpus.headerless_column(tmp_path)
    loads, rec = _load(duckdb.connect(), _sheets(tmp_path))
    [finding] = _findings(loads, "extra_column")
    assert finding.message == (
        f"{BOOK}, sheet Dossiers: column(s) AG hold values under no header: not read"
    )
    assert finding.action == "warned" and rec[("Dossiers", "fiche_version")].loaded == 12
    with pytest.raises(SourceError, match=r"column\(s\) AG hold values under no header"):
        _load(duckdb.connect(), _sheets(tmp_path, extra_column="refuse"))


@pytest.mark.parametrize(
    ("case", "instead"),
    [
        ("missing_year", ""),
        ("renamed_workbook", "found instead: C3-99_activite_2013 (copie).xlsx (a workbook)"),
        (
            "csv_with_bom",
            "found instead: C3-99_activite_2013.csv (a text file with a UTF-8 BOM (a CSV "
            "export?), not a workbook)",
        ),
    ],
)
def test_a_missing_year_is_refused_naming_the_workbook_and_what_stands_instead(
    tmp_path: Path, case: str, instead: str
) -> None:
    corpus.FILE_CASES[case](tmp_path)
    with pytest.raises(SourceError) as err:
        _load(duckdb.connect(), _sheets(tmp_path))
    message = str(err.value)
    assert f"expected workbook {BOOK} is missing from {tmp_path}" in message
    assert instead in message
    assert 'missing_file = "warn"' in message  # says what to do


def test_a_missing_workbook_under_a_warn_contract_is_a_named_warning_keeping_its_rows(
    tmp_path: Path,
) -> None:
    corpus.years(tmp_path, (2012, 2013, 2014))
    con = duckdb.connect()
    source = _sheets(tmp_path, missing_file="warn")
    _, before = _load(con, source)
    (tmp_path / BOOK).unlink()  # the last run loaded it: now it is expected, and missing
    loads, rec = _load(con, source)
    [finding] = [f for f in _findings(loads, "missing_file") if f.table == "Dossiers"]
    assert finding.action == "warned" and finding.file == BOOK
    assert "the 12 rows of the last run are kept" in finding.message
    assert rec[("Dossiers", "fiche_version")].loaded == before[("Dossiers", "fiche_version")].loaded
    [file] = [f for x in loads for f in x.files if f.table == "Dossiers" and f.file == BOOK]
    assert (file.present, file.kept_previous) == (False, 12)


def test_declared_years_expect_a_workbook_for_each(tmp_path: Path) -> None:
    corpus.years(tmp_path, (2012, 2013, 2014))
    with pytest.raises(SourceError, match=r"expected workbook C3-99_activite_2015\.xlsx"):
        _load(duckdb.connect(), _sheets(tmp_path, years=(2012, 2015)))


def test_integers_are_integers_and_the_others_quarantined_with_their_excel_row(
    tmp_path: Path,
) -> None:
    corpus.FILE_CASES["integers"](tmp_path)
    con = duckdb.connect()
    _, rec = _load(con, _sheets(tmp_path))
    where = f"{BOOK}, Dossiers, row"
    assert _quarantined(con, "fiche_version") == {
        f"{where} 3": "OMS: cannot read 2.7 as integer",
        f"{where} 4": "OMS: cannot read 2.5 as integer",
        f"{where} 5": "OMS: cannot read 0x2 as integer",
        f"{where} 6": "OMS: cannot read 1e1 as integer",
    }
    assert rec[("Dossiers", "fiche_version")].quarantined == 4
    assert con.execute(
        "SELECT who_ps FROM mapped.fiche_version WHERE fiche_key = '1005'"
    ).fetchone() == (2,)


def test_a_two_digit_year_is_refused_unless_a_century_pivot_is_set(tmp_path: Path) -> None:
    corpus.FILE_CASES["two_digit_year"](tmp_path)
    con = duckdb.connect()
    _load(con, _sheets(tmp_path))
    assert _quarantined(con, "fiche_version") == {
        f"{BOOK}, Dossiers, row 3": "Date RCP: two-digit year in 10/01/13 (set century_pivot "
        "in the mapping to read it)"
    }
    pivoted = tmp_path / "pivot.toml"
    text = (MAPPINGS / "sheets_3c.toml").read_text(encoding="utf-8")
    pivoted.write_text(
        text.replace('"%d/%m/%Y"] }\norgan', '"%d/%m/%Y"], century_pivot = 50 }\norgan'),
        encoding="utf-8",
    )
    source = dataclasses.replace(_sheets(tmp_path), mapping=load_mapping(pivoted))
    _load(con, source)
    assert _quarantined(con, "fiche_version") == {}
    dates = con.execute(
        "SELECT fiche_key, rcp_date FROM mapped.fiche_version WHERE fiche_key IN ('1001', '1002') "
        "ORDER BY 1"
    ).fetchall()
    assert [str(d) for _, d in dates] == ["2013-01-10", "2013-01-10"]


def test_after_a_blank_row_the_quarantine_names_the_true_excel_row(tmp_path: Path) -> None:
    corpus.blank_row(tmp_path)
    con = duckdb.connect()
    loads, _ = _load(con, _sheets(tmp_path))
    # data row 11 is on Excel row 14: title (1), header (2), 5 rows, the blank row (8), 5 rows
    assert _quarantined(con, "fiche_version") == {
        f"{BOOK}, Dossiers, row 14": "OMS: cannot read deux as integer"
    }
    [blank] = _findings(loads, "blank_rows")
    assert (blank.table, blank.count, blank.action) == ("Dossiers", 1, "skipped")
    [file] = [f for x in loads for f in x.files if f.table == "Dossiers"]
    assert (file.rows_read, file.blank) == (13, 1)


def test_time_and_date_typed_cells_are_read(tmp_path: Path) -> None:
    corpus.time_cell(tmp_path)
    con = duckdb.connect()
    _, rec = _load(con, _sheets(tmp_path))
    assert rec[("Réunions", "session")].quarantined == 0
    starts = con.execute(
        "SELECT session_key, strftime(session_start, '%Y-%m-%d %H:%M') FROM mapped.session "
        "ORDER BY 1"
    ).fetchall()
    assert starts[:2] == [("1", "2013-03-05 14:30"), ("2", "2013-03-12 14:00")]


def test_dossiers_of_a_quarantined_session_name_it_and_its_reason(tmp_path: Path) -> None:
    corpus.unreadable_time(tmp_path)
    con = duckdb.connect()
    reference.load(con)
    _load(con, _sheets(tmp_path))
    dag.run(con, [m for m in dag.discover() if m.layer == "staging"])
    checks.run(con, "corpus", {"c3": 24})
    reasons = con.execute(
        "SELECT DISTINCT reason, count(*) FROM quality.quarantine "
        "WHERE check_name = 'fiche_session_exists' GROUP BY ALL"
    ).fetchall()
    assert reasons == [
        (
            "séance 1 en quarantaine : session_start: cannot read 05/03/2013 14h7O as "
            "timestamp; missing session_start",
            4,
        )
    ]


# ---- registry and directory (copies of the small demo's)


def test_registry_values_of_the_wrong_type_are_quarantined_not_stringified(
    small_demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    shutil.copytree(small_demo / "registry", folder)
    corpus.registry_types(folder)
    con = duckdb.connect()
    _, rec = _load(con, _files("trial_registry", folder, "registry.toml"))
    where = "essais_cliniques.json, studies, row"
    ident = "protocolSection.identificationModule"
    phases = "protocolSection.designModule.phases"
    assert _quarantined(con, "trial") == {
        f"{where} 2": f"nct_id: {ident}.nctId is a number (1500037), not text; missing trial_id",
        f"{where} 3": f"nct_id: {ident}.nctId is a boolean (true), not text; missing trial_id",
        f"{where} 4": f'title: {ident}.briefTitle is a list (["Essai", "de phase 3"]), not text',
        f"{where} 5": "phase: unknown code PHASE5",
        f"{where} 6": f"phase: {phases} is text, not a list",
    }
    trials = rec[("studies", "trial")]
    assert (trials.quarantined, trials.loaded + trials.quarantined) == (5, trials.offered)
    stringified = con.execute(
        "SELECT count(*) FROM mapped.trial WHERE trial_id IN ('1500037', 'True') OR title LIKE '[%'"
    ).fetchone()
    assert stringified == (0,)


def test_trial_centres_are_rows_of_their_study_and_bad_ones_quarantined(
    small_demo: Path, tmp_path: Path
) -> None:
    """`record` makes one row per element of a study's `locations`, read with the study's id
    (`$.`); a list that is not one, or a value of the wrong type, is quarantined with its
    reason, and the study's other centres load."""
    folder = tmp_path / "registry"
    shutil.copytree(small_demo / "registry", folder)
    path = folder / "essais_cliniques.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    sites = [s["protocolSection"]["contactsLocationsModule"] for s in doc["studies"]]
    expected = sum(len(s["locations"]) for s in sites)
    first = doc["studies"][0]["protocolSection"]["identificationModule"]["nctId"]
    sites[0]["locations"][0]["zip"] = 63000  # a number where text belongs
    dropped = len(sites[1]["locations"])
    sites[1]["locations"] = {"facility": "Centre Jean Perrin"}  # an object, not a list
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    con = duckdb.connect()
    _, rec = _load(con, _files("trial_registry", folder, "registry.toml"))
    where = "essais_cliniques.json, sites, row"
    locations = "protocolSection.contactsLocationsModule.locations"
    assert _quarantined(con, "trial_site") == {
        f"{where} 1": "zip: zip is a number (63000), not text",
        f"{where} 2": f"{locations}: is an object, not a list; missing facility",
    }
    centres = rec[("sites", "trial_site")]
    assert (centres.offered, centres.quarantined) == (expected - dropped + 1, 2)
    loaded = con.execute(
        "SELECT count(*) FROM mapped.trial_site WHERE trial_id = ?", [first]
    ).fetchone()
    assert loaded == (len(sites[0]["locations"]) - 1,)


def test_the_rcp_directory_keeps_its_contract(small_demo: Path, tmp_path: Path) -> None:
    """What the public directory shows must be in the file (refused, named, without it), its
    meeting mode is a code of the mapping, and its other places are one row each."""
    folder = tmp_path / "directory"
    shutil.copytree(small_demo / "directory", folder)
    path = folder / "reseau_rcp.csv"
    lines = path.read_bytes().decode("latin-1").splitlines()
    header = lines[0].split(";")
    rows = [line.split(";") for line in lines[1:]]
    rows[0][header.index("modalite")] = "hybride"

    def write(columns: list[str]) -> None:
        keep = [header.index(c) for c in columns]
        text = "\n".join(";".join(r[i] for i in keep) for r in [header, *rows]) + "\n"
        path.write_bytes(text.encode("latin-1"))

    write(header)
    con = duckdb.connect()
    _, rec = _load(con, _files("directory", folder, "directory.toml"))
    assert _quarantined(con, "rcp_entity") == {
        "reseau_rcp.csv, reseau_rcp, row 2": "modalite: unknown code hybride"
    }
    assert rec[("reseau_rcp", "rcp_entity")].loaded == len(rows) - 1
    places = [r[header.index("autres_lieux")] for r in rows]
    linked = sum(len(p.split("|")) for p in places if p)
    assert con.execute("SELECT count(*) FROM mapped.rcp_place").fetchone() == (linked,)

    write([c for c in header if c != "inscription"])
    with pytest.raises(SourceError, match=r"reseau_rcp\.csv: column\(s\) 'inscription' missing"):
        _load(duckdb.connect(), _files("directory", folder, "directory.toml"))


def test_a_finess_record_type_typo_is_quarantined_not_dropped(
    small_demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "directory"
    shutil.copytree(small_demo / "directory", folder)
    lines = corpus.finess_typos(folder)
    con = duckdb.connect()
    loads, rec = _load(con, _files("directory", folder, "directory.toml"))
    where = f"{corpus.FINESS}, structureet, row"
    assert _quarantined(con, "establishment") == {
        f"{where} {lines[0]}": "record type 'STRUCTUREET' is not 'structureet'",
        f"{where} {lines[1]}": "record type 'structureet ' is not 'structureet'",
    }
    est = rec[("structureet", "establishment")]
    assert (est.offered, est.loaded, est.quarantined) == (23, 21, 2)
    [finding] = _findings(loads, "unknown_record")
    assert finding.count == 2 and finding.action == "quarantined"


def test_a_latin1_file_with_one_utf8_name_is_refused_naming_the_line(
    small_demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "directory"
    shutil.copytree(small_demo / "directory", folder)
    line = corpus.finess_mixed_encoding(folder)
    with pytest.raises(SourceError) as err:
        _load(duckdb.connect(), _files("directory", folder, "directory.toml"))
    message = str(err.value)
    assert f"{corpus.FINESS}, line {line}: mixed encodings" in message
    assert "the UTF-8 of 'ç'" in message and "MontluÃ§on" in message  # what it would have read


def test_a_population_with_a_thousands_dot_is_quarantined(small_demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "directory"
    shutil.copytree(small_demo / "directory", folder)
    line = corpus.population(folder, "12.345")
    con = duckdb.connect()
    _load(con, _files("directory", folder, "directory.toml"))
    assert _quarantined(con, "commune") == {
        f"communes_territoires.csv, communes, row {line}": "population: cannot read 12.345 as "
        "integer"
    }


# ---- a PostgreSQL store, incremental runs


def _sql_source(tmp_path: Path, url: str, **contract: object) -> Source:
    path = tmp_path / "seance.toml"
    path.write_text(corpus.SQL_MAPPING, encoding="utf-8")
    m = load_mapping(path)
    m = dataclasses.replace(m, contract=dataclasses.replace(m.contract, **contract))
    return Source("pg", "sql", m, url=url)


def _sql_run(
    con: duckdb.DuckDBPyConnection, source: Source, *, full: bool = False, load_id: str = "corpus"
) -> tuple[list[TableLoad], mapped.Reconciliation]:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    loads = sql_extract.extract(con, source, load_id=load_id, full=full, lag_hours=48)
    [rec] = mapped.apply(con, [source])
    assert rec.offered == rec.loaded + rec.quarantined
    return loads, rec


def _pg(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for s in statements:
            conn.execute(sa.text(s))
    engine.dispose()


@pytest.mark.postgres
def test_back_dated_and_null_watermark_inserts_are_loaded_and_counted(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus.sql_store(postgres_url)
    source = _sql_source(tmp_path, postgres_url)
    con = duckdb.connect()
    _sql_run(con, source, full=True)
    _pg(
        postgres_url,
        "INSERT INTO seance SELECT 100 + g, '2013-02-01 14:00', '2001-01-01', NULL "
        "FROM generate_series(1, 25) g",
        "INSERT INTO seance VALUES (200, '2013-02-02 14:00', NULL, NULL)",
    )
    loads, rec = _sql_run(con, source)
    [missed] = _findings(loads, "missed_rows")
    # the 25 back-dated and the one without a watermark: the incremental filter goes to the
    # store as `updated_at >= cut-off` (raw held no row without one), the keys find all 26
    assert missed.count == 26 and "id=101" in missed.message and missed.action == "loaded"
    [nulls] = _findings(loads, "null_watermark")
    assert nulls.count == 1
    assert rec.loaded == 40 + 26
    again, _ = _sql_run(con, source)  # the next run finds no gap, reads the NULL one again
    assert _findings(again, "missed_rows") == [] and _findings(again, "null_watermark")[0].count


@pytest.mark.postgres
def test_a_hard_delete_in_a_tombstone_table_is_seen_removed_and_warned(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus.sql_store(postgres_url)
    source = _sql_source(tmp_path, postgres_url)
    con = duckdb.connect()
    _sql_run(con, source, full=True)
    _pg(postgres_url, "DELETE FROM seance WHERE id IN (3, 4)")
    loads, rec = _sql_run(con, source)
    [gone] = _findings(loads, "hard_delete")
    assert gone.count == 2 and "id=3; id=4" in gone.message and gone.action == "warned"
    assert loads[0].deleted == 2 and rec.offered == 38
    with pytest.raises(SourceError, match=r"table `seance`: 1 row\(s\) deleted outright"):
        _pg(postgres_url, "DELETE FROM seance WHERE id = 5")
        _sql_run(con, _sql_source(tmp_path, postgres_url, hard_delete="refuse"))


@pytest.mark.postgres
def test_duplicate_keys_are_quarantined_with_their_key_not_overwritten(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus.sql_store(postgres_url, key=False)
    source = _sql_source(tmp_path, postgres_url)
    con = duckdb.connect()
    _sql_run(con, source, full=True)
    _pg(postgres_url, "INSERT INTO seance VALUES (7, '2013-03-30 09:00', '2013-03-20', NULL)")
    loads, rec = _sql_run(con, source)
    [dup] = _findings(loads, "duplicate_key")
    assert (dup.count, dup.action) == (2, "quarantined") and "id=7" in dup.message
    # the two rows of key 7 are the same two in the store and in raw: not a change
    assert _findings(loads, "changed_rows") == [] and loads[0].mode == "incremental"
    assert _quarantined(con, "session") == {"id=7": "duplicate key id: 2 rows in the store"}
    assert rec.quarantined == 2 and rec.loaded == 39  # both rows of key 7, neither overwritten
    _pg(postgres_url, "DELETE FROM seance WHERE id = 7 AND date_seance = '2013-03-30 09:00'")
    _, fixed = _sql_run(con, source)  # fixed in the store, without a watermark: re-evaluated
    assert (fixed.loaded, fixed.quarantined) == (40, 0)


@pytest.mark.postgres
def test_duplicates_stay_quarantined_on_runs_that_do_not_read_them_and_a_new_contract_rechecks_all(
    tmp_path: Path, postgres_url: str
) -> None:
    """An incremental run groups only the keys it loaded and those already marked (not the
    whole table), yet reports the same duplicates as a run that grouped everything; a contract
    changed since the table was checked groups it whole again."""
    corpus.sql_store(postgres_url, key=False)
    # no hash check: two rows of one key would differ from each other and re-read the table
    source = _sql_source(tmp_path, postgres_url, hash_check="off")
    con = duckdb.connect()
    _sql_run(con, source, full=True, load_id="run1")
    # back-dated: loaded by the key reconciliation of the next run, then never read again
    _pg(postgres_url, "INSERT INTO seance VALUES (7, '2013-03-30 09:00', '2013-01-20', NULL)")
    for run in ("run2", "run3"):  # run3 reads only the lag window, not key 7
        loads, rec = _sql_run(con, source, load_id=run)
        [dup] = _findings(loads, "duplicate_key")
        assert (dup.count, dup.action) == (2, "quarantined") and "id=7" in dup.message, run
        assert _quarantined(con, "session") == {"id=7": "duplicate key id: 2 rows in the store"}
        assert (rec.loaded, rec.quarantined) == (39, 2), run
    warned = _sql_source(tmp_path, postgres_url, duplicate_key="warn", hash_check="off")
    _pg(postgres_url, "INSERT INTO seance VALUES (9, '2013-03-29 09:00', '2013-01-21', NULL)")
    loads, _ = _sql_run(con, warned, load_id="run4")  # 9's rows loaded, kept, warned
    assert {f.count for f in _findings(loads, "duplicate_key")} == {4}
    loads, rec = _sql_run(con, source, load_id="run5")  # quarantine again: 9 not read this run
    [dup] = _findings(loads, "duplicate_key")
    assert dup.count == 4 and "id=7" in dup.message and "id=9" in dup.message
    assert set(_quarantined(con, "session")) == {"id=7", "id=9"}
    assert (rec.loaded, rec.quarantined) == (38, 4)


def _junk_in_session_9(tmp_path: Path, url: str) -> tuple[duckdb.DuckDBPyConnection, Source]:
    """The corpus loaded whole, then session 9's date turned into words the store accepts."""
    corpus.sql_store(url)
    source = _sql_source(tmp_path, url)
    con = duckdb.connect()
    _sql_run(con, source, full=True)
    _pg(
        url,
        "ALTER TABLE seance ALTER COLUMN date_seance TYPE TEXT",
        "UPDATE seance SET date_seance = 'hier 14h', updated_at = '2013-03-20' WHERE id = 9",
    )
    return con, source


@pytest.mark.postgres
def test_a_junk_value_quarantines_its_row_named_by_key_or_refuses_the_source(
    tmp_path: Path, postgres_url: str
) -> None:
    con, source = _junk_in_session_9(tmp_path, postgres_url)
    with pytest.raises(SourceError) as err:
        _sql_run(con, _sql_source(tmp_path, postgres_url, bad_value="refuse"))
    assert "table `seance`: row id=9: date_seance: cannot read hier 14h as timestamp" in str(
        err.value
    )
    loads, rec = _sql_run(con, source)  # the others load; the row is quarantined, by key
    assert _findings(loads, "bad_value")[0].count == 1
    assert _quarantined(con, "session") == {
        "id=9": "date_seance: cannot read hier 14h as timestamp; missing session_start"
    }
    assert (rec.loaded, rec.quarantined) == (39, 1)
    _pg(postgres_url, "UPDATE seance SET date_seance = '2013-03-09 14:00:00' WHERE id = 9")
    loads, rec = _sql_run(con, source)  # fixed without moving updated_at: read again by key
    assert _findings(loads, "reread")[0].count == 1
    assert (rec.loaded, rec.quarantined) == (40, 0)


@pytest.mark.postgres
def test_a_quarantined_row_deleted_from_the_store_is_not_read_again_and_leaves_the_quarantine(
    tmp_path: Path, postgres_url: str
) -> None:
    con, source = _junk_in_session_9(tmp_path, postgres_url)
    _sql_run(con, source)
    assert set(_quarantined(con, "session")) == {"id=9"}
    _pg(postgres_url, "DELETE FROM seance WHERE id = 9")
    loads, rec = _sql_run(con, source)
    assert not _findings(loads, "reread")  # gone from the store: nothing to read again
    assert _findings(loads, "hard_delete")[0].count == 1
    assert _quarantined(con, "session") == {}
    assert (rec.loaded, rec.quarantined) == (39, 0)


@pytest.mark.postgres
def test_a_row_quarantined_for_a_null_key_is_re_evaluated_once_fixed(
    tmp_path: Path, postgres_url: str
) -> None:
    corpus.sql_store(postgres_url, key=False)
    _pg(postgres_url, "INSERT INTO seance VALUES (NULL, '2013-03-05 14:00', '2013-01-05', NULL)")
    source = _sql_source(tmp_path, postgres_url)
    con = duckdb.connect()
    _, rec = _sql_run(con, source, full=True)
    assert _quarantined(con, "session") == {"id=NULL": "missing session_key"}
    _pg(postgres_url, "UPDATE seance SET id = 41 WHERE id IS NULL")  # no new updated_at
    loads, rec = _sql_run(con, source)
    assert (rec.loaded, rec.quarantined) == (41, 0)
    assert _findings(loads, "missed_rows")[0].count == 1


@pytest.mark.parametrize(
    ("store", "check"),
    [
        pytest.param("postgres_url", "full", marks=pytest.mark.postgres),
        # the sample read by the store's own query (an index lookup), every row of the 40
        pytest.param("postgres_url", "sample", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", "sample", marks=pytest.mark.mariadb),
    ],
)
def test_a_row_changed_without_its_watermark_is_found_by_hash_and_the_table_reread(
    store: str, check: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(store)
    corpus.sql_store(url)
    source = _sql_source(tmp_path, url, hash_check=check, hash_sample=1000)
    con = duckdb.connect()
    _sql_run(con, source, full=True)
    loads, _ = _sql_run(con, source)  # unchanged: every row's hash agrees
    assert not _findings(loads, "changed_rows") and loads[0].mode == "incremental"
    _pg(url, "UPDATE seance SET date_seance = '2013-03-29 09:00' WHERE id = 12")
    loads, _ = _sql_run(con, source)
    [changed] = _findings(loads, "changed_rows")
    assert (changed.count, changed.action, loads[0].mode) == (1, "reloaded", "reloaded")
    assert con.execute(
        "SELECT strftime(session_start, '%d %H') FROM mapped.session WHERE session_key = '12'"
    ).fetchone() == ("29 09",)


# ---- a whole run: refused, nothing published; warned, published and flagged


def test_a_refused_run_keeps_the_published_warehouse_and_a_warned_one_is_flagged(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    from cli.main import app

    etl = etl_factory(small_demo, "contract")
    first = etl.run(full=True)
    assert first.status == "success" and first.warnings == []
    sums = etl.checksums()
    [book] = (etl.demo / "sheets").glob("*.xlsx")
    book.rename(book.with_suffix(".csv"))  # the year's workbook sent as something else
    with pytest.raises(SourceError, match=rf"expected workbook {book.name} is missing"):
        etl.run()
    assert str(Warehouse(etl.warehouse).current()) == first.snapshot
    assert etl.checksums() == sums
    config = etl.warehouse.parent / "config-warn"
    shutil.copytree(PROJECT_ROOT / "config", config)
    etl.monkeypatch.setenv("RRC_CONFIG_DIR", str(config))
    mapping = config / "mappings" / "sheets_3c.toml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace(
            'missing_file = "refuse"', 'missing_file = "warn"'
        ),
        encoding="utf-8",
    )
    warned = etl.run()
    assert (
        warned.status == "success" and [f.kind for f in warned.warnings] == ["missing_file"] * 5
    )  # one per sheet of the workbook, its rows kept
    assert etl.checksums() == sums
    con = etl.connect()
    files = con.execute(
        "SELECT present, rows_read, kept_previous, loaded FROM meta.reconciliation_files "
        "WHERE \"table\" = 'Dossiers'"
    ).fetchall()
    con.close()
    assert files[0][0] is False and files[0][2] == files[0][3] > 0
    from cli.console import console

    etl.monkeypatch.setattr(console, "_width", 400)  # whole lines, whatever the terminal
    out = CliRunner().invoke(app, ["etl", "status", "--last", "3"])
    assert out.exit_code == 0, out.output
    assert "failed" in out.output and "5 warnings" in out.output
    assert "missing_file" in out.output and book.name in out.output
