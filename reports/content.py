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

INDICATORS = (
    "dossiers",
    "patients",
    "new_patients",
    "pct_quorum_met",
    "pct_pps_with_gp",
    "inclusions",
)
QUORUM = ("dossiers", "quorum_met", "quorum_not_met", "quorum_unknown", "pct_quorum_met")
TRIALS = ("trial_new_patients", "trial_proposed", "trial_included")
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


def columns(reader: Reader, ids: tuple[str, ...]) -> tuple[Column, ...]:
    """Report columns of indicators, headed by the catalogue's short labels."""
    cat = reader.catalogue
    return tuple(
        Column(i, cat.indicator(i).short, "rate" if cat.indicator(i).kind != "count" else "count")
        for i in ids
    )


def indicator_table(
    reader: Reader,
    scope: Scope,
    title: str,
    ids: tuple[str, ...],
    by: str,
    *,
    order: str | None = None,
    first: Column | None = None,
) -> Table:
    """A table of indicators `ids` by dimension `by`, read through the catalogue: the first
    column is the dimension's values (its French label as header), then one per indicator."""
    cat = reader.catalogue
    data = reader.indicators(ids, [by], scope.params)
    frame = data.frame
    if order:
        frame = frame.sort(order, descending=True, nulls_last=True)
    head = first or Column(f"{by}_label", cat.dimensions[by].label, "text")
    cols = (head, *columns(reader, ids))
    dens = {
        i: f"{i}__den"
        for i in ids
        if cat.indicator(i).kind == "rate" and f"{i}__den" in frame.columns
    }
    source = ("indicators", {"ids": ids, "by": by, **scope.params})
    return table(title, frame, cols, source, denominators=dens, note=" ".join(data.notes))


def key_indicators(
    reader: Reader,
    scope: Scope,
    years: list[int],
    ids: tuple[str, ...] | None = None,
    title: str | None = None,
) -> Section:
    """Indicators `ids` (the catalogue's `report` list by default) for the year against the
    year before."""
    kpis = key_table(reader, scope, years, ids or reader.catalogue.report, title)
    intro = (
        "Dossiers présentés en RCP dans l'année, patients distincts et nouveaux patients "
        "(première présentation d'un premier épisode), conformité du quorum et des PPS, délai "
        "de remise du PPS, inclusions en essais cliniques ; évolution en % (en points pour les "
        "taux). Les définitions sont celles du catalogue des indicateurs."
    )
    return Section("Indicateurs clés", "Indicateurs clés", (kpis,), intro)


def key_table(
    reader: Reader,
    scope: Scope,
    years: list[int],
    ids: tuple[str, ...],
    title: str | None = None,
) -> Table:
    """One row per indicator: its value the year before, the year, and the change."""
    cat = reader.catalogue
    data = reader.indicators(ids, ["year"], scope.params, years=2)
    threshold = reader.secrecy.threshold
    shown = data.frame.with_columns(  # a masked value as it reads: "< 11" or "–"
        pl.Series(i, data.shown(i, threshold), pl.Object) for i in ids if i in data.frame.columns
    )
    rows = {r["year"]: r for r in shown.iter_rows(named=True)}
    now, before = rows.get(scope.year, {}), rows.get(scope.year - 1, {})
    has_before = scope.year - 1 in years
    lines = []
    for key in ids:
        ind = cat.indicator(key)
        rate = ind.kind != "count"
        prev = before.get(key) if has_before else NOT_APPLICABLE
        old, new = (None if isinstance(v, str) else v for v in (before.get(key), now.get(key)))
        evolution = change(old, new, rate) if has_before else NOT_APPLICABLE
        label = ind.label + (f" ({ind.unit})" if ind.format != "count" else "")
        lines.append((label, prev, now.get(key), evolution))
    cols: tuple[Column, ...] = (
        Column("indicator", "Indicateur", "text"),
        Column("previous", str(scope.year - 1), "value"),
        Column("current", str(scope.year), "value"),
        Column("change", "Évolution", "value"),
    )
    note = "" if has_before else f"L'entrepôt ne contient pas l'année {scope.year - 1}."
    where = "de la région" if scope.kind != "3c" else f"du {scope.c3_name}"
    source = ("indicators", {"ids": ids, "by": "year", **scope.params})
    return Table(title or f"Indicateurs clés {where}", cols, tuple(lines), source, note)


