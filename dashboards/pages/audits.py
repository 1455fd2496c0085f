"""Audits de pratiques: draw a stratified sample of fiches for an audit grid, download its answer
sheet (nominative only for entitled roles), import the completed sheet (rows in quarantine named),
and read each question's share compliant with its 95 % interval beside the warehouse's figure.

The callbacks call the plain functions below, which act for `access.policy.current()` through
`audits.service` (rights, 3C scope, statistical secrecy, audit trail); `register_routes` adds the
answer sheet's download route.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import Flask

from access.policy import AccessDenied, current
from audits import grid, service
from dashboards import forms
from dashboards.data import reader
from dashboards.forms import field
from rrc.errors import RRCError
from warehouse.read.formats import french

PATH = "/audits-pratiques"
dash.register_page(__name__, path=PATH, name="Audits de pratiques", order=9)

SHEET = "/audits-pratiques/grille/{}.xlsx"
PER = [{"label": "RCP", "value": "rcp"}, {"label": "Organe", "value": "organ"},
       {"label": "3C", "value": "3c"}]  # fmt: skip
QUESTION_COLUMNS = ["Question", "Réponses", "Taux conforme", "IC 95 %", "Entrepôt (toutes les "
                    "fiches du cadre)", "Concordance audit / entrepôt"]  # fmt: skip
STRATA_COLUMNS = ["Question", "Strate", "Cadre", "Tirées", "Retournées", "Taux conforme",
                  "IC 95 %", "Entrepôt"]  # fmt: skip


def _message(exc: Exception) -> str:
    return "Refusé : " + str(exc).replace("\nHint: ", " — ")


def _pct(value: Any, threshold: int, masked: bool) -> str:
    if value is None:
        return f"< {threshold}" if masked else "—"
    return french(float(value), 1) + "\u202f%"


def _count(value: Any, threshold: int) -> str:
    return f"< {threshold}" if value is None else french(float(value))


def _interval(row: dict[str, Any]) -> str:
    if row["pct"] is None or row["low"] is None:
        return "—"
    return f"{french(row['low'], 1)} – {french(row['high'], 1)}\u202f%"


def draw_options() -> list[dict[str, str]]:
    """The draws the current user may see, for the drop-down."""
    options = []
    for d in service.draws(reader().warehouse.dir):
        r = d.manifest["request"]
        where = f"3C {r['c3']}" if r["c3"] else "réseau"
        period = f"{r['period']['start']} – {r['period']['end']}"
        label = f"{d.manifest['grid']['label']} — {where}, {period} ({d.id})"
        options.append({"label": label, "value": d.id})
    return options


def make_draw(
    grid_id: str | None, period: str | None, per: str | None, n: Any, seed: Any, c3: str | None
) -> tuple[str, str | None]:
    """(message, id of the new draw) for the form's values."""
    try:
        if not grid_id or not period:
            raise RRCError("choisissez une grille et une période (ex. 2013)")
        d = service.new_draw(
            grid_id, period, per or "rcp", int(n or 5), int(seed or 1), reader().warehouse.dir,
            c3 or None,
        )  # fmt: skip
    except (RRCError, AccessDenied, ValueError) as exc:
        return _message(exc), None
    m = d.manifest
    return (
        f"Tirage {d.id} : {m['drawn']} fiches sur {m['frame']} du cadre, "
        f"{len(m['strata'])} strates (instantané {m['snapshot']['id']}, graine "
        f"{m['request']['seed']}).",
        d.id,
    )


def draw_summary(draw_id: str) -> tuple[list[list[str]], str]:
    """(rows of the strata table, the manifest in words) of a draw."""
    d = service.get(draw_id, reader().warehouse.dir)
    m, r = d.manifest, d.manifest["request"]
    rows = [
        [s["label"], french(s["frame_size"]), french(s["drawn"]),
         french(100 * s["probability"], 2) + "\u202f%"]
        for s in m["strata"]
    ]  # fmt: skip
    _, _, summary = service.imported(d)
    answers = (
        f" Réponses importées : {summary['accepted']} acceptées, {summary['quarantined']} en "
        f"quarantaine, {summary['not_returned']} fiches tirées sans réponse."
        if summary
        else " Aucune réponse importée."
    )
    text = (
        f"Grille « {m['grid']['label']} », {m['per']['label']} comme strate, {r['n']} fiches par "
        f"strate, graine {r['seed']}, instantané {m['snapshot']['id']} : {m['drawn']} fiches "
        f"tirées sur {m['frame']}.{answers}"
    )
    return rows, text


