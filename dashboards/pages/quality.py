"""Qualité des données: check results by category, source and 3C; the trend over runs;
the last load held to each source's contract (its findings, the files expected and received,
the rows read, loaded, quarantined and skipped); quarantined rows with their reasons and where to
find them; a link to the Great Expectations Data Docs."""

from __future__ import annotations

import json
import re
from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html
from dash.dash_table.DataTable import DataTable

from access.policy import AccessDenied, current
from dashboards import charts, export, table_filter
from dashboards.data import reader
from dashboards.indicators import Sheet
from dashboards.status import check_results
from quality.checks import catalog
from warehouse.read import formats

dash.register_page(__name__, path="/qualite", name="Qualité des données", order=6)

# exported by the server (dashboards/export.py)
TABLES = ["controles", "quarantaine", "ecarts", "fichiers", "lignes"]
# long cells (a quarantined row, a message) wrap inside their column instead of widening the page
WRAP = {"textAlign": "left", "whiteSpace": "normal", "height": "auto", "maxWidth": 360}
# the pipeline's reasons, as the page says them
REASONS = {"same as ": "même fiche que "}
# the quarantine's own check names, besides the check types (quality/checks/check_types.csv)
QUARANTINE_CHECKS = {"mapping": "Valeur non chargeable (correspondance)"}
# where a row of a file is found again (pipelines/mapped.py), as the page says it
LOCATION = {", row ": ", ligne ", ", record ": ", enregistrement "}
# a whole `"key": value` pair of a JSON object (value: a string, a number, true, false, null)
PAIR = re.compile(r'"([^"\\]+)":("(?:[^"\\]|\\.)*"|-?[0-9.eE+-]+|true|false|null)(?=[,}])')
LOCALE = {"decimal": ",", "group": "\u202f"}  # numbers of the tables, in French
LISTED = 500  # the quarantined rows the page lists, the most recent (queries/quarantine.sql)
QUARANTINE_PAGE = 10
CHECKS_PAGE = 20

# what the pipeline records (pipelines/contract.py), as the page says it
KIND = {
    "missing_file": "fichier attendu absent",
    "extra_column": "colonne hors correspondance",
    "bad_value": "valeur illisible",
    "unknown_record": "type d'enregistrement inconnu",
    "duplicate_key": "clé en double",
    "missed_rows": "lignes manquées par l'horodatage",
    "hard_delete": "suppression physique",
    "changed_rows": "lignes modifiées sans horodatage",
    "null_watermark": "lignes sans horodatage",
    "reread": "lignes en quarantaine relues",
    "blank_rows": "lignes vides ignorées",
}
ACTION = {
    "refused": "source refusée",
    "quarantined": "mises en quarantaine",
    "warned": "avertissement",
    "loaded": "chargées",
    "reloaded": "table relue en entier",
    "skipped": "ignorées (comptées)",
}


def contract_tables() -> dict[str, pl.DataFrame]:
    """The last load's reconciliation, with French column names: the contract findings, the
    files expected vs received, the rows of each source, table and entity."""
    r = reader()
    sources = r.catalogue.dimensions["source"].values
    findings, files, rows = (
        r.query(name).with_columns(pl.col("source").replace(sources))
        for name in ("source_findings", "source_files", "source_rows")
    )
    return {
        "ecarts": findings.select(
            source="source",
            table="table",
            écart=pl.col("kind").replace(KIND),
            suite=pl.col("action").replace(ACTION),
            lignes="count",
            fichier="file",
            détail="message",
        ),
        "fichiers": files.select(
            source="source",
            table="table",
            fichier="file",
            reçu=pl.when(pl.col("present")).then(pl.lit("oui")).otherwise(pl.lit("NON")),
            lignes_lues="rows_read",
            lignes_vides="blank",
            extraites="extracted",
            en_quarantaine="quarantined",
            chargées="loaded",
            reprises_du_chargement_précédent="kept_previous",
        ),
        "lignes": rows.select(
            source="source",
            table="table",
            entité="entity",
            extraites="extracted",
            proposées="offered",
            chargées="loaded",
            en_quarantaine="quarantined",
            ignorées="skipped",
        ),
    }