def by_c3(reader: Reader, scope: Scope) -> Section:
    t = indicator_table(reader, scope, "Indicateurs par 3C", INDICATORS, "c3", order="dossiers")
    chart = bars("Dossiers présentés en RCP par 3C", t, "c3_label", {"dossiers": "Dossiers"})
    return Section("Activité par 3C", "Par 3C", (t, chart))


def by_entity(reader: Reader, scope: Scope) -> Section:
    t = indicator_table(
        reader, scope, "Dossiers par RCP", ("dossiers",), "entity", order="dossiers"
    )
    chart = bars("Dossiers présentés par RCP", t, "entity_label", {"dossiers": "Dossiers"})
    return Section("Activité par RCP", "Par RCP", (t, chart))


def by_department(reader: Reader, scope: Scope) -> Section:
    t = indicator_table(
        reader, scope, "Indicateurs par département de résidence", INDICATORS, "department",
        order="dossiers",
    )  # fmt: skip
    chart = bars("Dossiers par département de résidence", t, "department_label", {"dossiers": ""})
    blocks: list = [t, chart]
    rates = indicator_table(
        reader,
        scope,
        "Dossiers des résidents pour 100 000 habitants",
        ("population", "dossiers_per_100k"),
        "department",
    )
    if rates.rows:  # network-wide: none for a 3C
        blocks.append(rates)
    return Section("Par département de résidence", "Par département", tuple(blocks))


def by_organ(reader: Reader, scope: Scope) -> Section:
    t = indicator_table(
        reader, scope, "Indicateurs par organe", INDICATORS, "organ", order="dossiers"
    )
    chart = bars("Dossiers présentés en RCP par organe", t, "organ_label", {"dossiers": "Dossiers"})
    return Section("Par organe", "Par organe", (t, chart))


def quorum(reader: Reader, scope: Scope) -> Section:
    first = "c3" if scope.kind == "ars" else "entity"
    cat = reader.catalogue
    blocks: list = []
    for by in (first, "organ"):
        label = cat.dimensions[by].label
        t = indicator_table(
            reader, scope, f"Conformité du quorum par {label}", QUORUM, by, order="pct_quorum_met"
        )
        blocks.append(t)
        if by == first:
            title = f"Dossiers dont la séance a atteint le quorum, par {label} (%)"
            key = f"{by}_label"
            blocks.append(bars(title, t, key, {"pct_quorum_met": "Quorum atteint"}, percent=True))
    blocks.append(
        indicator_table(
            reader,
            scope,
            "Spécialités manquantes dans les séances sous le quorum",
            ("missing_specialty_sessions",),
            "specialty",
            order="missing_specialty_sessions",
        )
    )
    intro = (
        "Un dossier est conforme quand sa séance réunit le quorum de la règle de son organe "
        "(config/quorum_rules.toml) ; non évaluable quand la présence n'est pas tracée. Le taux "
        "compte tous les dossiers au dénominateur, non évaluables compris."
    )
    return Section("Quorum et conformité", "Quorum", tuple(blocks), intro)


def trials(reader: Reader, scope: Scope) -> Section:
    t = indicator_table(
        reader,
        scope,
        "Patients proposés et inclus en essai, par organe",
        TRIALS,
        "organ",
        order="trial_new_patients",
    )
    chart = bars(
        "Patients proposés et inclus en essai clinique, par organe",
        t,
        "organ_label",
        {"trial_proposed": "Proposés en RCP", "trial_included": "Inclus"},
    )
    sites = indicator_table(
        reader, scope, "Inclusions par établissement", ("inclusions",), "finess", order="inclusions"
    )
    intro = "Patients distincts : proposés en RCP pour un essai, inclus dans l'année."
    return Section("Essais cliniques", "Essais", (t, chart, sites), intro)


def care_offer(reader: Reader, scope: Scope) -> Section:
    frame, source = query(reader, "care_offer", c3=scope.c3)
    names = dict(reader.query("department_list").iter_rows())
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
        .with_columns(label=pl.col("department_code").replace_strict(names, default=None))
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
    return assemble(reader, scope, title, subtitle, network, generated_at, sections)


def assemble(
    reader: Reader,
    scope: Scope,
    title: str,
    subtitle: str,
    network: str,
    generated_at: datetime,
    sections: list[Section],
) -> Report:
    """A report of `sections`, with what its cover says: the snapshot, the generation date, the
    data-quality status and the statistical secrecy of the principal in context."""
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
        max_noise=reader.secrecy.max_noise,
        sections=tuple(sections),
    )
