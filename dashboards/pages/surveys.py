"""Enquêtes: the distribution of every answer of a survey (CAHLIPSOS first), section by section,
for all respondents or a health territory, a profession or both, split by territory or by
profession: diverging stacked bars for Likert scales, 100 % stacked bars for single choices and
numbers (in their classes), the share choosing each option of a multiple choice; the free-text
"Autre (préciser)" answers for roles with `free_text` only; an export of the section's table.

Roles without nominative rights read the survey through its secrecy (warehouse/read/surveys.py):
groups of fewer than 11 respondents gathered into « Autres » or masked, every count perturbed.
The global filters (year, 3C, organ...) do not apply: a survey has its own selection."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, callback, dcc, html

from access.policy import AccessDenied, current
from dashboards import charts, export
from dashboards.data import reader
from dashboards.indicators import Sheet
from rrc.errors import RRCError
from warehouse.read.formats import french
from warehouse.read.secrecy import hidden_text
from warehouse.read.surveys import Group, Result, View

PATH = "/enquetes"
dash.register_page(__name__, path=PATH, name="Enquêtes", order=10)

PAGE = "enquetes"
TABLES = ["repartition"]  # exported by the server (dashboards/export.py)
SPLITS = [
    {"label": "Ensemble", "value": "ensemble"},
    {"label": "Par territoire de santé", "value": "territory"},
    {"label": "Par profession", "value": "profession"},
]
URL = {
    "survey": "enquete",
    "section": "section",
    "by": "par",
    "territory": "territoire",
    "profession": "profession",
}
MANY = 7  # a single choice with more options reads as bars (or a heat map), not as a legend
TYPES = {
    "likert": "échelle",
    "single": "choix unique",
    "number": "nombre, en classes",
    "multiple": "choix multiple",
}
HEADERS = [
    "Section",
    "Question",
    "Groupe",
    "Répondants du groupe",
    "Réponse",
    "Répondants",
    "Ayant répondu à la question",
    "Part (%)",
]


def surveys() -> list[dict[str, str]]:
    """The surveys of the warehouse, for the drop-down (the latest first)."""
    frame = reader().query("survey_list")
    return [{"label": f"{t} ({y})", "value": s} for s, t, y in frame.iter_rows()]


def codebook(survey: str | None) -> tuple[list[str], dict[str, list[dict[str, str]]]]:
    """(sections, {territory|profession: options}) of a survey's codebook."""
    if not survey:
        return [], {"territory": [], "profession": []}
    frame = reader().query("survey_questions", survey=survey)
    sections = list(dict.fromkeys(frame["section"].to_list()))
    options: dict[str, list[dict[str, str]]] = {}
    for dim in ("territory", "profession"):
        rows = frame.filter(frame["splits"] == dim).select("option_code", "option_label")
        options[dim] = [{"label": lab, "value": code} for code, lab in rows.iter_rows()]
    return sections, options


def search_of(view: View, section: int) -> str:
    """The page's state as a query string (the exports carry it)."""
    pairs = {
        URL["survey"]: view.survey,
        URL["section"]: str(section),
        URL["by"]: view.by or "ensemble",
        URL["territory"]: view.territory or "",
        URL["profession"]: view.profession or "",
    }
    return "?" + urlencode({k: v for k, v in pairs.items() if v})


def state(search: str | None) -> tuple[View, int]:
    """(view, section index) from a query string; the first survey when none is named."""
    values = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    survey = values.get(URL["survey"]) or next(iter(s["value"] for s in surveys()), "")
    by = values.get(URL["by"])
    section = values.get(URL["section"], "0")
    view = View(
        survey,
        by if by in ("territory", "profession") else None,
        values.get(URL["territory"]) or None,
        values.get(URL["profession"]) or None,
    )
    return view, int(section) if section.isdigit() else 0


def _category(g: Group) -> str:
    if g.respondents is None:
        return g.label
    return f"{g.label} (n = {french(g.respondents)})"


