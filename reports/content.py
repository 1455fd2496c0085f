"""The sections of the ARS regional dashboard and of a 3C's activity report, as data.

Every figure is read through the boards' Reader on behalf of the principal in context
(`access.policy.acting_as`): a 3C principal is held to its own 3C, and small counts come back
masked (None) for roles without nominative rights. Call `build` inside `acting_as`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from access.policy import current
from reports.fmt import change
from reports.model import NOT_APPLICABLE, Column, Report, Section, Table
from reports.tables import bars, quality_status, query, table
from rrc.settings import load_toml
from warehouse.read.reader import Reader

KPIS = (  # (column of overview_kpis, label, is a rate)
    ("dossiers", "Dossiers présentés en RCP", False),
    ("sessions", "Séances de RCP", False),
    ("active_entities", "RCP actives", False),
    ("patients", "Patients distincts", False),
    ("new_patients", "Nouveaux patients", False),
    ("pct_quorum_met", "Quorum atteint (% des dossiers)", True),
    ("pct_pps_with_gp", "PPS nommant le médecin traitant (%)", True),
    ("inclusions", "Inclusions en essais cliniques", False),
    ("trials_open", "Essais ouverts dans le réseau", False),
)
INDICATORS = (
    Column("dossiers", "Dossiers"),
    Column("patients", "Patients"),
    Column("new_patients", "Nouveaux patients"),
    Column("pct_quorum_met", "Quorum atteint (%)", "rate"),
    Column("pct_pps_with_gp", "PPS avec MT (%)", "rate"),
    Column("inclusions", "Inclusions"),
)
QUORUM = (
    Column("dossiers", "Dossiers"),
    Column("met", "Quorum atteint"),
    Column("not_met", "Non atteint"),
    Column("unknown", "Non évaluable"),
    Column("pct_met", "Atteint (%)", "rate"),
)
NO_FILTER = {"organ": None, "finess": None, "department": None}


@dataclass(frozen=True)
class Scope:
    """What a report covers: the region (ARS) or one 3C."""

    kind: str  # "ars" | "3c"
    year: int
    c3: str | None = None
    c3_name: str = ""

    @property
    def params(self) -> dict[str, object]:
        return {"year": self.year, "c3": self.c3, **NO_FILTER}


def key_indicators(reader: Reader, scope: Scope, years: list[int]) -> Section:
    frame, source = query(reader, "overview_kpis", **scope.params)
    rows = {r["year"]: r for r in frame.iter_rows(named=True)}
    now, before = rows.get(scope.year, {}), rows.get(scope.year - 1, {})
    has_before = scope.year - 1 in years
    lines = []
    for key, label, rate in KPIS:
        prev = before.get(key) if has_before else NOT_APPLICABLE
        evolution = change(before.get(key), now.get(key), rate) if has_before else NOT_APPLICABLE
        lines.append((label, prev, now.get(key), evolution))
    columns: tuple[Column, ...] = (
        Column("indicator", "Indicateur", "text"),
        Column("previous", str(scope.year - 1), "value"),
        Column("current", str(scope.year), "value"),
        Column("change", "Évolution", "value"),
    )
    note = "" if has_before else f"L'entrepôt ne contient pas l'année {scope.year - 1}."
    where = "de la région" if scope.kind == "ars" else f"du {scope.c3_name}"
    kpis = Table(f"Indicateurs clés {where}", columns, tuple(lines), source, note)
    intro = (
        "Dossiers présentés en RCP dans l'année, patients distincts et nouveaux patients "
        "(première présentation d'un premier épisode), conformité du quorum et des PPS, "
        "inclusions en essais cliniques ; évolution en % (en points pour les taux)."
    )
    return Section("Indicateurs clés", "Indicateurs clés", (kpis,), intro)


def department_label(code: str) -> pl.Expr:
    """'63 Puy-de-Dôme' from the code column `code` (names from config/reports.toml)."""
    names = load_toml("reports.toml").get("departments", {})
    return pl.col(code) + " " + pl.col(code).replace_strict(names, default="")


def by_dimension(reader: Reader, scope: Scope, by: str, title: str, first: str) -> Table:
    frame, source = query(reader, "report_indicators_by", year=scope.year, by=by, c3=scope.c3)
    if by == "department":  # null key: outside the region, labelled by the query
        frame = frame.with_columns(label=pl.coalesce(department_label("key"), pl.col("label")))
    columns = (Column("label", first, "text"), *INDICATORS)
    return table(
        title,
        frame,
        columns,
        source,
        denominators={"pct_quorum_met": "quorum_judged", "pct_pps_with_gp": "pps"},
    )


def by_c3(reader: Reader, scope: Scope) -> Section:
    t = by_dimension(reader, scope, "c3", "Indicateurs par 3C", "3C")
    chart = bars("Dossiers présentés en RCP par 3C", t, "label", {"dossiers": "Dossiers"})
    return Section("Activité par 3C", "Par 3C", (t, chart))


def by_entity(reader: Reader, scope: Scope) -> Section:
    frame, source = query(reader, "activity_by_entity", **scope.params)
    columns = (Column("entity_code", "Code", "text"), Column("name", "RCP", "text"))
    t = table("Dossiers par RCP", frame, (*columns, Column("dossiers", "Dossiers")), source)
    chart = bars("Dossiers présentés par RCP", t, "name", {"dossiers": "Dossiers"})
    return Section("Activité par RCP", "Par RCP", (t, chart))


def by_department(reader: Reader, scope: Scope) -> Section:
    t = by_dimension(
        reader, scope, "department", "Indicateurs par département de résidence", "Département"
    )
    blocks: list = [t, bars("Dossiers par département de résidence", t, "label", {"dossiers": ""})]
    rates, source = query(reader, "dossier_rates", year=scope.year, level="departement")
    if rates.height:  # network-wide: none for a 3C
        rates = rates.with_columns(area=department_label("area"))
        columns = (
            Column("area", "Département", "text"),
            Column("dossiers", "Dossiers"),
            Column("population", "Population"),
            Column("per_100k", "Pour 100 000 hab.", "rate"),
        )
        blocks.append(
            table("Dossiers des résidents pour 100 000 habitants", rates, columns, source)
        )
    return Section("Par département de résidence", "Par département", tuple(blocks))


def by_organ(reader: Reader, scope: Scope) -> Section:
    t = by_dimension(reader, scope, "organ", "Indicateurs par organe", "Organe")
    chart = bars("Dossiers présentés en RCP par organe", t, "label", {"dossiers": "Dossiers"})
    return Section("Par organe", "Par organe", (t, chart))


def quorum(reader: Reader, scope: Scope) -> Section:
    first, unit = ("c3", "3C") if scope.kind == "ars" else ("entity", "RCP")
    blocks: list = []
    for by, label in ((first, unit), ("organ", "organe")):
        frame, source = query(reader, "quorum_by", by=by, **scope.params)
        frame = frame.sort("pct_met", descending=True, nulls_last=True)
        t = table(
            f"Conformité du quorum par {label}",
            frame,
            (Column("label", label.capitalize() if by == "organ" else label, "text"), *QUORUM),
            source,
        )
        blocks.append(t)
        if by == first:
            title = f"Dossiers dont la séance a atteint le quorum, par {label} (%)"
            blocks.append(bars(title, t, "label", {"pct_met": "Quorum atteint"}, percent=True))
    missing, source = query(reader, "missing_specialties", **scope.params)
    columns = (Column("specialty", "Spécialité", "text"), Column("sessions", "Séances"))
    blocks.append(
        table("Spécialités manquantes dans les séances sous le quorum", missing, columns, source)
    )
    intro = (
        "Un dossier est conforme quand sa séance réunit le quorum de la règle de son organe "
        "(config/quorum_rules.toml) ; non évaluable quand la présence n'est pas tracée."
    )
    return Section("Quorum et conformité", "Quorum", tuple(blocks), intro)


def trials(reader: Reader, scope: Scope) -> Section:
    frame, source = query(reader, "trials_proposed_vs_included", **scope.params)
    columns: tuple[Column, ...] = (
        Column("organ", "Organe", "text"),
        Column("new_patients", "Nouveaux patients"),
        Column("proposed", "Essai proposé en RCP"),
        Column("included", "Inclus"),
    )
    t = table("Patients proposés et inclus en essai, par organe", frame, columns, source)
    chart = bars(
        "Patients proposés et inclus en essai clinique, par organe",
        t,
        "organ",
        {"proposed": "Proposés en RCP", "included": "Inclus"},
    )
    frame, source = query(reader, "inclusions_by", by="establishment", **scope.params)
    columns = (Column("label", "Établissement", "text"), Column("inclusions", "Inclusions"))
    sites = table(
        "Inclusions par établissement",
        frame.sort("inclusions", descending=True, nulls_last=True),
        columns,
        source,
    )
    intro = "Patients distincts : proposés en RCP pour un essai, inclus dans l'année."
    return Section("Essais cliniques", "Essais", (t, chart, sites), intro)


def care_offer(reader: Reader, scope: Scope) -> Section:
    frame, source = query(reader, "care_offer", c3=scope.c3)
    per_department = (
        frame.group_by("department_code")
        .agg(
            establishments=pl.len(),
            chemotherapy=pl.col("chemotherapy").sum(),
            radiotherapy=pl.col("radiotherapy").sum(),
            surgery=(pl.col("surgery_types") != "").sum(),
            rcp_places=(pl.col("rcp_entities") > 0).sum(),
            rcp_entities=pl.col("rcp_entities").sum(),
        )
        .sort("department_code")
        .with_columns(label=department_label("department_code"))
    )
    columns: tuple[Column, ...] = (
        Column("label", "Département", "text"),
        Column("establishments", "Établissements"),
        Column("chemotherapy", "Chimiothérapie"),
        Column("radiotherapy", "Radiothérapie"),
        Column("surgery", "Chirurgie"),
        Column("rcp_places", "Lieux de RCP"),
        Column("rcp_entities", "RCP"),
    )
    note = "Établissements autorisés par activité de traitement du cancer ; lieux des RCP."
    summary = table("Offre de soins par département", per_department, columns, source, note=note)
    chart = bars(
        "Établissements autorisés par département",
        summary,
        "label",
        {"chemotherapy": "Chimiothérapie", "radiotherapy": "Radiothérapie", "surgery": "Chirurgie"},
    )
    places = frame.filter(pl.col("rcp_entities") > 0).sort("rcp_entities", descending=True)
    columns = (
        Column("name", "Établissement", "text"),
        Column("department_code", "Dép.", "text"),
        Column("category", "Catégorie", "text"),
        Column("rcp_entities", "RCP"),
    )
    blocks: list = [summary, chart, table("Lieux de RCP", places, columns, source)]
    if scope.kind == "ars":
        care, source = query(reader, "supportive_care")
        kinds = (
            care.group_by("kind_label").agg(providers=pl.len()).sort("providers", descending=True)
        )
        columns = (
            Column("kind_label", "Soins de support", "text"),
            Column("providers", "Structures"),
        )
        blocks.append(table("Annuaire des soins de support", kinds, columns, source))
    return Section("Offre de soins", "Offre de soins", tuple(blocks))


def build(reader: Reader, scope: Scope, generated_at: datetime, network: str) -> Report:
    """The report's content, read on behalf of the principal in context."""
    years = reader.query("years")["year"].to_list()
    sections = [key_indicators(reader, scope, years)]
    if scope.kind == "ars":
        sections.append(by_c3(reader, scope))
        title = "Tableau de bord régional d'activité cancérologique"
        subtitle = f"Région {load_toml('reports.toml').get('region', '')} — à l'attention de l'ARS"
    else:
        sections.append(by_entity(reader, scope))
        title = "Rapport d'activité du centre de coordination en cancérologie"
        subtitle = f"{scope.c3_name} ({scope.c3})"
    sections += [
        by_department(reader, scope),
        by_organ(reader, scope),
        quorum(reader, scope),
        trials(reader, scope),
        care_offer(reader, scope),
    ]
    return Report(
        kind=scope.kind,  # type: ignore[arg-type]
        scope=scope.c3 or "region",
        title=title,
        subtitle=subtitle,
        year=scope.year,
        network=network,
        snapshot=reader.snapshot(),
        generated_at=generated_at.isoformat(timespec="seconds"),
        quality=quality_status(reader),
        threshold=reader.secrecy.threshold,
        secrecy=current().secrecy,
        sections=tuple(sections),
    )
