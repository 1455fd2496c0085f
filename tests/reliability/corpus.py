"""The bad-input corpus: one small case per class of input that used to be lost or changed
silently (issue 17), written the way a 3C secretary, a vendor upgrade or a hurried export
produce them. `tests/reliability/test_contracts.py` asserts what each must end as: a refusal
naming file, sheet, column or row, a quarantined row with its exact reason and row, or a named
warning that flags the run.

`python -m tests.reliability.corpus OUT` writes every file case into OUT/<case>/ to look at.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

from tests.reliability.workbooks import Cell, TimeCell, write

YEAR = 2013
WORKBOOK = "C3-99_activite_{year}.xlsx"
FINESS = "finess_etablissements.csv"

# one valid row per sheet of a 3C workbook, the columns its mapping reads (sheets_3c.toml)
MEETING = {
    "N° réunion": "1",
    "RCP": "RCP digestive Aurillac",
    "Date": "05/03/2013",
    "Heure": "14h00",
    "Lieu": "CH Aurillac",
}
DOSSIER = {
    "N° fiche": "1001",
    "N° réunion": "1",
    "Date RCP": "05/03/2013",
    "Établissement (FINESS)": "150780096",
    "IPP": "IPP1",
    "INS": None,
    "Nom": "DURAND",
    "Prénom": "Anne",
    "Né(e) le": "12/06/1950",
    "Sexe": "F",
    "Commune (INSEE)": "15014",
    "Médecin traitant (RPPS)": "10000000001",
    "Médecin demandeur (RPPS)": "10000000002",
    "Organe": "Digestif",
    "CIM-10": "C18.7",
    "Morphologie (CIM-O-3)": "8140/3",
    "T": "T2",
    "N": "N0",
    "M": "M0",
    "OMS": "1",
    "Phase": "Premier épisode",
    "1re présentation": "Oui",
    "Fiche précédente": None,
    "Motif": "Décision thérapeutique",
    "Type de dossier": "Discuté",
    "Mode": "Présentiel",
    "Patient informé": "Oui",
    "Propositions": "Chirurgie",
    "Essai proposé": None,
    "Statut": "Validée",
    "N° d'ordre": "1",
    "Validée le": "05/03/2013 15:10",
}
PRESENCE = {
    "N° réunion": "1",
    "RPPS": "10000000002",
    "Médecin": "MARTIN Paul",
    "Présence": "Présent",
}
PPS = {
    "N° PPS": "501",
    "N° fiche": "1001",
    "Remis le": "12/03/2013",
    "Médecin traitant (RPPS)": "10000000001",
    "Médecin référent (RPPS)": "10000000002",
    "Étape": "1",
    "Type d'étape": "Chirurgie",
    "Début prévu": "20/03/2013",
    "Fin prévue": "21/03/2013",
}
PHYSICIAN = {
    "RPPS": "10000000002",
    "Nom": "MARTIN",
    "Prénom": "Paul",
    "Spécialité": "Chirurgie digestive",
    "Spécialité 2": None,
}

Sheets = dict[str, list[dict[str, Cell]]]


def sheets(dossiers: int = 12, meetings: int = 3) -> Sheets:
    """A valid workbook's rows: `meetings` sessions, `dossiers` dossiers spread over them."""
    out: Sheets = {
        "Réunions": [MEETING | {"N° réunion": str(i)} for i in range(1, meetings + 1)],
        "Dossiers": [
            DOSSIER
            | {"N° fiche": str(1000 + i), "IPP": f"IPP{i}", "N° réunion": str(1 + i % meetings)}
            for i in range(1, dossiers + 1)
        ],
        "Présences": [PRESENCE | {"N° réunion": str(i)} for i in range(1, meetings + 1)],
        "PPS": [PPS],
        "Médecins": [PHYSICIAN],
    }
    return out