def _hover(group: str, option: str, row: dict[str, Any], multiple: bool) -> str:
    if row["share"] is None:
        return f"{group}<br>{option} : —"
    whom = "répondants" if multiple else "réponses"
    return (
        f"{group}<br>{option} : {french(row['share'], 1)} % ({french(row['respondents'])} sur "
        f"{french(row['answered'])} {whom})"
    )


def figure(res: Result, question_id: str) -> charts.Figure:
    """The chart of one question: every group of the view, as one category."""
    q = res.question(question_id)
    groups = list(res.groups)
    categories = [_category(g) for g in groups]
    # the options answered in this view (a protected view gathers small territories or
    # professions into OTHERS), in the order of the scale
    mine = res.answers.filter(res.answers["question_id"] == question_id)
    options = res.options.filter(
        (res.options["question_id"] == question_id)
        & res.options["option_code"].is_in(mine["option_code"])
    ).sort("option_position")
    data: dict[str, dict[str, dict[str, Any]]] = {}
    for row in mine.iter_rows(named=True):
        data.setdefault(row["group"], {})[row["option_code"]] = row
    multiple = q["qtype"] == "multiple"
    answers = []
    for code, label, side in options.select("option_code", "option_label", "side").iter_rows():
        rows = [data.get(g.key, {}).get(code) for g in groups]
        answers.append(
            charts.Answer(
                label,
                side,
                [r["share"] if r else None for r in rows],
                [
                    _hover(g.label, label, r, multiple) if r else ""
                    for g, r in zip(groups, rows, strict=True)
                ],
            )
        )
    notes, hovers = _gaps(res, groups, data)
    if multiple or len(answers) > MANY:  # bars, or a heat map of groups x options
        # the reason a group is masked is written beside its name
        named = [c if n is None else f"{c} — {n}" for c, n in zip(categories, notes, strict=True)]
        return charts.choices(named, answers)
    if q["qtype"] == "likert":
        fig = charts.diverging(categories, answers)
    else:
        fig = charts.stacked_shares(categories, answers, ordered=q["qtype"] == "number")
    return charts.gaps(fig, categories, notes, hovers)


def _gaps(
    res: Result, groups: list[Group], data: dict[str, dict[str, dict[str, Any]]]
) -> tuple[list[str | None], list[str | None]]:
    """Why a group's bar is missing: too few respondents in the group, or too few answered."""
    top = res.threshold - 1
    notes: list[str | None] = []
    hovers: list[str | None] = []
    for g in groups:
        rows = list(data.get(g.key, {}).values())
        if g.masked:
            notes.append(charts.MASKED)
            hovers.append(f"secret statistique : groupe de 1 à {top} répondants")
        elif any(r["masked"] for r in rows):
            notes.append(charts.MASKED)
            hovers.append(f"secret statistique : de 1 à {top} réponses à la question")
        elif not any(r["answered"] for r in rows):
            notes.append(charts.EMPTY)
            hovers.append(None)
        else:
            notes.append(None)
            hovers.append(None)
    return notes, hovers


def summary(res: Result) -> list[Any]:
    """Who answered, what the split gathered or masked, and the secrecy rule."""
    sel = res.selection
    if sel.masked:
        return [
            html.P(
                f"{sel.label} : moins de {res.threshold} répondants, leurs réponses ne sont pas "
                "montrées (secret statistique).",
                className="notice",
            )
        ]
    lines = [html.P(f"{sel.label} : {french(sel.respondents or 0)} répondants.")]
    for g in res.groups:
        if g.members:
            lines.append(
                html.P(
                    f"{g.label} : {', '.join(g.members)} (groupes de moins de {res.threshold} "
                    "répondants, regroupés).",
                    className="notice",
                )
            )
    masked = [g.label for g in res.groups[1:] if g.masked]
    if masked:
        lines.append(
            html.P(
                f"Non montrés (moins de {res.threshold} répondants, ou pour ne pas les "
                f"retrouver par différence) : {', '.join(masked)}.",
                className="notice",
            )
        )
    if res.perturbed:
        lines.append(
            html.P(
                f"Les effectifs sont perturbés de {res.max_noise} au plus (secret statistique) : "
                "les parts sont calculées sur ces effectifs.",
                className="definition",
            )
        )
    return lines


