"""Cohortes: the researchers' cohort builder. Criteria in a form (or the definition's TOML, whose
order is the attrition order), the attrition table with statistical secrecy, and the extraction
of a pseudonymised extract (approval reference required) offered as a ZIP.

The callbacks call the plain functions below, which act for `access.policy.current()` through
`cohorts.service` (rights, secrecy, audit). Extracts are written to
`<warehouse dir>/../cohorts/<extract id>/`; `register_routes` adds their download route.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import Flask

from access.policy import AccessDenied, current
from cohorts import service
from cohorts.definition import SPECS, STAGE, Definition, from_dict, to_toml, vocabulary
from dashboards import forms
from dashboards.data import reader
from dashboards.forms import field
from rrc.errors import RRCError

dash.register_page(__name__, path="/cohortes", name="Cohortes", order=7)

DOWNLOAD = "/cohortes/telecharger/{}.zip"
QUORUM = {"met": "Atteint", "not_met": "Non atteint", "unknown": "Inconnu"}
CASE_STATUS = {"discute": "Discuté", "enregistre": "Enregistré"}
STAGES = {"t": ["T1", "T2", "T3", "T4", "Tis"], "n": ["N0", "N1", "N2", "N3"], "m": ["M0", "M1"]}
YES_NO = [
    {"label": "Indifférent", "value": ""},
    {"label": "Oui", "value": "oui"},
    {"label": "Non", "value": "non"},
]
# form fields (component id suffix, key), in the order their criteria enter the definition
FORM = (
    ("organe", "organ"), ("cim10", "icd10"), ("debut", "start"), ("fin", "end"),
    ("age-min", "age_min"), ("age-max", "age_max"), ("sexe", "sex"),
    ("departement", "department"), ("3c", "c3"), ("stade-t", "stage_t"), ("stade-n", "stage_n"),
    ("stade-m", "stage_m"), ("traitement", "treatment"), ("essai-inclusion", "trial_inclusion"),
    ("essai-propose", "trial_proposed"), ("quorum", "quorum"), ("statut", "case_status"),
)  # fmt: skip
COLUMNS = ["Étape", "Critère", "Condition", "Patients", "Dossiers", "Patients exclus"]


def warehouse_dir() -> Path:
    """The warehouse the boards serve."""
    return reader().warehouse.dir


def extracts_dir() -> Path:
    return warehouse_dir().resolve().parent / "cohorts"


def definition_from_form(name: str | None, form: dict[str, Any]) -> Definition:
    """A definition from the form's values (empty fields are no criterion)."""

    def given(key: str) -> Any:
        value = form.get(key)
        return None if value in (None, "", []) else value

    def split(text: str) -> list[str]:
        return [x.strip() for x in text.replace(";", ",").split(",") if x.strip()]

    criteria: dict[str, Any] = {}
    if given("organ"):
        criteria["organ"] = form["organ"]
    if given("icd10") and split(form["icd10"]):
        criteria["icd10"] = split(form["icd10"])
    period = {k: form[f] for k, f in (("start", "start"), ("end", "end")) if given(f)}
    if period:
        criteria["period"] = period
    age = {k: int(form[f]) for k, f in (("min", "age_min"), ("max", "age_max")) if given(f)}
    if age:
        criteria["age"] = age
    for key in ("sex", "department", "c3"):
        if given(key):
            criteria[key] = form[key]
    stage = {k: form[f"stage_{k}"] for k in STAGE if given(f"stage_{k}")}
    if stage:
        criteria["stage"] = stage
    if given("treatment"):
        criteria["treatment"] = form["treatment"]
    for key in ("trial_inclusion", "trial_proposed"):
        if given(key):
            criteria[key] = form[key] == "oui"
    for key in ("quorum", "case_status"):
        if given(key):
            criteria[key] = form[key]
    return from_dict({"name": (name or "").strip() or "Cohorte sans nom", "criteria": criteria})


def definition_text(name: str | None, form: dict[str, Any]) -> tuple[str, str]:
    """(TOML of the definition, error message) from the form."""
    try:
        return to_toml(definition_from_form(name, form)), ""
    except RRCError as exc:
        return "", _message(exc)


def _parse(text: str | None) -> Definition:
    try:
        raw = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as exc:
        raise RRCError(f"la définition n'est pas du TOML valide : {exc}") from exc
    return from_dict(raw)


def _message(exc: Exception) -> str:
    """An error for the page: refused, with what went wrong and what to do."""
    hint = getattr(exc, "hint", None)
    text = str(exc.args[0]) if exc.args else str(exc)
    return "Refusé : " + text + (f" — {hint}" if hint else "")


