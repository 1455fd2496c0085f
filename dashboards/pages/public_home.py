"""Accueil des pages publiques (/public): what the network publishes for everyone, without an
account — the RCP directory, the open trials, the care-offer map — and the directory's feeds
for the national directory and partner sites."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboards import public

dash.register_page(
    __name__,
    path="/public",
    name="Accueil",
    title="Réseau régional de cancérologie — informations publiques",
    order=101,
)

SECTIONS = [
    (
        "/public/rcp",
        "Annuaire des RCP",
        "Chaque réunion de concertation pluridisciplinaire du réseau : organes, lieux, jour et "
        "heure, prochaines séances, secrétariat et inscription d'un dossier.",
    ),
    (
        "/public/essais",
        "Essais cliniques ouverts",
        "Les essais du registre ouverts aux inclusions, avec leur synopsis, leurs centres dans la "
        "région et leur contact.",
    ),
    (
        "/public/offre-de-soins",
        "Offre de soins",
        "Les établissements autorisés à traiter le cancer, les lieux de RCP et les structures de "
        "soins de support, sur une carte et en liste.",
    ),
]


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Informations publiques du réseau"),
            html.P(
                "Le réseau régional de cancérologie publie ici, pour les patients, leurs proches "
                "et les professionnels, ce qui ne concerne aucun patient : l'annuaire de ses RCP, "
                "les essais cliniques ouverts et l'offre de soins de la région."
            ),
            html.Ul(
                [
                    html.Li(
                        [html.H2(dcc.Link(title, href=path)), html.P(text)],
                        className="public-card",
                    )
                    for path, title, text in SECTIONS
                ],
                className="public-cards",
            ),
            html.H2("Pour les sites partenaires et l'annuaire national"),
            html.P(
                [
                    "L'annuaire des RCP se télécharge (",
                    *public.feed_links(),
                    ")",
                    " (HealthcareService, Schedule, Location). Chaque RCP a une adresse stable, "
                    "/public/rcp/ suivi de son code. Ces pages peuvent être intégrées au site du "
                    "réseau.",
                ]
            ),
        ],
        className="public-page",
    )