def _graph(question_id: str, fig: charts.Figure) -> dcc.Graph:
    """A question's chart, as tall as its figure (its groups and legend)."""
    height = fig["layout"]["height"]
    return dcc.Graph(
        id=f"{PAGE}-q-{question_id}",  # not to meet the controls' ids
        figure=fig,
        config=charts.CONFIG,
        style={"height": f"{height}px"},
        className="graph",
    )


def cards(res: Result, section: str) -> list[Any]:
    """One card per question of the section that has options (free text is listed apart)."""
    if res.selection.masked:
        return []
    out = []
    for q in res.questions.filter(res.questions["section"] == section).iter_rows(named=True):
        if q["qtype"] not in TYPES:
            continue
        kind = TYPES[q["qtype"]]
        if q["qtype"] == "multiple" and q["max_choices"]:
            kind += f", {q['max_choices']} au plus" + (", classés" if q["ranked"] else "")
        out.append(
            html.Div(
                [
                    html.H4(q["label"], className="question"),
                    html.Div(kind, className="definition"),
                    _graph(q["question_id"], figure(res, q["question_id"])),
                ],
                className="chart",
            )
        )
    return out


def texts(view: View, section: str) -> Any:
    """The free-text answers of the section, for roles that may read them (else nothing)."""
    if not current().role.free_text:
        return None
    questions = reader().query("survey_questions", survey=view.survey)
    free = questions.filter(
        (questions["section"] == section) & questions["qtype"].is_in(["other", "text"])
    )
    if free.height == 0:
        return None
    labels = dict(free.select("question_id", "label").iter_rows())
    frame = reader().query(
        "survey_texts", survey=view.survey, territory=view.territory, profession=view.profession
    )
    frame = frame.filter(frame["question_id"].is_in(list(labels)))
    head = html.Thead(html.Tr([html.Th("Question"), html.Th("Réponse"), html.Th("Répondants")]))
    body = html.Tbody(
        [
            html.Tr([html.Td(labels[q]), html.Td(t), html.Td(french(n))])
            for q, t, n in frame.iter_rows()
        ]
    )
    return html.Div(
        [
            html.H3("Réponses en texte libre (« autre, préciser »)"),
            html.P(
                "Réponses individuelles, qui peuvent nommer des personnes : réservées aux rôles "
                "habilités, jamais exportées.",
                className="definition",
            ),
            html.Div(html.Table([head, body]), className="table-scroll")
            if frame.height
            else html.P("Aucune réponse en texte libre pour cette sélection."),
        ],
        id=f"{PAGE}-textes-libres",
    )


def tables(search: str | None) -> dict[str, Sheet]:
    """The section's distributions as on screen (masked cells included), for the exports."""
    view, index = state(search)
    res = reader().survey(view)
    sections = res.sections()
    section = sections[min(index, len(sections) - 1)] if sections else ""
    hidden = hidden_text(res.threshold)
    rows: list[list[Any]] = []
    for q in res.questions.filter(res.questions["section"] == section).iter_rows(named=True):
        if q["qtype"] not in TYPES:
            continue
        for g in res.groups:
            if g.masked:
                rows.append([section, q["label"], g.label, hidden, "", "", "", ""])
                continue
            for r in res.of(q["question_id"], g.key).iter_rows(named=True):
                masked = bool(r["masked"])
                rows.append(
                    [
                        section,
                        q["label"],
                        g.label,
                        g.respondents,
                        r["option_label"],
                        hidden if masked else r["respondents"],
                        hidden if masked else r["answered"],
                        None if r["share"] is None else round(float(r["share"]), 1),
                    ]
                )
    return {"repartition": Sheet(HEADERS, rows)}