def write_workbook(
    folder: Path,
    rows: Sheets,
    year: int = YEAR,
    name: str | None = None,
    blank_after: dict[str, int] | None = None,
) -> Path:
    """The workbook, a title row above each header (Excel row 1), the header on row 2;
    `blank_after` leaves a blank row after that many data rows of a sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    cells: dict[str, list[list[Cell]]] = {}
    for sheet, records in rows.items():
        header = list(records[0]) if records else []
        body: list[list[Cell]] = [[r.get(h) for h in header] for r in records]
        at = (blank_after or {}).get(sheet)
        if at is not None:
            body.insert(at, [None] * len(header))
        cells[sheet] = [header, *body]
    return write(folder / (name or WORKBOOK.format(year=year)), cells)


def duplicated_header(folder: Path) -> None:
    """A second `Organe` column added at the right, as a copy-paste leaves it."""
    path = write_workbook(folder, sheets())
    rows = sheets()
    cells: dict[str, list[list[Cell]]] = {}
    for sheet, records in rows.items():
        header: list[Cell] = list(records[0])
        body = [[r.get(str(h)) for h in header] for r in records]
        if sheet == "Dossiers":
            header.append("Organe")
            body = [[*b, "Sein"] for b in body]
        cells[sheet] = [header, *body]
    write(path, cells)


def headerless_column(folder: Path) -> None:
    """Values typed into the column right of the last header (AG of Dossiers)."""
    path = write_workbook(folder, sheets())
    rows = sheets()
    cells: dict[str, list[list[Cell]]] = {}
    for sheet, records in rows.items():
        header: list[Cell] = list(records[0])
        body = [[r.get(str(h)) for h in header] for r in records]
        if sheet == "Dossiers":
            header.append(None)
            body = [[*b, "à revoir"] for b in body]
        cells[sheet] = [header, *body]
    write(path, cells)


def years(folder: Path, present: tuple[int, ...]) -> None:
    for y in present:
        rows = sheets()
        for sheet in rows.values():
            for r in sheet:
                for k in ("N° fiche", "N° réunion", "N° PPS"):
                    if k in r:
                        r[k] = f"{y}{r[k]}"
        write_workbook(folder, rows, y)


def csv_with_bom_instead(folder: Path) -> None:
    years(folder, (2012, 2014))
    text = ";".join(DOSSIER) + "\n" + ";".join(str(v or "") for v in DOSSIER.values()) + "\n"
    (folder / WORKBOOK.format(year=2013).replace(".xlsx", ".csv")).write_bytes(
        b"\xef\xbb\xbf" + text.encode("utf-8")
    )


def renamed(folder: Path) -> None:
    years(folder, (2012, 2014))
    write_workbook(folder, sheets(), 2013, name="C3-99_activite_2013 (copie).xlsx")


def values(folder: Path, column: str, cells: list[Cell], sheet: str = "Dossiers") -> None:
    """Row i + 3 of `sheet` (Excel rows: title, header, then data) gets cells[i] in `column`."""
    rows = sheets(dossiers=max(len(cells), 3))
    for r, value in zip(rows[sheet], cells, strict=False):
        r[column] = value
    write_workbook(folder, rows)


def blank_row(folder: Path) -> None:
    rows = sheets()
    rows["Dossiers"][10]["OMS"] = "deux"  # data row 11: Excel row 13, or 14 after a blank row
    write_workbook(folder, rows, blank_after={"Dossiers": 5})


def time_cell(folder: Path) -> None:
    rows = sheets()
    rows["Réunions"][0]["Heure"] = TimeCell(time(14, 30))  # a time-typed cell
    rows["Réunions"][1]["Date"] = datetime(2013, 3, 12)  # and a real date cell
    write_workbook(folder, rows)


def unreadable_time(folder: Path) -> None:
    rows = sheets(dossiers=12, meetings=3)
    rows["Réunions"][0]["Heure"] = "14h7O"  # letter O for a zero: session 1 and its 4 dossiers
    write_workbook(folder, rows)


# ---- directory (latin-1 FINESS extract) and registry (JSON) cases, over a copy of the demo's


def finess_typos(folder: Path) -> list[int]:
    """Two establishments' record types mistyped; returns their line numbers."""
    path = folder / FINESS
    lines = path.read_bytes().split(b"\n")
    found = [i for i, line in enumerate(lines) if line.startswith(b"structureet;")]
    first, second = found[3], found[7]
    lines[first] = b"STRUCTUREET" + lines[first][len(b"structureet") :]
    lines[second] = b"structureet " + lines[second][len(b"structureet") :]
    path.write_bytes(b"\n".join(lines))
    return [first + 1, second + 1]


