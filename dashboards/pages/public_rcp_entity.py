"""Une RCP (/public/rcp/<code>): the stable page of one RCP of the directory, by its code —
organs, 3C, places (main and linked by video), schedule and next sessions, how it meets, its
coordinator where the directory marks the name public, its secretariat, how to submit a dossier,
and the specialties usually present (required by its quorum rule, or present at most of its
sessions). Drawn by its layout: no callback."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboards import directory, public


def title(code: str | None = None) -> str:
    e = directory.find(code or "")
    return f"{e.name if e else 'RCP'} — annuaire des RCP"


dash.register_page(__name__, path_template="/public/rcp/<code>", name="Une RCP", title=title)


def layout(code: str | None = None, **_query: str) -> html.Div:
    back = html.P(dcc.Link("← Annuaire des RCP", href="/public/rcp"), className="back")
    e = directory.find(code or "")
    if e is None:
        return html.Div(
            [
                back,
                html.H1("RCP introuvable"),
                html.P(f"Aucune RCP de l'annuaire ne porte le code « {code} »."),
            ],
            className="public-page",
        )
    others = [p for p in e.places if not p.main]
    specialties: list[Any] = [
        html.Li(s + (" (requise par la règle de quorum)" if required else ""))
        for s, required in e.specialties
    ]
    facts = (
        public.fact("Code", e.code)
        + public.fact("Organes", e.organ_labels)
        + public.fact("3C", e.c3_name)
        + public.fact("Lieu principal", _place(e, True))
        + (public.fact("Sites reliés en visioconférence", _place(e, False)) if others else [])
        + public.fact("Modalité", e.mode())
        + public.fact("Séances", e.schedule())
        + public.fact(
            "Prochaines séances",
            html.Ul([html.Li(public.day(s)) for s in e.next_sessions]) if e.next_sessions else None,
        )
        + (public.fact("Médecin coordonnateur", e.coordinator) if e.coordinator else [])
        + public.fact("Secrétariat", public.contact(e.phone, e.email))
        + public.fact("Inscrire un dossier", e.submission)
        + public.fact(
            "Spécialités habituellement présentes", html.Ul(specialties) if specialties else None
        )
    )
    return html.Div(
        [
            back,
            html.H1(e.name),
            html.P("RCP de recours", className="badge") if e.recours else None,
            html.Dl(facts, className="facts wide"),
            html.P(
                "Les prochaines séances sont calculées à partir du rythme de la RCP, jours "
                "fériés exclus ; les annulations et les déplacements ne sont pas connus ici. "
                "Vérifiez auprès du secrétariat.",
                className="note",
            ),
            html.P(["Adresse de cette page : ", html.Code(e.url)], className="note"),
        ],
        className="public-page",
    )


def _place(e: directory.Rcp, main: bool) -> list[Any]:
    places = [p for p in e.places if p.main == main]
    return [
        html.Span(f"{p.name} ({p.town})" if p.town else p.name, className="place") for p in places
    ]