def import_file(draw_id: str, contents: str | None, filename: str | None) -> tuple[str, list]:
    """(message, quarantined rows) after importing an uploaded sheet (dcc.Upload contents)."""
    if not contents or not filename:
        return "Aucun fichier.", []
    try:
        data = base64.b64decode(contents.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        return "Refusé : le fichier envoyé est illisible.", []
    try:
        got = service.import_answers(draw_id, data, filename, reader().warehouse.dir)
    except (RRCError, AccessDenied) as exc:
        return _message(exc), []
    s = got.summary()
    message = (
        f"{filename} : {s['offered']} lignes lues, {s['accepted']} acceptées, "
        f"{s['quarantined']} en quarantaine ; {s['not_returned']} fiches tirées sans réponse "
        "acceptée."
    )
    return message, [[str(r["row"]), r["fiche_id"] or "", r["reasons"]]
                     for r in got.quarantine.iter_rows(named=True)]  # fmt: skip


def result_rows(draw_id: str) -> tuple[list[list[str]], list[list[str]], str]:
    """(question rows, stratum rows, note) as the current user may see them."""
    res = service.audit_results(draw_id, reader().warehouse.dir)
    if res.returned == 0:
        return [], [], "Aucune réponse importée pour ce tirage : importez la grille complétée."
    t, masked = res.threshold, res.masked
    questions = [
        [q["label"], _count(q["answered"], t), _pct(q["pct"], t, masked), _interval(q),
         _pct(q["warehouse_pct"], t, masked) if q["prefilled"] else "—",
         _pct(q["agreement_pct"], t, masked) if q["prefilled"] else "—"]
        for q in res.overall.iter_rows(named=True)
    ]  # fmt: skip
    strata = [
        [s["label"], s["stratum_label"], french(s["frame_size"]), french(s["drawn"]),
         french(s["returned"]), _pct(s["pct"], t, masked), _interval(s),
         _pct(s["warehouse_pct"], t, masked) if s["warehouse_known"] is not None or masked
         else "—"]
        for s in res.strata.iter_rows(named=True)
    ]  # fmt: skip
    note = (
        "Intervalle de confiance à 95 % : exact (Clopper-Pearson) dans une strate ; sur "
        "l'ensemble, proportion pondérée par le plan de sondage et intervalle de Korn-Graubard."
    )
    if masked:
        note += (
            f" Secret statistique : « < {t} » masque un taux reposant sur moins de {t} fiches "
            "(ou dont les non-conformes sont moins de {t}).".replace("{t}", str(t))
        )
    return questions, strata, note


def sheet(draw_id: str) -> tuple[bytes, str]:
    made = service.answer_sheet(draw_id, reader().warehouse.dir)
    return made.data, made.name


def register_routes(server: Flask) -> None:
    """Add the answer sheet's download route (the caller authorises it like every route)."""
    forms.download_route(
        server,
        SHEET.format("<ident>"),
        "audit_sheet_download",
        sheet,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        unknown="tirage inconnu",
    )


def grid_table(columns: list[str], rows: list[list[str]]) -> html.Table | None:
    if not rows:
        return None
    head = html.Thead(html.Tr([html.Th(c) for c in columns]))
    return html.Table([head, html.Tbody([html.Tr([html.Td(v) for v in r]) for r in rows])])


def _c3_choices() -> list[dict[str, str]]:
    try:
        frame = reader().query("c3_list")
    except (RRCError, AccessDenied):
        return []
    return [{"label": f"{k} — {v}", "value": k} for k, v in frame.rows()]


def layout(**_query: str) -> html.Div:
    principal = current()
    try:
        options = draw_options()
        refused = ""
    except (RRCError, AccessDenied) as exc:
        options, refused = [], _message(exc)
    own = principal.c3_id
    c3_control = (
        field("3C (le vôtre)", dcc.Dropdown(id="audit-3c", options=[own], value=own,
                                             disabled=True))
        if own
        else field("3C (vide : réseau)", dcc.Dropdown(id="audit-3c", options=_c3_choices()))
    )  # fmt: skip
    return html.Div(
        [
            html.H2("Audits de pratiques"),
            html.P(
                "Tirez au sort des fiches RCP par strate pour une grille d'audit, téléchargez la "
                "grille de réponses pré-remplie par l'entrepôt, réimportez-la complétée : chaque "
                "question donne son taux de conformité avec son intervalle de confiance, comparé "
                "au chiffre de l'entrepôt sur toutes les fiches (docs/audits.md)."
            ),
            html.Div(refused, className="notice"),
            html.H3("Nouveau tirage"),
            html.Div(
                [
                    field(
                        "Grille",
                        dcc.Dropdown(
                            id="audit-grille",
                            options=[{"label": g, "value": g} for g in grid.available()],
                            value=next(iter(grid.available()), None),
                        ),
                    ),
                    field(
                        "Période (année, ou AAAA-MM-JJ..AAAA-MM-JJ)",
                        dcc.Input(id="audit-periode", type="text", value="2013"),
                    ),
                    field(
                        "Strates",
                        dcc.RadioItems(id="audit-strates", options=PER, value="rcp", inline=True),
                    ),
                    field(
                        "Fiches par strate",
                        dcc.Input(id="audit-n", type="number", min=1, max=200, value=5),
                    ),
                    field("Graine", dcc.Input(id="audit-graine", type="number", value=1)),
                    c3_control,
                    html.Button("Tirer au sort", id="audit-tirer", n_clicks=0),
                    html.Div(id="audit-tirage-message", style={"margin": "8px 0"}),
                ],
                style={"maxWidth": "520px"},
            ),
            html.H3("Tirages"),
            dcc.Dropdown(
                id="audit-tirage",
                options=options,
                value=options[-1]["value"] if options else None,
                placeholder="Choisissez un tirage",
            ),
            html.Div(id="audit-manifeste", style={"margin": "8px 0"}),
            html.Div(id="audit-strates-table"),
            html.A("Télécharger la grille de réponses (XLSX)", id="audit-telecharger", href=""),
            dcc.Upload(
                id="audit-import",
                max_size=20_000_000,  # an answer sheet is a few hundred kB
                children=html.Div(
                    ["Importer la grille complétée : ", html.A("choisir un fichier")]
                ),
                style={"border": "1px dashed #888", "padding": "10px", "margin": "10px 0"},
            ),
            html.Div(id="audit-import-message"),
            html.Div(id="audit-quarantaine"),
            html.H3("Résultats"),
            html.Div(id="audit-resultats"),
            html.P(id="audit-note", className="notice"),
            html.Div(id="audit-resultats-strates"),
        ]
    )


@callback(
    Output("audit-tirage-message", "children"),
    Output("audit-tirage", "options"),
    Output("audit-tirage", "value"),
    Input("audit-tirer", "n_clicks"),
    State("audit-grille", "value"),
    State("audit-periode", "value"),
    State("audit-strates", "value"),
    State("audit-n", "value"),
    State("audit-graine", "value"),
    State("audit-3c", "value"),
    prevent_initial_call=True,
)
def on_draw(
    _clicks: int, grid_id: str | None, period: str | None, per: str | None, n: Any, seed: Any,
    c3: str | None,
) -> tuple[str, list[dict[str, str]], str | None]:  # fmt: skip
    current()
    message, made = make_draw(grid_id, period, per, n, seed, c3)
    options = draw_options()
    return message, options, made or (options[-1]["value"] if options else None)


def _show(draw_id: str | None) -> tuple[Any, ...]:
    if not draw_id:
        return "", None, "", None, "", None
    try:
        rows, text = draw_summary(draw_id)
        questions, strata, note = result_rows(draw_id)
    except (RRCError, AccessDenied) as exc:
        return _message(exc), None, "", None, "", None
    return (
        text,
        grid_table(["Strate", "Fiches du cadre", "Tirées", "Probabilité"], rows),
        SHEET.format(draw_id),
        grid_table(QUESTION_COLUMNS, questions),
        note,
        grid_table(STRATA_COLUMNS, strata),
    )


@callback(
    Output("audit-manifeste", "children"),
    Output("audit-strates-table", "children"),
    Output("audit-telecharger", "href"),
    Output("audit-resultats", "children"),
    Output("audit-note", "children"),
    Output("audit-resultats-strates", "children"),
    Input("audit-tirage", "value"),
    Input("audit-import-message", "children"),
)
def on_select(draw_id: str | None, _imported: Any) -> tuple[Any, ...]:
    current()
    return _show(draw_id)


@callback(
    Output("audit-import-message", "children"),
    Output("audit-quarantaine", "children"),
    Input("audit-import", "contents"),
    State("audit-import", "filename"),
    State("audit-tirage", "value"),
    prevent_initial_call=True,
)
def on_import(contents: str | None, filename: str | None, draw_id: str | None) -> tuple[Any, Any]:
    current()
    if not draw_id:
        return "Choisissez d'abord le tirage de cette grille.", None
    message, rows = import_file(draw_id, contents, filename)
    return message, grid_table(["Ligne", "Fiche", "Motifs de la quarantaine"], rows)