def figures(results: pl.DataFrame | None = None) -> dict[str, Any]:
    """The page's charts; `results` are the check results when the caller has read them."""
    cat = reader().catalogue
    r = check_results() if results is None else results
    rows = cat.text("quality_rows")

    def bars(column: str, title: str, axis: str) -> charts.Figure:
        summed = r.group_by(column).agg(pl.col("violated").sum()).sort("violated")
        keys = summed[column].fill_null("all")
        if column == "source":
            keys = keys.replace(cat.dimensions["source"].values)
        return charts.series_figure(
            cat.text(title),
            keys.to_list(),
            [(rows, summed["violated"].to_list(), rows, ",.0f")],
            style="horizontal",
            category_title=cat.text(axis),
            value_title=rows,
        )

    trend = reader().query("quality_trend")
    names = {n: c.label for n, c in catalog()[0].items()}
    trend_fig = charts.figure(
        [
            {
                "type": "scatter",
                "x": g["run_at"].to_list(),
                "y": g["violated"].to_list(),
                "name": names.get(str(name[0]), str(name[0])),
                "mode": "lines+markers",
                "hovertemplate": f"%{{x}}<br>{names.get(str(name[0]), name[0])} : "
                f"%{{y:,.0f}} {rows}<extra></extra>",
            }
            for name, g in trend.group_by("check_name", maintain_order=True)
        ],
        cat.text("quality_trend"),
        xaxis={"title": {"text": cat.text("quality_run")}},
        yaxis={"title": {"text": rows}},
    )
    if trend.is_empty():  # bare axes would read as no defect at all
        trend_fig = charts.no_data(
            trend_fig,
            "suivie pour tout le réseau : non montrée à un 3C"
            if current().c3_id is not None
            else "aucune exécution enregistrée",
        )
    return {
        "categorie": bars("category", "quality_by_category", "quality_category"),
        "source": bars("source", "quality_by_source", "quality_source"),
        "tendance": trend_fig,
    }


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Qualité des données"),
            *(
                [
                    html.P(
                        html.A(
                            "Rapports Great Expectations (Data Docs)",
                            href="/data-docs/index.html",
                            target="_blank",
                            id="qualite-data-docs",
                        )
                    )
                ]
                if _reads_data_docs()
                else []
            ),
            html.P(id="qualite-controles-note"),
            html.Div(
                DataTable(  # paged, sorted and filtered by the server: one page of checks sent
                    id="qualite-controles",
                    style_table={"overflowX": "auto"},
                    page_action="custom",
                    page_current=0,
                    page_size=CHECKS_PAGE,
                    sort_action="custom",
                    sort_by=[],
                    filter_action="custom",
                    filter_query="",
                    filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                    style_cell=WRAP,
                ),
                className="table-scroll",
            ),
            export.links("qualite", "controles"),
            html.Div(
                [
                    html.Div(
                        charts.graph(f"qualite-{g}"),
                        className="chart",
                    )
                    for g in ("categorie", "source", "tendance")
                ],
                className="charts",
            ),
            html.H3("Chargement : contrats des sources et rapprochement"),
            html.P(
                "Chaque source est tenue à son contrat (fichiers attendus, en-têtes, types, "
                "clés) : un écart refuse la source, met la ligne en quarantaine ou donne un "
                "avertissement, toujours compté.",
            ),
            *(
                html.Div(
                    [
                        html.H4(title),
                        html.Div(
                            DataTable(
                                id=f"qualite-{name}",
                                style_table={"overflowX": "auto"},
                                page_size=10,
                                sort_action="native",
                                filter_action="native",
                                filter_options={
                                    "case": "insensitive",
                                    "placeholder_text": "Filtrer…",
                                },
                                style_cell=WRAP,
                            ),
                            className="table-scroll",
                        ),
                        export.links("qualite", name),
                    ]
                )
                for name, title in (
                    ("ecarts", "Écarts au contrat du dernier chargement"),
                    ("fichiers", "Fichiers attendus et reçus"),
                    ("lignes", "Lignes lues, chargées, en quarantaine et ignorées"),
                )
            ),
            html.H3("Lignes en quarantaine"),
            html.P(id="qualite-quarantaine-note"),
            html.Div(
                DataTable(  # paged and filtered by the server: a page of rows made readable
                    id="qualite-quarantaine",
                    style_table={"overflowX": "auto"},
                    page_action="custom",
                    page_current=0,
                    page_size=QUARANTINE_PAGE,
                    filter_action="custom",
                    filter_query="",
                    filter_options={"case": "insensitive", "placeholder_text": "Filtrer…"},
                    style_cell=WRAP,
                ),
                className="table-scroll",
            ),
            export.links("qualite", "quarantaine"),
        ]
    )


@callback(
    Output("qualite-categorie", "figure"),
    Output("qualite-source", "figure"),
    Output("qualite-tendance", "figure"),
    *export.outputs("qualite", TABLES),
    Input("url", "search"),
)
def update(search: str | None):  # type: ignore[no-untyped-def]
    figs = figures()
    return (
        figs["categorie"],
        figs["source"],
        figs["tendance"],
        *export.hrefs("qualite", TABLES, search),
    )