def _control(label: str, control: Any) -> html.Label:
    return html.Label([label, control], className="survey-control")


def layout(**_query: str) -> html.Div:
    try:
        options = surveys()
    except (RRCError, AccessDenied):  # Dash validates the layout once, outside any request
        options = []
    first = options[0]["value"] if options else None
    return html.Div(
        [
            html.H2("Enquêtes"),
            html.P(
                "Répartition des réponses à chaque question, pour l'ensemble des répondants ou "
                "une sélection, par territoire de santé ou par profession. Les filtres généraux "
                "(année, 3C, organe…) ne s'appliquent pas aux enquêtes.",
                className="definition",
            ),
            html.Div(
                [
                    _control(
                        "Enquête",
                        dcc.Dropdown(options, first, id=f"{PAGE}-enquete", clearable=False),
                    ),
                    _control(
                        "Section", dcc.Dropdown([], None, id=f"{PAGE}-section", clearable=False)
                    ),
                    _control(
                        "Territoire de santé",
                        dcc.Dropdown(
                            [], None, id=f"{PAGE}-territoire", placeholder="Tous les territoires"
                        ),
                    ),
                    _control(
                        "Profession",
                        dcc.Dropdown(
                            [], None, id=f"{PAGE}-profession", placeholder="Toutes les professions"
                        ),
                    ),
                ],
                className="survey-controls",
            ),
            dcc.RadioItems(
                SPLITS, "ensemble", id=f"{PAGE}-par", inline=True, className="survey-split"
            ),
            html.Div(id=f"{PAGE}-resume"),
            export.links(PAGE, "repartition"),
            html.Div(id=f"{PAGE}-graphiques", className="charts"),
            html.Div(id=f"{PAGE}-textes"),
        ]
    )


@callback(
    Output(f"{PAGE}-section", "options"),
    Output(f"{PAGE}-section", "value"),
    Output(f"{PAGE}-territoire", "options"),
    Output(f"{PAGE}-profession", "options"),
    Input(f"{PAGE}-enquete", "value"),
)
def on_survey(survey: str | None) -> tuple[Any, ...]:
    sections, options = codebook(survey)
    choices = [{"label": s, "value": str(i)} for i, s in enumerate(sections)]
    return choices, "0" if choices else None, options["territory"], options["profession"]


@callback(
    Output(f"{PAGE}-resume", "children"),
    Output(f"{PAGE}-graphiques", "children"),
    Output(f"{PAGE}-textes", "children"),
    Output(f"{PAGE}-repartition-csv", "href"),
    Output(f"{PAGE}-repartition-xlsx", "href"),
    Input(f"{PAGE}-enquete", "value"),
    Input(f"{PAGE}-section", "value"),
    Input(f"{PAGE}-par", "value"),
    Input(f"{PAGE}-territoire", "value"),
    Input(f"{PAGE}-profession", "value"),
)
def update(
    survey: str | None,
    section: str | None,
    by: str | None,
    territory: str | None,
    profession: str | None,
) -> tuple[Any, ...]:
    current()
    if not survey or section is None:
        return html.P("Aucune enquête dans l'entrepôt."), [], None, "", ""
    view = View(survey, by if by in ("territory", "profession") else None, territory, profession)
    res = reader().survey(view)
    sections = res.sections()
    index = min(int(section), len(sections) - 1) if section.isdigit() else 0
    name = sections[index] if sections else ""
    query = search_of(view, index)
    return (
        summary(res),
        cards(res, name),
        texts(view, name),
        f"/export/{PAGE}/repartition.csv{query}",
        f"/export/{PAGE}/repartition.xlsx{query}",
    )