def attrition(text: str | None) -> tuple[list[dict[str, Any]], str]:
    """(rows of the attrition table, message) for the definition's TOML, as the current user
    may see them."""
    try:
        result = service.count(_parse(text), warehouse_dir())
    except (RRCError, AccessDenied) as exc:
        return [], _message(exc)
    note = (
        f" Effectifs de 1 à {result.threshold - 1} affichés « < {result.threshold} » ; les "
        "autres sont perturbés de quelques unités (secret statistique), toujours de la même "
        "façon pour un même ensemble de patients."
        if result.masked
        else ""
    )
    return [s.row() for s in result.steps], f"Instantané de l'entrepôt {result.snapshot}.{note}"


def extract(text: str | None, requester: str | None, approval: str | None) -> tuple[str, str]:
    """(message, download link) after writing the extract of the definition."""
    if not (approval or "").strip():
        return "La référence d'autorisation (CPP, CNIL…) est obligatoire.", ""
    try:
        chosen = _parse(text)
        folder, warehouse = extracts_dir(), warehouse_dir()
        done = service.extract_cohort(
            chosen, requester or "", approval or "", folder, warehouse, nested=True
        )
    except (RRCError, AccessDenied) as exc:
        return _message(exc), ""
    e = done.extract
    return (
        f"Extraction {e.id} : {e.patients} patients, fichiers Parquet et CSV, dictionnaire et "
        f"manifeste ({done.seconds:.1f} s).",
        DOWNLOAD.format(e.id),
    )


def download(extract_id: str) -> bytes:
    """The ZIP of an extract, for the user who extracted it (raises AccessDenied, RRCError)."""
    return service.archive(extracts_dir(), extract_id)


def register_routes(server: Flask) -> None:
    """Add the download route of extracts (the caller authorises it like every route)."""
    forms.download_route(
        server,
        DOWNLOAD.format("<ident>"),
        "cohort_download",
        lambda extract_id: (download(extract_id), f"{extract_id}.zip"),
        mimetype="application/zip",
        unknown="extraction inconnue",
    )


def _multi(ident: str, options: list[dict[str, str]] | list[str]) -> dcc.Dropdown:
    return dcc.Dropdown(id=f"cohorte-{ident}", options=options, multi=True, placeholder="Tous")


def _codes(names: dict[str, str] | None, codes: tuple[str, ...] | list[str]) -> list[dict]:
    return [{"label": (names or {}).get(c, c), "value": c} for c in codes]


def form() -> html.Div:
    try:
        found = service.choices(warehouse_dir())
    except (RRCError, AccessDenied):
        found = {"c3": [], "department": []}
    label = {k: s.label for k, s in SPECS.items()}
    number: dict[str, Any] = {"type": "number", "min": 0, "max": 130, "debounce": True}
    years = reader().query("years")["year"].to_list()  # the calendars open on the latest data
    day: dict[str, Any] = {
        "placeholder": "jj/mm/aaaa",
        "display_format": "DD/MM/YYYY",
        "first_day_of_week": 1,
        **({"initial_visible_month": f"{years[0]}-01-01"} if years else {}),
    }
    return html.Div(
        [
            field("Nom de la cohorte", dcc.Input(id="cohorte-nom", type="text", debounce=True)),
            field(label["organ"], _multi("organe", _codes(None, vocabulary("organs")))),
            field(
                "Codes CIM-10 (préfixes séparés par des virgules, ex. C50, D05)",
                dcc.Input(id="cohorte-cim10", type="text", debounce=True),
            ),
            field(
                "Date de RCP : du",
                dcc.DatePickerSingle(id="cohorte-debut", **day),
            ),
            field(
                "au",
                dcc.DatePickerSingle(id="cohorte-fin", **day),
            ),
            field("Âge minimum", dcc.Input(id="cohorte-age-min", **number)),
            field("Âge maximum", dcc.Input(id="cohorte-age-max", **number)),
            field(label["sex"], _multi("sexe", _codes({"F": "Femme", "M": "Homme"}, ("F", "M")))),
            field(label["department"], _multi("departement", found["department"])),
            field(label["c3"], _multi("3c", found["c3"])),
            field("Stade T", _multi("stade-t", STAGES["t"])),
            field("Stade N", _multi("stade-n", STAGES["n"])),
            field("Stade M", _multi("stade-m", STAGES["m"])),
            field(label["treatment"], _multi("traitement", _codes(None, vocabulary("treatments")))),
            field(
                label["trial_inclusion"],
                dcc.RadioItems(id="cohorte-essai-inclusion", options=YES_NO, value="", inline=True),
            ),
            field(
                label["trial_proposed"],
                dcc.RadioItems(id="cohorte-essai-propose", options=YES_NO, value="", inline=True),
            ),
            field(label["quorum"], _multi("quorum", _codes(QUORUM, tuple(QUORUM)))),
            field(label["case_status"], _multi("statut", _codes(CASE_STATUS, tuple(CASE_STATUS)))),
            html.Button("Écrire la définition", id="cohorte-ecrire", n_clicks=0),
        ],
        style={"flex": "1 1 300px", "minWidth": "0"},
    )