def finess_mixed_encoding(folder: Path) -> int:
    """One name saved in UTF-8 inside the latin-1 file; returns its line number."""
    path = folder / FINESS
    lines = path.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if b"Montlu" in line)
    lines[at] = lines[at].decode("latin-1").encode("utf-8")
    path.write_bytes(b"\n".join(lines))
    return at + 1


def population(folder: Path, value: str) -> int:
    """A commune's population written with a thousands dot; returns its line number."""
    path = folder / "communes_territoires.csv"
    lines = path.read_bytes().split(b"\n")
    fields = lines[5].split(b";")
    fields[4] = value.encode()
    lines[5] = b";".join(fields)
    path.write_bytes(b"\n".join(lines))
    return 6


def registry_types(folder: Path) -> dict[int, str]:
    """Studies with values of the wrong JSON type; returns {record number: column}."""
    path = folder / "essais_cliniques.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    studies = doc["studies"]
    ident = [s["protocolSection"]["identificationModule"] for s in studies]
    ident[1]["nctId"] = 1500037
    ident[2]["nctId"] = True
    ident[3]["briefTitle"] = ["Essai", "de phase 3"]
    studies[4]["protocolSection"]["designModule"]["phases"] = ["PHASE5"]
    studies[5]["protocolSection"]["designModule"]["phases"] = "PHASE2"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return {2: "nct_id", 3: "nct_id", 4: "title", 5: "phase", 6: "phase"}


FILE_CASES: dict[str, Callable[[Path], object]] = {
    "duplicated_header": duplicated_header,
    "headerless_column": headerless_column,
    "missing_year": lambda f: years(f, (2012, 2014)),
    "renamed_workbook": renamed,
    "csv_with_bom": csv_with_bom_instead,
    "integers": lambda f: values(f, "OMS", ["2.7", "2.5", "0x2", "1e1", "2"]),
    "two_digit_year": lambda f: values(f, "Date RCP", ["10/01/13", "10/01/2013"]),
    "blank_row": blank_row,
    "time_cell": time_cell,
    "unreadable_time": unreadable_time,
}


def main(out: Path) -> None:
    for name, build in FILE_CASES.items():
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        build(folder)
        print(folder)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))


# ---- a SQL store's table, for the incremental cases (PostgreSQL in the tests)

SQL_MAPPING = """
[contract]
bad_value = "quarantine"
duplicate_key = "quarantine"
missed_rows = "warn"
hard_delete = "warn"
changed_rows = "reload"
hash_check = "full"

[tables.seance]
key = ["id"]
watermark = "updated_at"
deletes = "tombstone"

[entities.session]
from = "seance"
[entities.session.columns]
session_key = "id"
session_start = "date_seance"
"""


def sql_store(url: str, rows: int = 40, *, text_dates: bool = False, key: bool = True) -> None:
    """Table `seance`: `rows` sessions in March 2013, row i stamped (`updated_at`) i days after
    New Year's Day: an incremental run re-reads the last two days' only (the lag window)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    date_type = "TEXT" if text_dates else "TIMESTAMP"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE seance (id INTEGER {'PRIMARY KEY' if key else ''}, "
                f"date_seance {date_type}, updated_at TIMESTAMP, deleted_at TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text("INSERT INTO seance VALUES (:id, :d, :stamp, NULL)"),
            [
                {
                    "id": i,
                    "d": f"2013-03-{1 + i % 28:02d} 14:00:00",
                    "stamp": datetime(2013, 1, 1) + timedelta(days=i),
                }
                for i in range(1, rows + 1)
            ],
        )
    engine.dispose()
