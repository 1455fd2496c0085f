"""Bad spreadsheets and files: every row is either loaded or quarantined with a reason naming its
column (and the original row keeps its workbook and Excel row); a file that cannot be read stops
its source with an error naming the file and sheet, and leaves the raw layer as it was."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import mapped
from pipelines.config import Source, load_mapping
from pipelines.extract import files as file_extract
from rrc.errors import SourceError
from rrc.settings import PROJECT_ROOT
from tests.reliability.conftest import STRESS
from tests.reliability.workbooks import Cell, Formula, Merged, read_demo, write

MAPPINGS = PROJECT_ROOT / "config" / "mappings"
BIG_SHEET = 1_048_574 if STRESS else 100_000  # Excel's last row, less the title and header
NAME = "C3-99_activite_2013.xlsx"


def _source(kind: str, folder: Path, mapping: str, pattern: str | None = None) -> Source:
    return Source("bad", kind, load_mapping(MAPPINGS / mapping), path=folder, pattern=pattern)


def _sheets(folder: Path) -> Source:
    return _source("spreadsheet", folder, "sheets_3c.toml", "C3-*.xlsx")


def _load(con: duckdb.DuckDBPyConnection, source: Source) -> list[mapped.Reconciliation]:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    file_extract.extract(con, source, load_id="bad")
    rec = mapped.apply(con, [source])
    for r in rec:
        assert r.offered == r.loaded + r.quarantined + r.skipped, r  # nothing lost
    return rec


def _set(rows: list[list[Cell]], row: int, column: str, value: Cell) -> None:
    rows[row + 1][rows[0].index(column)] = value  # rows[0] is the header


@pytest.fixture
def demo_sheets(small_demo: Path) -> dict[str, list[list[Cell]]]:
    return read_demo(next((small_demo / "sheets").glob("*.xlsx")))


def test_messy_cells_are_loaded_or_quarantined_with_the_column_and_the_excel_row(
    tmp_path: Path, demo_sheets: dict[str, list[list[Cell]]]
) -> None:
    dossiers, meetings = demo_sheets["Dossiers"], demo_sheets["Réunions"]
    rcp = str(meetings[1][1])
    _set(dossiers, 0, "OMS", "deux")  # a word where a number belongs
    _set(dossiers, 1, "Date RCP", "05/03/2013")  # a date stored as text
    _set(dossiers, 2, "Date RCP", "31/02/2013")  # ... that is no date
    _set(dossiers, 3, "Date RCP", datetime(2013, 3, 7))  # a real date cell
    _set(dossiers, 4, "N° fiche", Formula("=900000+4", 900004))  # a formula and its result
    _set(dossiers, 5, "Nom", '=HYPERLINK("http://evil.example/x","clic")')  # text, kept as is
    _set(meetings, 0, "RCP", Merged(rcp, 3))  # merged over three rows
    _set(meetings, 1, "RCP", None)
    _set(meetings, 2, "RCP", None)
    write(tmp_path / NAME, demo_sheets)
    con = duckdb.connect()
    rec = {r.entity: r for r in _load(con, _sheets(tmp_path))}
    assert rec["fiche_version"].offered == len(dossiers) - 1  # every row of the sheet
    reasons = dict(
        con.execute(
            "SELECT original_row->>'_row', reason FROM quality.quarantine "
            "WHERE entity = 'fiche_version'"
        ).fetchall()
    )
    # Excel rows: title in 1, header in 2, so the first data row is row 3
    assert reasons.keys() == {"3", "5"}, reasons
    assert "OMS: cannot read deux as integer" in reasons["3"]
    assert "Date RCP: cannot read 31/02/2013" in reasons["5"]
    assert rec["fiche_version"].quarantined == 2
    loaded = dict(
        con.execute(
            "SELECT fiche_key, strftime(rcp_date, '%Y-%m-%d') FROM mapped.fiche_version"
        ).fetchall()
    )
    assert loaded[str(dossiers[2][0])] == "2013-03-05"
    assert loaded[str(dossiers[4][0])] == "2013-03-07"
    assert "900004" in loaded
    names = [n for (n,) in con.execute("SELECT last_name FROM mapped.identity").fetchall()]
    assert '=HYPERLINK("http://evil.example/x","clic")' in names  # data is kept, exports defuse it
    merged = con.execute('SELECT "RCP" FROM raw."bad__Réunions" ORDER BY _row LIMIT 3').fetchall()
    assert merged == [(rcp,), (None,), (None,)]  # only the first cell holds the value


def test_an_empty_sheet_names_the_file_the_sheet_and_the_missing_columns(
    tmp_path: Path, demo_sheets: dict[str, list[list[Cell]]]
) -> None:
    con = duckdb.connect()
    write(tmp_path / NAME, demo_sheets)
    _load(con, _sheets(tmp_path))
    before = con.execute('SELECT count(*) FROM raw."bad__Réunions"').fetchone()
    demo_sheets["Médecins"] = []
    write(tmp_path / NAME, demo_sheets)
    with pytest.raises(SourceError) as err:
        _load(con, _sheets(tmp_path))
    message = str(err.value)
    assert f"{NAME}, sheet Médecins: column(s) 'RPPS'" in message and "missing" in message
    # the sheets read before it in the same source were rolled back, not half replaced
    assert con.execute('SELECT count(*) FROM raw."bad__Réunions"').fetchone() == before


def test_a_truncated_workbook_names_the_file_and_the_sheet(
    tmp_path: Path, demo_sheets: dict[str, list[list[Cell]]]
) -> None:
    path = write(tmp_path / NAME, demo_sheets)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(SourceError, match=rf"cannot read sheet 'Réunions' of {NAME}"):
        _load(duckdb.connect(), _sheets(tmp_path))


def test_a_csv_in_the_wrong_encoding_names_the_file_and_line(
    small_demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    shutil.copytree(small_demo / "registry", folder)
    header, *lines = (folder / "inclusions.csv").read_text(encoding="utf-8").splitlines()
    lines[4] += " (Hôtel-Dieu)"  # one value with an accent, saved in latin-1
    latin = "\n".join([header, *lines]).encode("latin-1")
    (folder / "inclusions.csv").write_bytes(latin)
    with pytest.raises(SourceError) as err:
        _load(duckdb.connect(), _source("trial_registry", folder, "registry.toml"))
    assert "inclusions.csv is not UTF-8: byte 0xf4 on line 6" in str(err.value)


def test_a_latin1_file_that_arrives_in_utf8_is_refused(small_demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "directory"
    shutil.copytree(small_demo / "directory", folder)
    path = folder / "reseau_3c.csv"
    path.write_bytes(path.read_bytes().decode("latin-1").encode("utf-8"))
    with pytest.raises(SourceError, match=r"reseau_3c\.csv is UTF-8, not latin-1"):
        _load(duckdb.connect(), _source("directory", folder, "directory.toml"))


def test_a_registry_export_in_the_wrong_encoding_names_the_file(
    small_demo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    shutil.copytree(small_demo / "registry", folder)
    doc = json.loads((folder / "essais_cliniques.json").read_text(encoding="utf-8"))
    (folder / "essais_cliniques.json").write_bytes(
        json.dumps(doc, ensure_ascii=False).replace("e", "é").encode("latin-1")
    )
    with pytest.raises(SourceError, match=r"essais_cliniques\.json"):
        _load(duckdb.connect(), _source("trial_registry", folder, "registry.toml"))


@pytest.mark.slow
def test_a_sheet_of_a_million_rows_is_read_whole(
    tmp_path: Path, demo_sheets: dict[str, list[list[Cell]]]
) -> None:
    header = demo_sheets["Médecins"][0]
    demo_sheets["Médecins"] = [
        header,
        *([f"1{i:010d}", "NOM", "Prénom", "Oncologie médicale", None] for i in range(BIG_SHEET)),
    ]
    started = time.perf_counter()
    write(tmp_path / NAME, demo_sheets, fast=True)
    written = time.perf_counter() - started
    con = duckdb.connect()
    rec = {(r.table, r.entity): r for r in _load(con, _sheets(tmp_path))}
    loaded = time.perf_counter() - started - written
    assert con.execute('SELECT count(*) FROM raw."bad__Médecins"').fetchone() == (BIG_SHEET,)
    professionals = rec[("Médecins", "professional")]
    assert professionals.loaded == BIG_SHEET and professionals.quarantined == 0
    last = con.execute('SELECT max(_row) FROM raw."bad__Médecins"').fetchone()
    assert last == (BIG_SHEET + 2,)  # the Excel row number of the last one
    print(f"\n{BIG_SHEET:,} rows: written in {written:.1f} s, read and mapped in {loaded:.1f} s")