def layout(**_query: str) -> html.Div:
    principal = current()
    return html.Div(
        [
            html.H2("Cohortes"),
            html.P(
                "Choisissez les critères, écrivez la définition puis comptez : le tableau "
                "d'attrition suit l'ordre des critères de la définition, que vous pouvez modifier "
                "(docs/cohorts.md). L'extraction est pseudonymisée et tracée."
            ),
            html.Div(
                [
                    form(),
                    html.Div(
                        [
                            field(
                                "Définition (TOML)",
                                dcc.Textarea(
                                    id="cohorte-definition",
                                    style={"width": "100%", "height": "260px"},
                                ),
                            ),
                            html.Div(id="cohorte-erreur", className="notice"),
                            html.Button("Compter", id="cohorte-compter", n_clicks=0),
                            html.Div(id="cohorte-message", style={"margin": "8px 0"}),
                            html.Div(id="cohorte-attrition"),
                            html.H3("Extraction"),
                            field(
                                "Demandeur",
                                dcc.Input(
                                    id="cohorte-demandeur", type="text", value=principal.username
                                ),
                            ),
                            field(
                                "Référence d'autorisation (CPP, CNIL…) — obligatoire",
                                dcc.Input(id="cohorte-autorisation", type="text"),
                            ),
                            html.Button("Extraire", id="cohorte-extraire", n_clicks=0),
                            html.Div(id="cohorte-extraction", style={"margin": "8px 0"}),
                            html.A(
                                "Télécharger l'extraction (ZIP)",
                                id="cohorte-telecharger",
                                href="",
                                style={"display": "none"},
                            ),
                        ],
                        style={"flex": "2 1 420px", "minWidth": "0"},
                    ),
                ],
                style={"display": "flex", "gap": "24px", "flexWrap": "wrap"},
            ),
        ]
    )


PROPS = {"debut": "date", "fin": "date"}


@callback(
    Output("cohorte-definition", "value"),
    Output("cohorte-erreur", "children"),
    Input("cohorte-ecrire", "n_clicks"),
    State("cohorte-nom", "value"),
    *(State(f"cohorte-{i}", PROPS.get(i, "value")) for i, _ in FORM),
    prevent_initial_call=True,
)
def write_definition(_clicks: int, name: str | None, *values: Any) -> tuple[str, str]:
    current()  # a logged-in user only
    return definition_text(name, dict(zip((k for _, k in FORM), values, strict=True)))


def table(rows: list[dict[str, Any]]) -> html.Table | None:
    if not rows:
        return None
    head = html.Thead(html.Tr([html.Th(c) for c in COLUMNS]))
    body = html.Tbody([html.Tr([html.Td(str(r[c])) for c in COLUMNS]) for r in rows])
    return html.Table([head, body])


@callback(
    Output("cohorte-attrition", "children"),
    Output("cohorte-message", "children"),
    Input("cohorte-compter", "n_clicks"),
    State("cohorte-definition", "value"),
    prevent_initial_call=True,
)
def count(_clicks: int, text: str | None) -> tuple[html.Table | None, str]:
    current()
    rows, message = attrition(text)
    return table(rows), message


@callback(
    Output("cohorte-extraction", "children"),
    Output("cohorte-telecharger", "href"),
    Output("cohorte-telecharger", "style"),
    Input("cohorte-extraire", "n_clicks"),
    State("cohorte-definition", "value"),
    State("cohorte-demandeur", "value"),
    State("cohorte-autorisation", "value"),
    prevent_initial_call=True,
)
def extract_cohort(
    _clicks: int, text: str | None, requester: str | None, approval: str | None
) -> tuple[str, str, dict[str, str]]:
    current()
    message, href = extract(text, requester, approval)
    return message, href, {"display": "inline" if href else "none"}
