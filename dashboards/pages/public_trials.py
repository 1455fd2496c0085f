"""Essais cliniques ouverts (/public/essais): the trials the registry gives as open, with title,
acronym, phase, organ, sponsor, synopsis, their centres in the region with their contact and the
trial's own contact; searchable by words and organ (a plain form: `?organe=sein&q=…`); with the
date of the registry's data. Drawn by its layout: no callback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
import polars as pl
from dash import html

from dashboards import public
from dashboards.data import reader
from dashboards.directory import fold

dash.register_page(
    __name__,
    path="/public/essais",
    name="Essais cliniques ouverts",
    title="Essais cliniques ouverts — réseau régional de cancérologie",
    order=103,
)


@public.per_snapshot
def trials() -> tuple[dict[str, Any], ...]:
    """The open trials, each with its centres in the region and what a search matches."""
    cat = reader().catalogue
    sites: dict[str, list[dict[str, Any]]] = {}
    for s in reader().query("public_trial_sites").iter_rows(named=True):
        sites.setdefault(s["trial_id"], []).append(s)
    out = []
    for t in reader().query("public_trials").iter_rows(named=True):
        mine = sites.get(t["trial_id"], [])
        phase = str(cat.translate("essais-liste", "phase", t["phase"])) if t["phase"] else None
        words = " ".join(
            str(v or "")
            for v in (t["trial_id"], t["title"], t["acronym"], t["organ_label"], t["sponsor"])
        ) + " ".join(f"{s['facility']} {s['city']}" for s in mine)
        out.append({**t, "phase_label": phase, "sites": mine, "words": fold(words)})
    return tuple(out)


def registry_date() -> str:
    """When the registry was last loaded (the sources feeding the trials)."""
    feeding = reader().query("source_entities").filter(pl.col("entity") == "trial")
    loads = reader().query("freshness").filter(pl.col("source").is_in(feeding["source"]))
    last = loads["last_load"].max() if loads.height else None
    if not isinstance(last, datetime):
        return "Date des données du registre inconnue."
    return f"Données du registre au {public.day(last, hour=False)}."


def card(t: dict[str, Any]) -> html.Li:
    heading = t["title"] + (f" ({t['acronym']})" if t["acronym"] else "")
    centres = [
        html.Li(
            [
                html.Span(f"{s['facility']}, {s['city']}" if s["city"] else s["facility"]),
                html.Br(),
                html.Span(s["contact"] or ""),
                " · " if s["phone"] else "",
                html.A(s["phone"], href="tel:" + s["phone"].replace(" ", "")) if s["phone"] else "",
                " · " if s["email"] else "",
                html.A(s["email"], href="mailto:" + s["email"]) if s["email"] else "",
            ]
        )
        for s in t["sites"]
    ]
    contact: list[Any] = [t["contact_name"] or "", " · "] + (
        public.contact(None, t["contact_email"]) or []
    )
    return html.Li(
        html.Article(
            [
                html.H2(heading),
                html.Dl(
                    public.fact("Numéro d'enregistrement", t["trial_id"])
                    + public.fact("Phase", t["phase_label"])
                    + public.fact("Organe", t["organ_label"])
                    + public.fact("Promoteur", t["sponsor"])
                    + public.fact("Synopsis", t["synopsis"])
                    + public.fact("Centres de la région", html.Ul(centres) if centres else None)
                    + public.fact("Contact de l'essai", contact if any(contact) else None),
                    className="facts wide",
                ),
            ],
            className="trial-card",
        )
    )


def layout(organe: str | None = None, q: str | None = None, **_query: str) -> html.Div:
    organs = sorted({(t["organ"], t["organ_label"]) for t in trials()}, key=lambda o: fold(o[1]))
    terms = fold(q or "").split()
    found = [
        t
        for t in trials()
        if (not organe or t["organ"] == organe) and all(w in t["words"] for w in terms)
    ]
    count = f"{len(found)} essais ouverts" if found else "Aucun essai ne répond à cette recherche."
    return html.Div(
        [
            html.H1("Essais cliniques ouverts"),
            html.P(
                [
                    "Les essais cliniques que le registre du réseau donne ouverts aux inclusions. "
                    "Pour proposer un essai à un patient, contactez le centre le plus proche. ",
                    html.Span(registry_date(), id="essais-date"),
                ]
            ),
            public.search_form(
                "/public/essais",
                "Rechercher un essai",
                [
                    public.search_field(
                        "essais-mots", "q", "Titre, acronyme, promoteur, centre…", q
                    ),
                    public.select_field("Organe", "essais-organe", "organe", organs, organe),
                ],
            ),
            html.P(count, id="essais-compte", className="count"),
            html.Ul([card(t) for t in found], id="essais-liste", className="trial-list"),
        ],
        className="public-page",
    )
