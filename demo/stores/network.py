"""The stores of the network's own activity: the coordination team's yearly workbook and the DCC
service log.

`reseau/activite_reseau_<year>.xlsx` has a title row above each header, French column names and
date cells, one sheet per table (Réunions, Visites, Formations, Documents, Diffusion,
Conventions, Site Internet); a profession with no participant is a blank cell. `dcc_service/` is
the export of the DCC's service desk: four UTF-8 CSV files (incidents, maintenances,
signalements, satisfaction) with French dates and labels. Outside the calibration year, a few
rows carry a mistake a person makes (a date that does not exist, a number written in words, an
unknown severity): the ETL quarantines them, and `network_defects` of the manifest says where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from demo.network import Activity
from demo.stores.spreadsheets import write_workbook

FOLDER = "reseau"
LOG = "dcc_service"
STAMP = "%d/%m/%Y %H:%M"


def workbook_name(year: int) -> str:
    return f"activite_reseau_{year}.xlsx"


def _blank_zero(column: str, name: str) -> pl.Expr:
    return pl.when(pl.col(column) > 0).then(pl.col(column)).alias(name)


def sheets(activity: Activity, year: int) -> dict[str, pl.DataFrame]:
    """The workbook of `year`, sheet by sheet, in the coordination team's shape."""

    def of_year(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        return frame.filter(pl.col(column).dt.year() == year)

    trainings = of_year(activity.trainings, "start")
    return {
        "Réunions": of_year(activity.meetings, "date").select(
            pl.col("key").alias("N° réunion"),
            pl.col("group").alias("Groupe"),
            pl.col("date").alias("Date"),
            pl.col("topic").alias("Objet"),
            pl.col("participants").alias("Participants"),
        ),
        "Visites": of_year(activity.visits, "date").select(
            pl.col("key").alias("N° visite"),
            pl.col("c3_id").alias("3C"),
            pl.col("date").alias("Date"),
            pl.col("topic").alias("Objet"),
        ),
        "Formations": trainings.select(
            pl.col("key").alias("N° session"),
            pl.col("training").alias("Formation"),
            pl.col("session").alias("Session"),
            pl.col("start").alias("Du"),
            pl.col("end").alias("Au"),
            pl.col("days").alias("Jours"),
            _blank_zero("nurses", "Infirmier(e)s"),
            _blank_zero("technicians", "Manipulateurs en radiologie"),
            _blank_zero("physicians", "Médecins"),
            _blank_zero("others", "Autres professionnels"),
        ),
        "Documents": of_year(activity.documents, "written").select(
            pl.col("key").alias("N° document"),
            pl.col("title").alias("Titre"),
            pl.col("type").alias("Type"),
            pl.col("written").alias("Rédigé le"),
        ),
        "Diffusion": of_year(activity.distribution, "date").select(
            pl.col("key").alias("N° envoi"),
            pl.col("document").alias("N° document"),
            pl.col("finess").alias("Établissement (FINESS)"),
            pl.col("date").alias("Date"),
            pl.col("copies").alias("Exemplaires"),
        ),
        "Conventions": of_year(activity.conventions, "signed").select(
            pl.col("key").alias("N° convention"),
            pl.col("partner").alias("Partenaire"),
            pl.col("subject").alias("Objet"),
            pl.col("signed").alias("Signée le"),
        ),
        "Site Internet": of_year(activity.website, "month").select(
            pl.col("month").alias("Mois"),
            pl.col("visits").alias("Visites"),
            pl.col("visitors").alias("Visiteurs"),
            pl.col("page_views").alias("Pages vues"),
        ),
    }


def log_files(activity: Activity) -> dict[str, pl.DataFrame]:
    """The DCC service desk's export, file by file."""
    yes_no = {True: "oui", False: "non"}
    return {
        "incidents.csv": activity.incidents.select(
            numero="key",
            debut=pl.col("start").dt.strftime(STAMP),
            fin=pl.col("end").dt.strftime(STAMP),
            gravite="severity",
            composant="component",
            indisponibilite=pl.col("unavailable").replace_strict(yes_no, return_dtype=pl.String),
        ),
        "maintenances.csv": activity.maintenance.select(
            numero="key",
            debut_prevu=pl.col("planned_start").dt.strftime(STAMP),
            fin_prevue=pl.col("planned_end").dt.strftime(STAMP),
            debut=pl.col("start").dt.strftime(STAMP),
            fin=pl.col("end").dt.strftime(STAMP),
            objet="subject",
        ),
        "signalements.csv": activity.reports.select(
            numero="key",
            date_signalement=pl.col("reported").dt.strftime(STAMP),
            type="type",
            gravite="severity",
            centre_3c="c3_id",
            cloture_le=pl.col("closed").dt.strftime(STAMP),
        ),
        "satisfaction.csv": activity.satisfaction.select(
            numero="key",
            date_reponse=pl.col("answered").dt.strftime("%d/%m/%Y"),
            centre_3c="c3_id",
            profil="profile",
            satisfaction=pl.col("score").replace_strict(
                {1: "Très insatisfait", 2: "Plutôt insatisfait", 3: "Plutôt satisfait",
                 4: "Très satisfait"},
                return_dtype=pl.String,
            ),
        ),
    }  # fmt: skip


def _spoil(
    frames: dict[str, pl.DataFrame], name: str, column: str, value: str, where: str, year: int
) -> dict[str, Any] | None:
    """Write `value` into `column` of the first row of `frames[name]` whose key names `year`;
    the column becomes text (dates as dd/mm/yyyy, as a hand-kept sheet often has them). Where
    it went, or None."""
    frame = frames.get(name)
    if frame is None:
        return None
    key_col = frame.columns[0]
    rows = [i for i, k in enumerate(frame[key_col]) if str(year) in str(k)]
    if not rows:
        return None
    dtype = frame.schema[column]
    text = (
        pl.col(column).dt.strftime("%d/%m/%Y")
        if dtype in (pl.Date, pl.Datetime)
        else pl.col(column).cast(pl.String)
    )
    frames[name] = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == rows[0]).then(pl.lit(value)).otherwise(text).alias(column)
    )
    key = frame[key_col][rows[0]]
    return {"file": where, "table": name, "key": str(key), "column": column, "value": value}


def write(
    activity: Activity, out: Path, years: range, calibration_year: int, clean: bool
) -> tuple[list[Path], list[dict[str, Any]]]:
    """Write the workbooks of `years` and the service log; return the files and the rows spoilt
    on purpose (none when `clean`, none in the calibration year)."""
    written: list[Path] = []
    spoilt: list[dict[str, Any]] = []
    spoil_year = next((y for y in years if y != calibration_year), None) if not clean else None
    for year in years:
        frames = sheets(activity, year)
        if year == spoil_year:
            name = workbook_name(year)
            spoilt += [
                s
                for s in (
                    _spoil(frames, "Réunions", "Date", f"30/02/{year}", name, year),
                    _spoil(frames, "Formations", "Infirmier(e)s", "douze", name, year),
                )
                if s
            ]
        path = out / FOLDER / workbook_name(year)
        write_workbook(path, f"Oncauvergne — activité du réseau {year}", frames)
        written.append(path)
    log = log_files(activity)
    if not clean and spoil_year is not None:
        incident = _spoil(log, "incidents.csv", "gravite", "Bloquante", LOG, spoil_year)
        spoilt += [incident] if incident else []
    folder = out / LOG
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in log.items():
        path = folder / name
        frame.write_csv(path)
        written.append(path)
    return written, spoilt
