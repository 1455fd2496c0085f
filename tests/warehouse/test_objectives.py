"""The objectives grid (config/objectives.toml): refused when it names what does not exist, and
its computed indicators equal to what independent SQL, or the demo's own files, give."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from access.policy import Principal, acting_as
from rrc.errors import ConfigError
from warehouse.read import catalogue, objectives
from warehouse.read.reader import Reader

YEAR = 2013
SEED = {"groupe_3c": 4, "pharmaciens": 5, "psys": 2}


def grid(**indicator: Any) -> dict[str, Any]:
    """A grid of one orientation, objective and operational objective, with one indicator."""
    line = {"id": "essai", "label": "Essai", **indicator}
    operational = {"title": "Op", "actions": ["a"], "indicators": [line]}
    return {"orientations": [{"id": "1", "objectives": [{"operational": [operational]}]}]}


@pytest.mark.parametrize(
    ("indicator", "says"),
    [
        ({"indicator": "no_such"}, "indicator 'no_such' is not in"),
        ({"indicator": "dossiers", "by": "group", "code": "x"}, "cannot be split by 'group'"),
        ({"indicator": "group_meetings", "by": "group"}, "`by` and `code` go together"),
        ({"indicator": "dossiers", "achieved": "{value} {nope}"}, "names {nope}"),
        ({"indicator": "group_meetings", "achieved": "{dates}"}, "need `events`"),
        ({"indicator": "c3_visits", "events": "parties"}, "events 'parties' is not one of"),
        ({"indicator": "dossiers", "target": {"treize": 4}}, "has 'treize', not a year"),
        ({"indicator": "dossiers", "value": {2013: 3}}, "`value` is for lines followed by hand"),
        ({"achieved": "{value}"}, "need an `indicator`"),
        ({"indicator": "dossiers", "cible": 4}, "unknown setting(s) cible"),
    ],
)
def test_a_grid_naming_what_does_not_exist_is_refused_with_where(
    indicator: dict[str, Any], says: str
) -> None:
    path = Path("config/objectives.toml")
    with pytest.raises(ConfigError) as refused:
        objectives.parse(grid(**indicator), path, catalogue.load())
    assert says in str(refused.value)
    assert "orientation 1" in str(refused.value) and "(essai)" in str(refused.value)


def test_the_shipped_grid_reads_and_covers_the_seeds_three_orientations() -> None:
    g = objectives.load()
    assert [o.id for o in g.orientations] == ["1", "2", "3"]
    computed = [i for *_, i in g.entries() if i.indicator]
    assert len(computed) >= 25 and len(g.entries()) > len(computed)  # some followed by hand


@pytest.fixture(scope="module")
def lines(built_dir: Path) -> Iterator[dict[str, objectives.Line]]:
    """The grid for 2013, read by an administrator (exact figures)."""
    with acting_as(Principal.of("test-admin", "admin")):
        yield {line.indicator.id: line for line in objectives.evaluate(Reader(built_dir), YEAR)}


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_indicators_from_the_rcp_data_equal_independent_sql(
    lines: dict[str, objectives.Line], built_warehouse: duckdb.DuckDBPyConnection
) -> None:
    con = built_warehouse
    assert lines["tableau-de-bord"].value == one(
        con, f"select count(*) from core.fact_fiche where year = {YEAR}"
    )
    assert lines["recherche-clinique"].value == one(
        con, f"select count(*) from core.fact_inclusion where year(inclusion_date) = {YEAR}"
    )
    assert lines["pps-medecin-traitant"].value == pytest.approx(
        one(
            con,
            "select 100.0 * count(*) filter (where has_gp) / count(*) from core.fact_pps "
            f"where year(delivered_date) = {YEAR}",
        )
    )
    assert lines["quorum"].value == pytest.approx(
        one(
            con,
            "select 100.0 * count(*) filter (where q.status = 'met') / count(*) "
            "from core.fact_fiche f join core.fact_quorum_fiche q using (fiche_id) "
            f"where f.year = {YEAR}",
        )
    )
    opened = one(
        con,
        f"select count(*) from core.dim_trial where open_date <= date '{YEAR}-12-31' "
        f"and coalesce(close_date, date '9999-12-31') >= date '{YEAR}-01-01'",
    )
    closed = one(con, f"select count(*) from core.dim_trial where year(close_date) = {YEAR}")
    trials = lines["essais-ouverts"]
    assert trials.value == opened == 69 and closed == 20  # the seed's registry
    assert (
        trials.achieved
        == f"{opened} essais consultables sur le site Internet dont {closed} fermés en 2013."
    )


def sheet(demo: Path, name: str) -> pl.DataFrame:
    """A sheet of the demo's 2013 coordination workbook, read as a person would."""
    path = demo / "reseau" / "activite_reseau_2013.xlsx"
    return pl.read_excel(path, sheet_name=name, read_options={"header_row": 1})


