"""Offre de soins (/public/offre-de-soins): the public version of the regional map — the
establishments authorised to treat cancer, the RCP places and the supportive-care providers on
the outlines shipped with the boards (no tile, nothing fetched) — and the same in lists, which
read without the map (screen readers, print). No figure about patients: no rate, no flow. The
layers shown are links (`?couche=rcp`); drawn by its layout, no callback."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboards import charts, maps, offer, public
from dashboards.data import reader
from dashboards.offer import text

dash.register_page(
    __name__,
    path="/public/offre-de-soins",
    name="Offre de soins",
    title="Offre de soins en cancérologie — réseau régional de cancérologie",
    order=104,
)

LAYERS = ["chirurgie", "chimiotherapie", "radiotherapie", "rcp", "soins_support"]


@public.per_snapshot
def figure(layers: tuple[str, ...]) -> charts.Figure:
    """The public map of the layers asked for (kept per snapshot and choice of layers)."""
    offered = reader().query("care_offer", c3=None)
    fig = maps.base("Offre de soins en cancérologie de la région")
    offer.outlines(fig)
    offer.establishments(fig, offered, list(layers))
    if "soins_support" in layers:
        offer.supportive(fig, reader().query("supportive_care"))
    return fig


def _yes(value: Any) -> str:
    return "oui" if value else "non"


def establishments() -> html.Table:
    rows = reader().query("care_offer", c3=None).sort("department_code", "town", "name")
    organs = dict(reader().query("organ_list").iter_rows())

    def surgery(types: str) -> str:
        """The organs of its surgery authorisations, by their French labels."""
        labels = [organs.get(t, t) for t in types.split(", ") if t]
        return ", ".join(label[:1].upper() + label[1:] for label in labels) or "—"

    return html.Table(
        [
            html.Caption("Établissements autorisés au traitement du cancer"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in (
                            "Établissement",
                            "Commune",
                            "Département",
                            text("map_surgery"),
                            text("map_chemotherapy"),
                            text("map_radiotherapy"),
                            "RCP sur place",
                        )
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(r["name"], scope="row"),
                            html.Td(r["town"] or ""),
                            html.Td(r["department_code"] or ""),
                            html.Td(surgery(r["surgery_types"] or "")),
                            html.Td(_yes(r["chemotherapy"])),
                            html.Td(_yes(r["radiotherapy"])),
                            html.Td(str(r["rcp_entities"])),
                        ]
                    )
                    for r in rows.iter_rows(named=True)
                ]
            ),
        ],
        className="public-table",
    )


def supportive_care() -> html.Table:
    rows = reader().query("supportive_care").sort("kind_label", "town", "name")
    return html.Table(
        [
            html.Caption("Structures de soins de support"),
            html.Thead(
                html.Tr(
                    [html.Th(h, scope="col") for h in ("Structure", "Soin", "Commune", "Téléphone")]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(r["name"], scope="row"),
                            html.Td(r["kind_label"] or ""),
                            html.Td(r["town"] or ""),
                            html.Td(
                                html.A(r["phone"], href="tel:" + r["phone"].replace(" ", ""))
                                if r["phone"]
                                else ""
                            ),
                        ]
                    )
                    for r in rows.iter_rows(named=True)
                ]
            ),
        ],
        className="public-table",
    )


def scrolling(table: html.Table, label: str) -> html.Div:
    """A table that scrolls sideways on a phone: a region the keyboard can reach and scroll."""
    return html.Div(
        table, className="table-scroll", tabIndex="0", role="region", **public.aria(label=label)
    )


def layout(couche: str | list[str] | None = None, **_query: str) -> html.Div:
    asked = [couche] if isinstance(couche, str) else list(couche or [])
    shown = tuple(k for k in LAYERS if k in asked) or tuple(LAYERS)
    choices: list[Any] = []
    for key in LAYERS:
        name = text(offer.LAYERS[key])
        current = shown == (key,)
        link = html.A(
            name,
            href=f"/public/offre-de-soins?couche={key}",
            **public.aria(current="true" if current else "false"),
        )
        choices += [" · ", link] if choices else [link]
    choices += [" · ", html.A("Tout", href="/public/offre-de-soins")]
    return html.Div(
        [
            html.H1("Offre de soins en cancérologie"),
            html.P(
                "Les établissements de la région autorisés à traiter le cancer (chirurgie, "
                "chimiothérapie, radiothérapie), les lieux de RCP et les structures de soins de "
                "support. La carte est aussi donnée en listes, plus bas."
            ),
            html.Nav(
                [html.Span("Montrer sur la carte : "), *choices],
                className="map-controls",
                **public.aria(label="Couches de la carte"),
            ),
            html.Figure(
                [
                    html.Div(
                        dcc.Graph(
                            id="public-offre-carte", figure=figure(shown), config=charts.CONFIG
                        ),
                        className="chart",
                    ),
                    html.Figcaption(
                        "Carte de l'offre de soins : le détail figure dans les listes ci-dessous.",
                        className="note",
                    ),
                ],
                className="public-map",
            ),
            html.H2("Établissements"),
            scrolling(establishments(), "Établissements autorisés"),
            html.H2("Soins de support"),
            scrolling(supportive_care(), "Structures de soins de support"),
        ],
        className="public-page",
    )
