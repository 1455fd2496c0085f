"""Annuaire des RCP (/public/rcp): every RCP of the network, searchable by words, organ, town
and department (a plain form: `?organe=sein&commune=Vichy&departement=03&q=…` is the search, a
link to share), each with its organs, 3C, place, schedule and next session, how it meets and its
secretariat; a link to its own page (/public/rcp/<code>) and the directory's CSV, JSON and FHIR
forms (dashboards/directory.py). Drawn by its layout: no callback."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboards import directory, public
from dashboards.directory import Rcp

dash.register_page(
    __name__,
    path="/public/rcp",
    name="Annuaire des RCP",
    title="Annuaire des RCP — réseau régional de cancérologie",
    order=102,
)


def card(e: Rcp) -> html.Li:
    """One RCP in the list: what a physician needs to present a dossier there."""
    main = next((p for p in e.places if p.main), None)
    where = f"{main.name} ({e.town})" if main and e.town else (main.name if main else None)
    nxt = public.day(e.next_sessions[0]) if e.next_sessions else None
    return html.Li(
        html.Article(
            [
                html.H2(dcc.Link(e.name, href=e.url, id=f"annuaire-lien-{e.code}")),
                html.P("RCP de recours", className="badge") if e.recours else None,
                html.Dl(
                    public.fact("Organes", e.organ_labels)
                    + public.fact("3C", e.c3_name)
                    + public.fact("Lieu", where)
                    + public.fact("Séances", e.schedule())
                    + public.fact("Prochaine séance", nxt)
                    + public.fact("Modalité", e.mode())
                    + public.fact("Secrétariat", public.contact(e.phone, e.email)),
                    className="facts",
                ),
            ],
            className="rcp-card",
        )
    )


def layout(
    organe: str | None = None,
    commune: str | None = None,
    departement: str | None = None,
    q: str | None = None,
    **_query: str,
) -> html.Div:
    choices = directory.choices()
    found = directory.search(q, organe, commune, departement)
    count = f"{len(found)} RCP" if found else "Aucune RCP ne répond à cette recherche."
    return html.Div(
        [
            html.H1("Annuaire des RCP"),
            html.P(
                "Les réunions de concertation pluridisciplinaire (RCP) du réseau. Pour présenter "
                "le dossier d'un patient, adressez-vous au secrétariat de la RCP, qui indique "
                "aussi les séances annulées ou déplacées."
            ),
            public.search_form(
                "/public/rcp",
                "Rechercher une RCP",
                [
                    public.search_field("annuaire-mots", "q", "Nom, organe, établissement…", q),
                    public.select_field(
                        "Organe", "annuaire-organe", "organe", choices["organ"], organe
                    ),
                    public.select_field(
                        "Commune", "annuaire-commune", "commune", choices["town"], commune, "Toutes"
                    ),
                    public.select_field(
                        "Département",
                        "annuaire-departement",
                        "departement",
                        choices["department"],
                        departement,
                    ),
                ],
            ),
            html.P(count, id="annuaire-compte", className="count"),
            html.Ul([card(e) for e in found], id="annuaire-liste", className="rcp-list"),
            html.P(
                ["Télécharger l'annuaire : ", *public.feed_links()],
                className="downloads",
            ),
        ],
        className="public-page",
    )