@callback(
    Output("qualite-controles", "data"),
    Output("qualite-controles", "columns"),
    Output("qualite-controles", "page_count"),
    Output("qualite-controles", "page_current"),
    Output("qualite-controles-note", "children"),
    Input("url", "search"),
    *table_filter.inputs("qualite-controles"),
)
def update_checks(  # type: ignore[no-untyped-def]
    _search: str | None,
    current: int | None,
    size: int | None,
    query: str | None,
    sort_by: list[dict[str, str]] | None,
):
    """One page of the check results (every check, by source, table and 3C), filtered and
    sorted as the table asks."""
    shown = _checks_shown(check_results())
    heads = columns(shown, reader().catalogue.tables["qualite-controles"].columns)
    current = table_filter.requested_page(current, "qualite-controles")
    try:
        found = table_filter.page(shown, query, sort_by, current, size, CHECKS_PAGE)
    except table_filter.FilterError as exc:
        return [], heads, 1, 0, str(exc)
    note = (
        f"{formats.french(found.matched)} résultat(s) de contrôle sur "
        f"{formats.french(shown.height)} répondent au filtre."
        if found.matched != shown.height
        else ""
    )
    return found.rows.to_dicts(), heads, found.page_count, found.current, note


@callback(
    Output("qualite-quarantaine", "data"),
    Output("qualite-quarantaine", "columns"),
    Output("qualite-quarantaine", "page_count"),
    Output("qualite-quarantaine", "page_current"),
    Output("qualite-quarantaine-note", "children"),
    Input("url", "search"),
    *table_filter.inputs("qualite-quarantaine", sort=False),
)
def update_quarantine(  # type: ignore[no-untyped-def]
    _search: str | None, page: int | None, size: int | None, query: str | None
):
    """One page of the quarantined rows, filtered by the table's filter row: without a filter
    only the page's rows are read and made readable; with one, the 500 listed rows are, then
    filtered as they read on screen."""
    page = table_filter.requested_page(page, "qualite-quarantaine")
    size = max(size or QUARANTINE_PAGE, 1)
    try:
        if table_filter.parse(query):
            listed = quarantine_rows()
            found = table_filter.page(listed, query, None, page, size)
            rows, count, page = found.rows, found.matched, found.current
            note = (
                f"{formats.french(count)} ligne(s) sur les {formats.french(listed.height)} "
                "listées répondent au filtre."
            )
        else:
            rows, total = _page(page * size, size)
            if rows.is_empty() and page:  # past the last page (a new load quarantined fewer)
                total = _page(0, 1)[1]
                page = table_filter.page_count(min(total, LISTED), size) - 1
                rows = _page(page * size, size)[0]
            count, note = min(total, LISTED), _quarantine_note(total)
    except table_filter.FilterError as exc:
        rows, count, page, note = _page(0, 0)[0], 0, 0, str(exc)
    pages = table_filter.page_count(count, size)
    return rows.to_dicts(), columns(rows, _headers(rows)), pages, page, note


def _page(offset: int, size: int) -> tuple[pl.DataFrame, int]:
    """`size` of the listed quarantined rows from `offset`, readable, and how many rows are in
    quarantine in all (0 for a role that sees none)."""
    frame = reader().query("quarantine", offset=offset, size=size)
    total = int(frame["total"][0]) if frame.height else 0
    return quarantine_rows(frame.drop("total")), total


def _quarantine_note(total: int) -> str:
    if not _reads_rows():
        return (
            "Les lignes en quarantaine sont des données individuelles : votre rôle ne les voit pas."
        )
    if total <= LISTED:
        return f"{formats.french(total)} ligne(s) en quarantaine, les plus récentes d'abord."
    return (
        f"{formats.french(total)} lignes en quarantaine : les {formats.french(LISTED)} plus "
        "récentes sont listées ici et dans les exports (la table quality.quarantine de "
        "l'entrepôt les contient toutes)."
    )


