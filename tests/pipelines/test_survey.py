"""A survey source held to its contract (config/mappings/survey.toml) on a literal export and a
small codebook: answers outside their scale, numbers that are none or out of range, ranks given
twice, unknown options, duplicate respondents quarantined with the file, row and column, or
refused; unknown and missing columns; the same export as CSV and XLSX; reconciliation."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from pipelines import mapped
from pipelines.config import Source, load_config, load_mapping
from pipelines.contract import Contract
from pipelines.extract import survey
from rrc.errors import ConfigError, SourceError
from rrc.settings import PROJECT_ROOT
from warehouse import codebook

CODEBOOK = """
[survey]
id = "mini"
title = "Mini-enquête"
year = 2013
territory = "territoire"
profession = "profession"

[export]
respondent = "id"
extras = ["date"]

[scales.accord]
options = { 1 = "pas du tout", 2 = "plutôt non", 3 = "plutôt oui", 4 = "totalement" }

[[questions]]
id = "territoire"
section = "A"
label = "Territoire de santé"
type = "single"
options = { T1 = "Aurillac", T2 = "Mauriac" }

[[questions]]
id = "profession"
section = "A"
label = "Profession"
type = "single"
options = { med = "Médecin", inf = "Infirmier(e)", autre = "Autre" }

[[questions]]
id = "profession_autre"
section = "A"
label = "Profession : autre (préciser)"
type = "other"
of = "profession"

[[questions]]
id = "aide"
section = "B"
label = "Vous trouvez de l'aide auprès de vos collègues"
type = "likert"
scale = "accord"

[[questions]]
id = "heures"
section = "B"
label = "Heures par semaine"
type = "number"
min = 0
max = 100
integer = true
bins = [35, 45]
unit = "h"

[[questions]]
id = "criteres"
section = "B"
label = "Critères de souffrance (2 au plus, classés)"
type = "multiple"
max = 2
ranked = true
options = { charge = "charge de travail", stress = "stress", formation = "manque de formation" }