def test_indicators_from_the_coordination_workbook_equal_its_rows(
    lines: dict[str, objectives.Line], built_dir: Path
) -> None:
    demo = built_dir.parent / "demo"
    meetings = sheet(demo, "Réunions")
    for code, label in (
        ("groupe_3c", "Groupe 3C"),
        ("pharmaciens", "Groupe pharmaciens"),
        ("psys", "Groupe psys"),
    ):
        rows = meetings.filter(pl.col("Groupe") == label)
        line = lines[{"groupe_3c": "reunions-groupe-3c"}.get(code, f"reunions-{code}")]
        assert line.value == rows.height == SEED[code]
    assert lines["reunions-groupe-3c"].achieved == (
        "4 réunions groupe 3C les 21 mars, 30 mai, 26 septembre et 5 décembre 2013."
    )
    docs = sheet(demo, "Documents")
    shipped = sheet(demo, "Diffusion").join(
        docs.select("N° document", "Type"), on="N° document", how="left"
    )
    written = docs.filter(pl.col("Type") == "Fiche d'information patient").height
    sheets = shipped.filter(pl.col("Type") == "Fiche d'information patient")["Exemplaires"].sum()
    assert lines["fiches-redigees"].value == written == 9
    assert lines["fiches-distribuees"].value == sheets == 14665
    assert lines["fiches-distribuees"].achieved == "14\u202f665 fiches distribuées."
    trainings = sheet(demo, "Formations").filter(pl.col("Formation") == "Dispositif d'annonce")
    professions = pl.col("^(Infirmier.*|Manip.*|Médecins|Autres.*)$").cast(pl.Int64)
    people = trainings.select(pl.sum_horizontal(professions))  # a blank cell: nobody
    assert lines["formation-annonce"].achieved.startswith(
        f"Dispositif d'annonce : {trainings.height} sessions, {int(trainings['Jours'].sum())} "
        f"jours, {int(people.to_series().sum())} participants"
    )


def _intervals(demo: Path) -> list[tuple[datetime, datetime]]:
    """Unavailability from the service log's files: incidents that made the service unavailable
    and maintenance windows (actual, else planned)."""
    stamp = "%d/%m/%Y %H:%M"
    spans = []
    with (demo / "dcc_service" / "incidents.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["indisponibilite"] == "oui":
                spans.append(
                    (datetime.strptime(r["debut"], stamp), datetime.strptime(r["fin"], stamp))
                )
    with (demo / "dcc_service" / "maintenances.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            start = r["debut"] or r["debut_prevu"]
            end = r["fin"] or r["fin_prevue"]
            spans.append((datetime.strptime(start, stamp), datetime.strptime(end, stamp)))
    return spans


def test_availability_is_one_minus_the_merged_downtime_over_the_year(
    lines: dict[str, objectives.Line], built_dir: Path
) -> None:
    """Counted minute by minute from the files: a minute down counts once however many events
    cover it (no interval arithmetic shared with the SQL)."""
    start, end = datetime(YEAR, 1, 1), datetime(YEAR + 1, 1, 1)
    year_minutes = int((end - start).total_seconds() // 60)
    down = bytearray(year_minutes)
    for s, e in _intervals(built_dir.parent / "demo"):
        first = max(0, int((s - start).total_seconds() // 60))
        last = min(year_minutes, int((e - start).total_seconds() // 60))
        for minute in range(first, last):
            down[minute] = 1
    expected = 100.0 * (year_minutes - sum(down)) / year_minutes
    line = lines["disponibilite-dcc"]
    assert line.value == pytest.approx(expected)
    assert 95 < line.value < 100
    assert line.status == ("Atteint" if expected >= 99 else "Non atteint")


def test_identity_vigilance_counts_every_finding_of_the_quality_checks(
    built_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = built_warehouse
    checks = dict(
        con.execute(
            "select check_name, count(*) from quality.check_violations where check_name in "
            "('fiche_unique', 'likely_duplicate_identity', 'ins_single_birth_date') group by 1"
        ).fetchall()
    )
    mart = con.execute(
        "select sum(duplicate_fiches), sum(split_identities), sum(ins_conflicts) "
        "from marts.mart_identity_vigilance_monthly"
    ).fetchone()
    assert checks["fiche_unique"] > 0 and checks["likely_duplicate_identity"] > 0
    assert mart == (
        checks["fiche_unique"],
        checks["likely_duplicate_identity"],
        checks.get("ins_single_birth_date", 0),
    )
    identifiers = con.execute(
        "select column_name from information_schema.columns "
        "where table_name in ('fact_identity_vigilance', 'mart_identity_vigilance_monthly')"
    ).fetchall()
    assert not {c for (c,) in identifiers} & {"row_key", "identity_id", "ins", "ipp"}