def columns(frame: pl.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """DataTable columns headed `names`; numbers read in French (1 234; 0,36) and sort as
    numbers."""
    out: list[dict[str, Any]] = []
    for c, n in names.items():
        column: dict[str, Any] = {"id": c, "name": n}
        dtype = frame.schema.get(c)
        if dtype is not None and dtype.is_numeric():
            spec = ",.2f" if dtype.is_float() else ",d"
            column |= {"type": "numeric", "format": {"locale": LOCALE, "specifier": spec}}
        out.append(column)
    return out


def _headers(quarantine: pl.DataFrame) -> dict[str, str]:
    kept = reader().catalogue.tables["qualite-quarantaine"].columns
    return {c: kept.get(c, c) for c in quarantine.columns}


def _checks_shown(results: pl.DataFrame) -> pl.DataFrame:
    cat = reader().catalogue
    checks = cat.tables["qualite-controles"]
    return results.select(*checks.columns).with_columns(
        pl.col("pct").round(3),
        pl.col("status").replace_strict(cat.dimensions["check_status"].values),
        pl.col("source").fill_null("all").replace(cat.dimensions["source"].values),
        pl.col("table").replace(cat.dimensions["staging_table"].values),
        pl.col("c3_id").fill_null("—"),
    )


def quarantine_rows(frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """The quarantined rows as the page shows them (row-level: empty for roles without it):
    sources, tables and checks by their French names, the original row as `champ : valeur`;
    `frame` is rows of the quarantine already read (a page), else the 500 listed."""
    cat = reader().catalogue
    if frame is None:
        frame = reader().query("quarantine", offset=0, size=LISTED).drop("total")
    dims = cat.dimensions
    organs = dict(reader().query("organ_list").iter_rows())
    names = QUARANTINE_CHECKS | {n: c.label for n, c in catalog()[0].items()}
    reason = pl.col("reason")
    for english, french in REASONS.items():
        reason = reason.str.replace_all(english, french, literal=True)
    return frame.select(
        pl.col("source").replace(dims["source"].values),
        pl.col("source_table").replace(dims["staging_table"].values),
        pl.col("check_name").replace(names),
        reason,
        pl.col("location").str.replace_many(dims["staging_table"].values | LOCATION),
        pl.col("row").map_elements(
            lambda raw: _row_text(raw, dims["source"].values, organs), return_dtype=pl.String
        ),
    )


def _row_text(raw: str | None, sources: dict[str, str], organs: dict[str, str]) -> str:
    """`{"a": 1, "b": null, "c": true}` -> `a : 1 · b : — · c : oui` (a row of a source, as a
    person reads it; its source and its organ by their names)."""
    try:
        values = json.loads(raw or "{}")
        more = ""
    except ValueError:  # the query keeps the first 300 characters: the pairs that are whole
        values = {k: json.loads(v) for k, v in PAIR.findall(raw or "")}
        more = " …"
    if not isinstance(values, dict):
        return str(values)

    def text(key: str, v: object) -> str:
        if v is None:
            return "—"
        if isinstance(v, bool):
            return "oui" if v else "non"
        if key == "source":
            return sources.get(str(v), str(v))
        return organs.get(str(v), str(v)) if key in ("organ", "organ_source") else str(v)

    return " · ".join(f"{k} : {text(k, v)}" for k, v in values.items()) + more


def _reads_rows() -> bool:
    """Whether the quarantined rows are shown to the principal: individual records of the whole
    network (config/secrecy.toml: row-level, network scope)."""
    try:
        who = current()
    except AccessDenied:  # Dash validates the layout once, outside any user's request
        return True
    return who.role.row_level and who.c3_id is None


def _reads_data_docs() -> bool:
    """The Data Docs are for the network's roles (a 3C would read every 3C's checks there)."""
    try:
        return current().c3_id is None
    except AccessDenied:  # Dash validates the layout once, outside any user's request
        return True


def tables(_search: str | None) -> dict[str, Sheet]:
    """The check results and the quarantined rows, as on screen, for their CSV and XLSX exports
    (headers from the catalogue)."""
    cat = reader().catalogue
    shown, quarantine = _checks_shown(check_results()), quarantine_rows()
    heads = cat.tables["qualite-controles"].columns
    load = {
        name: Sheet([c.replace("_", " ") for c in f.columns], [list(r) for r in f.rows()])
        for name, f in contract_tables().items()
    }
    return {
        "controles": Sheet([heads[c] for c in shown.columns], [list(r) for r in shown.rows()]),
        "quarantaine": Sheet(
            list(_headers(quarantine).values()), [list(r) for r in quarantine.rows()]
        ),
        **load,
    }


@callback(
    Output("qualite-ecarts", "data"),
    Output("qualite-ecarts", "columns"),
    Output("qualite-fichiers", "data"),
    Output("qualite-fichiers", "columns"),
    Output("qualite-lignes", "data"),
    Output("qualite-lignes", "columns"),
    Input("url", "search"),
)
def update_load(_search: str | None):  # type: ignore[no-untyped-def]
    out: list[Any] = []
    for frame in contract_tables().values():
        names = {c: c.replace("_", " ") for c in frame.columns}
        out += [frame.to_dicts(), columns(frame, names)]
    return tuple(out)