[[questions]]
id = "mesures"
section = "B"
label = "Mesures"
type = "multiple"
options = { tel = "soutien téléphonique", psy = "soutien psychologique" }
"""
HEADER = ("id;date;territoire;profession;profession_autre;aide;heures;criteres_charge;"
          "criteres_stress;criteres_formation;mesures_tel;mesures_psy")  # fmt: skip
ROWS = [  # (row as a spreadsheet numbers it, cells); row 1 is the header
    (2, "1;2013-04-09;T1;med;;3;50;1;2;;1;0"),
    (3, "2;2013-04-09;T2;autre;sophrologue;4;35;;1;;0;1"),
    (4, "3;2013-04-09;T1;inf;;5;40;;;;0;0"),  # 5 is not on a 4-point scale
    (5, "4;2013-04-09;T1;inf;;2;quarante;;;;0;0"),  # not a number
    (6, "5;2013-04-09;T2;med;;2;168;;;;0;0"),  # out of range
    (7, "6;2013-04-09;T1;med;;1;30;1;1;;0;0"),  # rank 1 twice
    (8, "7;2013-04-09;T1;med;;1;30;1;2;2;0;0"),  # three chosen, two at most
    (9, "8;2013-04-09;T1;med;;1;30;;;;2;0"),  # neither checked nor unchecked
    (10, "9;2013-04-09;T3;med;;1;30;;;;0;0"),  # no such territory
    (11, "10;2013-04-09;T2;inf;;1;37,5;;;;1;1"),  # a whole number is expected
    (12, "11;2013-10-08;T2;inf;;4;;;;;;"),  # blanks: not answered
    (13, "1;2013-10-08;T2;inf;;4;44;;;;0;0"),  # respondent 1 again
    (14, ";;;;;;;;;;;"),  # a blank row
    (15, ";2013-10-08;T2;inf;;4;44;;;;0;0"),  # no respondent
]
REASONS = {  # row -> what its quarantine reason says
    2: "colonne id : le répondant 1 figure sur plusieurs lignes (enquete.csv ligne 2, "
    "enquete.csv ligne 13)",
    4: "colonne aide : « 5 » n'est pas une réponse de l'échelle (1, 2, 3, 4)",
    5: "colonne heures : « quarante » n'est pas un nombre entier",
    6: "colonne heures : « 168 » hors de l'intervalle 0 à 100 h",
    7: "colonnes criteres_charge…criteres_formation : rang 1 donné à 2 options",
    8: "colonnes criteres_charge…criteres_formation : 3 options choisies, 2 au plus",
    9: "colonne mesures_tel : « 2 » n'est ni coché (1) ni décoché (0 ou vide)",
    10: "colonne territoire : « T3 » n'est pas une option de la question (T1, T2)",
    11: "colonne heures : « 37,5 » n'est pas un nombre entier",
    13: "colonne id : le répondant 1 figure sur plusieurs lignes",
    15: "colonne id : répondant sans identifiant",
}


def write_csv(folder: Path, rows: list[tuple[int, str]] = ROWS, header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "enquete.csv"
    text = "\r\n".join([header, *(r for _n, r in rows)]) + "\r\n"
    path.write_text(text, encoding="utf-8-sig")
    return path


@pytest.fixture
def book(tmp_path: Path) -> codebook.Codebook:
    (tmp_path / "mini.toml").write_text(CODEBOOK, encoding="utf-8")
    return codebook.load("mini", tmp_path)


def source(folder: Path, book: codebook.Codebook, **contract: str) -> Source:
    mapping = load_mapping(PROJECT_ROOT / "config" / "mappings" / "survey.toml")
    mapping = replace(mapping, contract=replace(mapping.contract, **contract))
    return Source("enquete", "survey", mapping, path=folder, pattern="enquete.*", codebook=book)


def load(src: Source) -> tuple[duckdb.DuckDBPyConnection, list]:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    loads = survey.extract(con, src, load_id="t")
    return con, loads


def test_answers_that_break_the_codebook_are_quarantined_naming_file_row_and_column(
    tmp_path: Path, book: codebook.Codebook
) -> None:
    write_csv(tmp_path / "in")
    con, loads = load(source(tmp_path / "in", book))
    rec = {r.entity: r for r in mapped.apply(con, [source(tmp_path / "in", book)])}
    quarantined = {
        int(loc.rsplit(" ", 1)[1]): reason
        for loc, reason in con.execute(
            "SELECT location, reason FROM quality.quarantine WHERE entity = 'survey_respondent'"
        ).fetchall()
    }
    assert set(quarantined) == set(REASONS)
    for row, reason in REASONS.items():
        assert reason in quarantined[row], row
    located = con.execute("SELECT DISTINCT split_part(location, ',', 1) FROM quality.quarantine")
    assert located.fetchall() == [("enquete.csv",)]
    respondent = rec["survey_respondent"]
    assert (respondent.offered, respondent.loaded, respondent.quarantined) == (13, 2, 11)
    [rows] = [f for x in loads for f in x.files]
    assert (rows.rows_read, rows.blank, rows.rejected) == (14, 1, 11)
    # the accepted respondents' answers only: 2 and 11; 11's blanks are not answers
    answers = con.execute(
        "SELECT respondent_key, question_id, option_code, rank, value FROM mapped.survey_answer "
        "ORDER BY ALL"
    ).fetchall()
    assert answers == [
        ("11", "aide", "4", None, None),
        ("11", "profession", "inf", None, None),
        ("11", "territoire", "T2", None, None),
        ("2", "aide", "4", None, None),
        ("2", "criteres", "stress", 1, None),
        ("2", "heures", "35-45", None, 35.0),
        ("2", "mesures", "psy", None, None),
        ("2", "profession", "autre", None, None),
        ("2", "territoire", "T2", None, None),
    ]
    # free text goes to its own table (the staging layer keeps it), never among the answers
    assert con.execute("SELECT respondent_key, question_id, text FROM mapped.survey_text")\
        .fetchall() == [("2", "profession_autre", "sophrologue")]  # fmt: skip
    [dup] = [f for x in loads for f in x.findings if f.kind == "duplicate_key"]
    assert (
        dup.count == 2 and dup.action == "quarantined" and "1 (enquete.csv ligne 2" in dup.message
    )


def test_with_bad_value_refuse_the_first_bad_row_stops_the_source(
    tmp_path: Path, book: codebook.Codebook
) -> None:
    write_csv(tmp_path / "in", [r for r in ROWS if r[0] not in (2, 13)])  # "3" on row 3
    with pytest.raises(SourceError, match=r"enquete\.csv, ligne 3: colonne aide : « 5 »") as err:
        load(source(tmp_path / "in", book, bad_value="refuse"))
    assert err.value.column == "aide" and err.value.source == "enquete"


def test_a_respondent_on_two_rows_is_refused_when_the_contract_says_so(
    tmp_path: Path, book: codebook.Codebook
) -> None:
    write_csv(tmp_path / "in", [ROWS[0], ROWS[1], ROWS[11]])
    with pytest.raises(SourceError, match=r"1 \(enquete\.csv ligne 2, enquete\.csv ligne 4\)"):
        load(source(tmp_path / "in", book, duplicate_key="refuse"))


def test_a_column_no_question_reads_is_refused_by_default_and_warned_when_allowed(
    tmp_path: Path, book: codebook.Codebook
) -> None:
    write_csv(tmp_path / "in", [(2, ROWS[0][1] + ";oui")], HEADER + ";nouvelle_question")
    with pytest.raises(
        SourceError, match=r"nouvelle_question qu'aucune question de mini\.toml ne lit"
    ):
        load(source(tmp_path / "in", book))
    con, loads = load(source(tmp_path / "in", book, extra_column="warn"))
    [warned] = [f for x in loads for f in x.findings if f.kind == "extra_column"]
    assert warned.action == "warned" and warned.file == "enquete.csv"
    assert con.execute("SELECT count(*) FROM raw.enquete__respondent").fetchone() == (1,)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER.replace(";aide", ""), r"column\(s\) 'aide' of the codebook mini\.toml missing"),
        (HEADER.replace("mesures_psy", "mesures_tel"), r"column 'mesures_tel' appears twice"),
    ],
)
def test_a_missing_or_doubled_column_stops_the_source(
    tmp_path: Path, book: codebook.Codebook, header: str, message: str
) -> None:
    write_csv(tmp_path / "in", [ROWS[0]], header)
    with pytest.raises(SourceError, match=message):
        load(source(tmp_path / "in", book))


def test_an_export_not_in_utf8_is_refused_naming_the_line(
    tmp_path: Path, book: codebook.Codebook
) -> None:
    path = write_csv(tmp_path / "in", [ROWS[0], ROWS[1]])
    path.write_bytes(path.read_bytes().replace(b"sophrologue", "sophrologue é".encode(
        "latin-1")))  # fmt: skip
    with pytest.raises(SourceError, match=r"not UTF-8: byte 0xe9 on line 3"):
        load(source(tmp_path / "in", book))


def test_an_xlsx_export_reads_as_its_csv(tmp_path: Path, book: codebook.Codebook) -> None:
    """A workbook holds numbers as numbers: its answers are those of the same CSV."""
    write_csv(tmp_path / "csv", ROWS[:3])
    (tmp_path / "xlsx").mkdir()
    wb = xlsxwriter.Workbook(str(tmp_path / "xlsx" / "enquete.xlsx"))
    sheet = wb.add_worksheet("Réponses")
    sheet.write_row(0, 0, HEADER.split(";"))
    for i, (_n, row) in enumerate(ROWS[:3], start=1):
        cells = [int(c) if c.isdigit() else c for c in row.split(";")]
        for j, c in enumerate(cells):
            if c != "":
                sheet.write(i, j, c)
    wb.close()
    frames = []
    for folder in ("csv", "xlsx"):
        con, _loads = load(source(tmp_path / folder, book))
        frames.append(
            con.execute(
                "SELECT * EXCLUDE (_load_id, _extracted_at, _file) FROM raw.enquete__answer"
            )
            .pl()
            .sort(pl.all())
        )
    assert frames[0].height == 13  # respondents 1 and 2 (3 is quarantined)
    assert frames[0].equals(frames[1])


def test_an_export_a_previous_run_loaded_is_missed(tmp_path: Path, book: codebook.Codebook) -> None:
    write_csv(tmp_path / "in", ROWS[:2])
    src = source(tmp_path / "in", book)
    con, _loads = load(src)
    (tmp_path / "in" / "enquete.csv").rename(tmp_path / "in" / "enquete-bis.txt")
    with pytest.raises(
        SourceError, match=r"l'export enquete\.csv, chargé par une exécution précédente"
    ):
        survey.extract(con, src, load_id="t2")
    kept = survey.extract(con, source(tmp_path / "in", book, missing_file="warn"), load_id="t3")
    [f] = [f for x in kept for f in x.files]
    assert (f.present, f.kept_previous) == (False, 2)
    assert con.execute("SELECT count(*) FROM raw.enquete__answer").fetchone() == (13,)


def test_a_survey_source_may_not_warn_of_a_respondent_counted_twice(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "mappings" / "survey.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'duplicate_key = "quarantine"', 'duplicate_key = "warn"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="would count a respondent twice"):
        load_config(config)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('type = "likert"\nscale = "accord"', 'type = "likert"\nscale = "autre"'),
         r"question 4 \(aide\): scale 'autre' is not a \[scales.<name>\] table"),
        (('id = "aide"', 'id = "criteres_charge"'), r"column\(s\) criteres_charge used twice"),
        (("bins = [35, 45]", "bins = [45, 35]"), r"question 5 \(heures\): `bins` must be increas"),
        (('of = "profession"', 'of = "metier"'), r"profession_autre: `of` names no question"),
        (('type = "single"\noptions = { T1', 'type = "choix"\noptions = { T1'),
         r"question 1 \(territoire\): type 'choix' is not one of"),
        (('profession = "profession"', 'profession = "aide"'),
         r"profession = 'aide' must name a single-choice question"),
    ],
)  # fmt: skip
def test_an_inconsistent_codebook_is_refused_naming_the_question(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in CODEBOOK
    (tmp_path / "mini.toml").write_text(CODEBOOK.replace(*change, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        codebook.load("mini", tmp_path)


def test_the_shipped_codebook_reads_as_the_seed_questionnaire() -> None:
    book = codebook.load("cahlipsos", PROJECT_ROOT / "config" / "surveys")
    assert book.sections()[1:] == [
        "1/ Caractéristiques personnelles",
        "2/ Vie professionnelle",
        "3/ Qualité de vie au travail",
        "4/ Interface ville-hôpital",
    ]
    burnout = book.question("risque_burnout")
    assert [o.label for o in burnout.options] == ["pas du tout", "plutôt non", "plutôt oui",
                                                   "totalement"]  # fmt: skip
    assert [o.side for o in burnout.options][-1] == "unfavourable"  # the upper end, reversed
    assert [o.side for o in book.question("qv_professionnelle").options][-1] == "favourable"
    assert book.question("criteres").max_choices == 3 and book.question("criteres").ranked
    assert len(book.question("territoire").options) == 15  # the 15 territoires de santé
    assert Contract().duplicate_key == "quarantine"
