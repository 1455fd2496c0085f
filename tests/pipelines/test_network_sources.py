"""The network's own activity sources under their contracts: the coordination team's yearly
workbook (config/mappings/coordination.toml) and the DCC service desk's export
(config/mappings/dcc_service.toml). A row a person got wrong is quarantined with its reason and
where to find it, and counted; a missing column, workbook or file stops the source, named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from demo import network
from demo.reference import load_region
from demo.stores import network as store
from demo.stores.spreadsheets import write_workbook
from pipelines import mapped
from pipelines.config import Source, load_mapping
from pipelines.extract import files as file_extract
from pipelines.raw import TableLoad
from rrc.errors import SourceError
from rrc.settings import PROJECT_ROOT

MAPPINGS = PROJECT_ROOT / "config" / "mappings"
PATTERN = "activite_reseau_{year}.xlsx"


@pytest.fixture(scope="module")
def activity() -> network.Activity:
    return network.build(2012, 2013, 7, 2013, load_region())


def _workbooks(
    folder: Path, activity: network.Activity, years: list[int], **changes: object
) -> None:
    """Write the workbooks of `years`; `changes[sheet]` rewrites a sheet of 2013 (a function of
    its frame, all cells as text)."""
    for year in years:
        sheets = store.sheets(activity, year)
        if year == 2013:
            for name, change in changes.items():
                text = sheets[name].with_columns(  # as typed: 21/03/2013, 4, 1,5
                    pl.col(pl.Date).dt.strftime("%d/%m/%Y"),
                    pl.col(pl.Float64)
                    .cast(pl.String)
                    .str.replace(r"\.0$", "")
                    .str.replace(".", ",", literal=True),
                    pl.exclude(pl.Date, pl.Float64).cast(pl.String),
                )
                sheets[name] = change(text)  # type: ignore[operator]
        write_workbook(folder / store.workbook_name(year), f"test {year}", sheets)


def _set(frame: pl.DataFrame, row: int, column: str, value: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value))
        .otherwise(pl.col(column))
        .alias(column)
    )


def _load(
    source: Source,
) -> tuple[
    duckdb.DuckDBPyConnection, list[TableLoad], dict[tuple[str, str], mapped.Reconciliation]
]:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    loads = file_extract.extract(con, source, load_id="test")
    rec = {(r.table, r.entity): r for r in mapped.apply(con, [source])}
    for r in rec.values():  # nothing lost: every row offered is loaded, quarantined or skipped
        assert r.offered == r.loaded + r.quarantined + r.skipped, r
    return con, loads, rec


def _workbook_source(folder: Path) -> Source:
    return Source(
        "coordination",
        "spreadsheet",
        load_mapping(MAPPINGS / "coordination.toml"),
        path=folder,
        pattern=PATTERN,
    )


def _log_source(folder: Path) -> Source:
    return Source("dcc_service", "files", load_mapping(MAPPINGS / "dcc_service.toml"), path=folder)


def _quarantine(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute("SELECT location, reason FROM quality.quarantine ORDER BY 1").fetchall()
    )


def test_rows_of_the_workbook_a_person_got_wrong_are_quarantined_named_and_counted(
    tmp_path: Path, activity: network.Activity
) -> None:
    def meetings(f: pl.DataFrame) -> pl.DataFrame:
        f = _set(f, 1, "Date", "31/02/2013")  # no such day
        f = _set(f, 2, "Groupe", "Groupe des amis")  # not a group of the mapping
        return _set(f, 4, "N° réunion", str(f["N° réunion"][3]))  # a number given twice

    def trainings(f: pl.DataFrame) -> pl.DataFrame:
        return _set(f, 0, "Médecins", "trois")

    _workbooks(tmp_path, activity, [2012, 2013], **{"Réunions": meetings, "Formations": trainings})
    con, loads, rec = _load(_workbook_source(tmp_path))
    book = "activite_reseau_2013.xlsx"
    assert _quarantine(con) == {
        f"{book}, Réunions, row 4": "Date: cannot read 31/02/2013 as date; missing meeting_date",
        f"{book}, Réunions, row 5": "Groupe: unknown code Groupe des amis; missing group_code",
        f"{book}, Réunions, row 6": "duplicate key N° réunion: 2 rows in the store",
        f"{book}, Réunions, row 7": "duplicate key N° réunion: 2 rows in the store",
        f"{book}, Formations, row 3": "Médecins: cannot read trois as integer; missing "
        "participants",
    }
    assert rec[("Réunions", "network_meeting")].quarantined == 4
    physicians = rec[("Formations", "training_physicians")]
    assert physicians.quarantined == 1
    assert physicians.skipped > 0  # a profession without participant: a blank cell, counted
    duplicates = [f for x in loads for f in x.findings if f.kind == "duplicate_key"]
    assert [(f.table, f.count, f.action) for f in duplicates] == [("Réunions", 2, "quarantined")]
    # the session itself loads: only its physicians' count is in doubt
    assert rec[("Formations", "training_session")].quarantined == 0


def test_a_missing_column_or_workbook_stops_the_source_and_names_it(
    tmp_path: Path, activity: network.Activity
) -> None:
    _workbooks(tmp_path, activity, [2012, 2013], **{"Réunions": lambda f: f.drop("Groupe")})
    with pytest.raises(SourceError, match=r"activite_reseau_2013\.xlsx, sheet Réunions.*'Groupe'"):
        _load(_workbook_source(tmp_path))
    other = tmp_path / "gap"
    other.mkdir()
    _workbooks(other, activity, [2012, 2013])
    (other / "activite_reseau_2012.xlsx").rename(other / "activite_reseau_2011.xlsx")
    with pytest.raises(SourceError, match=r"expected workbook activite_reseau_2012\.xlsx"):
        _load(_workbook_source(other))


def test_rows_of_the_service_log_a_person_got_wrong_are_quarantined_named_and_counted(
    tmp_path: Path, activity: network.Activity
) -> None:
    files = store.log_files(activity)
    files["incidents.csv"] = _set(
        _set(files["incidents.csv"], 0, "gravite", "Bloquante"), 1, "debut", "31/04/2013 10:00"
    )
    files["satisfaction.csv"] = _set(files["satisfaction.csv"], 2, "satisfaction", "Ravi")
    for name, frame in files.items():
        frame.write_csv(tmp_path / name)
    con, _, rec = _load(_log_source(tmp_path))
    assert _quarantine(con) == {
        "incidents.csv, incidents, row 2": "gravite: unknown code Bloquante; missing severity",
        "incidents.csv, incidents, row 3": "debut: cannot read 31/04/2013 10:00 as timestamp; "
        "missing started_at",
        "satisfaction.csv, satisfaction, row 4": "satisfaction: unknown code Ravi; missing score",
    }
    assert rec[("incidents", "dcc_incident")].quarantined == 2
    assert rec[("incidents", "dcc_incident")].loaded == activity.incidents.height - 2
    assert rec[("satisfaction", "dcc_satisfaction")].quarantined == 1


def test_a_missing_file_of_the_service_log_stops_the_source(
    tmp_path: Path, activity: network.Activity
) -> None:
    for name, frame in store.log_files(activity).items():
        if name != "maintenances.csv":
            frame.write_csv(tmp_path / name)
    with pytest.raises(SourceError, match=r"maintenances\.csv not found"):
        _load(_log_source(tmp_path))
