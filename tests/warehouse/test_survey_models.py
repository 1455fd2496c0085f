"""The survey models over the demo region: the distribution of every answer by health territory
and profession (marts.mart_survey_answers) against SQL written again from the demo's export
file; the demo's defective rows, exactly, in the quarantine and the reconciliation; the read
side's rules (counts only through Reader.survey, free text only for roles allowed)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from access.policy import AccessDenied, Principal, acting_as
from warehouse.codebook import load
from warehouse.read.reader import Reader
from warehouse.read.surveys import SELECTION, View

EXPORT = "surveys/cahlipsos_2013.csv"


@pytest.fixture(scope="module")
def defects(built_paths: tuple[Path, Path]) -> list[dict]:
    manifest = json.loads((built_paths[0] / "surveys" / "defects.json").read_text("utf-8"))
    return manifest["defects"]


@pytest.fixture(scope="module")
def export(built_paths: tuple[Path, Path], defects: list[dict]) -> duckdb.DuckDBPyConnection:
    """The export read by DuckDB's own CSV reader, the defective respondents left out."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE export AS SELECT * FROM read_csv(?, delim = ';', header = true, "
        "all_varchar = true)",
        [str(built_paths[0] / EXPORT)],
    )
    bad = sorted({d["respondent"] for d in defects})
    con.execute("DELETE FROM export WHERE list_contains(?, id_reponse)", [bad])
    return con


def test_every_defect_of_the_demo_export_is_quarantined_and_nothing_else(
    built_warehouse: duckdb.DuckDBPyConnection, defects: list[dict]
) -> None:
    rows = {
        (loc, reason)
        for loc, reason in built_warehouse.execute(
            "SELECT location, reason FROM quality.quarantine WHERE source = 'cahlipsos'"
        ).fetchall()
    }
    assert {int(loc.rsplit(" ", 1)[1]) for loc, _r in rows} == {d["row"] for d in defects}
    for d in defects:
        [reason] = [r for loc, r in rows if loc.endswith(f" {d['row']}")]
        assert f"colonne {d['column']}" in reason or (
            d["defect"] == "rank_twice" and "rang 1 donné à 2 options" in reason
        ), (d, reason)
    ((read, quarantined, loaded),) = built_warehouse.execute(
        "SELECT rows_read, quarantined, loaded FROM meta.reconciliation_files "
        "WHERE source = 'cahlipsos'"
    ).fetchall()
    assert quarantined == len(defects) and loaded == read - quarantined
    respondents = built_warehouse.execute(
        "SELECT count(*) FROM core.fact_survey_respondent"
    ).fetchone()
    assert respondents == (loaded,)


def test_single_and_likert_answers_by_territory_and_profession_match_the_export(
    built_warehouse: duckdb.DuckDBPyConnection, export: duckdb.DuckDBPyConnection
) -> None:
    book = load("cahlipsos")
    columns = [q.column for q in book.questions if q.type in ("single", "likert")]
    expected = export.execute(
        f"""
        with long as (
            unpivot (select territoire as t, profession as p, {", ".join(columns)} from export)
            on {", ".join(columns)} into name question value answer
        )
        select question, answer, t, p, count(*) as n
        from long where answer is not null and answer <> ''
        group by all order by all
        """
    ).fetchall()
    got = built_warehouse.execute(
        "SELECT question_id, option_code, territory_code, profession, respondents "
        "FROM marts.mart_survey_answers WHERE survey_id = 'cahlipsos' AND respondents > 0 "
        "AND question_id IN (SELECT unnest(?)) ORDER BY ALL",
        [columns],
    ).fetchall()
    assert len(expected) > 1000
    assert got == expected


def test_numbers_in_their_classes_and_ranked_choices_match_the_export(
    built_warehouse: duckdb.DuckDBPyConnection, export: duckdb.DuckDBPyConnection
) -> None:
    hours = export.execute(
        """
        select case when h < 35 then '0-35' when h < 45 then '35-45' when h < 55 then '45-55'
                    when h < 65 then '55-65' else '65+' end as class, count(*)
        from (select cast(heures as integer) as h from export where heures <> '')
        group by all order by all
        """
    ).fetchall()
    assert built_warehouse.execute(
        "SELECT option_code, sum(respondents) FROM marts.mart_survey_answers "
        "WHERE question_id = 'heures' GROUP BY ALL HAVING sum(respondents) > 0 ORDER BY ALL"
    ).fetchall() == [(c, n) for c, n in hours]
    workload = export.execute(
        "SELECT count(*) FILTER (WHERE criteres_charge <> ''), count(*) FILTER (WHERE "
        "criteres_charge = '1') FROM export"
    ).fetchone()
    assert (
        built_warehouse.execute(
            "SELECT count(*), count(*) FILTER (WHERE rank = 1) FROM core.fact_survey_answer "
            "WHERE question_id = 'criteres' AND option_code = 'charge'"
        ).fetchone()
        == workload
    )
    answered = export.execute(
        "SELECT count(*) FROM export WHERE concat(criteres_reconnaissance, criteres_charge, "
        "criteres_formation, criteres_collaboration, criteres_besoins_patients, "
        "criteres_communication, criteres_besoins_proches, criteres_stress) <> ''"
    ).fetchone()
    assert (
        built_warehouse.execute(
            "SELECT sum(answered) FROM marts.mart_survey_answers "
            "WHERE question_id = 'criteres' AND option_code = 'charge'"
        ).fetchone()
        == answered
    )


def test_the_board_total_for_an_administrator_is_the_export(
    built_paths: tuple[Path, Path], export: duckdb.DuckDBPyConnection
) -> None:
    """Through the read side, as a role with nominative rights: exact shares."""
    with acting_as(Principal.of("t", "admin")):
        res = Reader(built_paths[1]).survey(View("cahlipsos", territory="TS10"))
    burnout = res.of("risque_burnout", SELECTION)
    expected = dict(
        export.execute(
            "SELECT risque_burnout, count(*) FROM export WHERE territoire = 'TS10' AND "
            "risque_burnout <> '' GROUP BY ALL"
        ).fetchall()
    )
    total = sum(expected.values())
    assert dict(burnout.select("option_code", "respondents").rows()) == expected
    for code, share in burnout.select("option_code", "share").rows():
        assert share == pytest.approx(100 * expected[code] / total)


def test_survey_counts_are_read_only_through_the_survey_protection(
    built_paths: tuple[Path, Path],
) -> None:
    reader = Reader(built_paths[1])
    with acting_as(Principal.of("t", "ars")):
        with pytest.raises(AccessDenied, match=r"read through Reader\.survey"):
            reader.query("survey_answers", survey="cahlipsos")
        assert reader.query(
            "survey_texts", survey="cahlipsos", territory=None, profession=None
        ).is_empty()
    with acting_as(Principal.of("t", "rrc")):
        assert reader.query(
            "survey_texts", survey="cahlipsos", territory=None, profession=None
        ).is_empty()
    with acting_as(Principal.of("t", "admin")):
        texts = reader.query("survey_texts", survey="cahlipsos", territory=None, profession=None)
        assert set(texts["question_id"]) <= {"mode_exercice_autre", "profession_autre",
                                              "mesures_precision"} and texts.height  # fmt: skip
    with acting_as(Principal.of("t", "c3", "C3-01")):  # a 3C sees no network-wide figure
        res = reader.survey(View("cahlipsos"))
        assert res.selection.masked and res.answers.is_empty()
