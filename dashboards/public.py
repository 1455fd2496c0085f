"""The public part of the boards (/public/…): what a visitor without an account sees.

- The frame of the public pages (`frame`): the network's name, their navigation, a link to skip
  to the content, the date of the data; no filter, no account, no export link to the boards.
- The answers computed for them are kept once per published snapshot (`per_snapshot`): a new
  warehouse published is a new key, so nothing stale is served and nothing is computed twice.
- The headers of their answers (`headers`): the sites that may frame them (`[public]
  frame_ancestors` of config/access.toml; every other page may be framed by none), and how long
  browsers and proxies may keep them.
- The pieces their pages share (dates, facts, contacts, search fields, the feeds' links); the
  feeds themselves (the RCP directory as JSON, FHIR and CSV) are dashboards/directory.py's.

Who may open what is decided in dashboards/auth.py: a public page, its callbacks and the feeds
run as the anonymous principal, whoever asks, and the data-access layer refuses that principal
any query outside the `public` scope.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import dash
from dash import dcc, html
from flask import Response

from access.policy import load_policy
from dashboards.data import data_date, reader
from dashboards.registry import public_pages
from rrc.settings import load_toml

P = ParamSpec("P")
T = TypeVar("T")
NETWORK = "Réseau régional de cancérologie"
UNKNOWN = "non communiqué"
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
FEEDS = (
    ("CSV", "/public/rcp.csv"),
    ("JSON", "/public/rcp.json"),
    ("FHIR", "/public/rcp.fhir.json"),
)

_LOCK = threading.Lock()
_CACHE: dict[tuple[Any, ...], Any] = {}
_KEPT_FOR: list[str] = [""]  # the snapshot the cache holds answers of


def settings() -> dict[str, Any]:
    """config/public.toml: what the public pages show."""
    return load_toml("public.toml")


def per_snapshot(fn: Callable[P, T]) -> Callable[P, T]:
    """Keep `fn`'s answers for the published snapshot (and the day: next sessions move with
    it); a new snapshot empties the cache. The answers are shared: treat them as read-only."""

    @wraps(fn)
    def kept(*args: P.args, **kwargs: P.kwargs) -> T:
        snapshot = reader().snapshot()
        key = (fn.__module__, fn.__qualname__, date.today(), args, tuple(sorted(kwargs.items())))
        with _LOCK:
            if _KEPT_FOR[0] != snapshot:
                _CACHE.clear()
                _KEPT_FOR[0] = snapshot
            if key in _CACHE:
                return _CACHE[key]  # type: ignore[no-any-return]
        value = fn(*args, **kwargs)
        with _LOCK:
            if _KEPT_FOR[0] == snapshot:
                _CACHE[key] = value
        return value

    return kept


def aria(**attrs: str) -> dict[str, Any]:
    """ARIA attributes for a Dash component: `**aria(label="…", live="polite")`."""
    return {f"aria-{k}": v for k, v in attrs.items()}


def frame() -> html.Div:
    """The frame of the public pages: French, landmarks for assistive technologies, a link to
    skip to the content, the public pages' navigation only."""
    links = [
        dcc.Link(str(p["name"]), href=str(p["path"]), className="public-nav-link")
        for p in public_pages()
        if p.get("order") is not None
    ]
    return html.Div(
        [
            dcc.Location(id="url"),
            html.A("Aller au contenu", href="#contenu", className="skip-link"),
            html.Header(
                [
                    html.P(NETWORK, className="public-network"),
                    html.Nav(links, className="public-nav", **aria(label="Pages publiques")),
                ],
                className="public-header",
            ),
            html.Main(
                [
                    html.P(data_date(), className="data-date", id="date-donnees"),
                    dash.page_container,
                ],
                id="contenu",
                tabIndex="-1",
                className="public-main",
            ),
            html.Footer(
                html.P(
                    "Informations publiques du réseau : annuaire, essais et offre de soins. "
                    "Aucune donnée de patient n'est publiée ici.",
                ),
                className="public-footer",
            ),
        ],
        className="public",
    )


# --- pieces of the public pages --------------------------------------------------------------


def day(at: Any, hour: bool = True) -> str:
    """ "mardi 8 décembre 2026 à 14 h" (or without the hour)."""
    text = f"{DAYS[at.weekday()]} {at.day} {MONTHS[at.month - 1]} {at.year}"
    return text + (f" à {at.hour} h" if hour else "")


def fact(label: str, value: Any) -> list[Any]:
    """A term and its value in a description list ("non communiqué" when there is none)."""
    return [html.Dt(label), html.Dd(value if value not in (None, "", []) else UNKNOWN)]


def contact(phone: str | None, email: str | None) -> list[Any] | None:
    """A phone and an e-mail address, as links (None when neither is known)."""
    parts: list[Any] = []
    if phone:
        parts.append(html.A(phone, href="tel:" + phone.replace(" ", "")))
    if email:
        parts += [" · "] if parts else []
        parts.append(html.A(email, href="mailto:" + email))
    return parts or None


def search_form(action: str, label: str, fields: list[html.Div]) -> html.Form:
    """A search as a plain HTML form: its fields go in the page's address (`?organe=sein`), so
    a search is a link to share, works with the keyboard and assistive technologies as any form
    does, and the page is drawn again with it (no callback)."""
    return html.Form(
        [
            *fields,
            html.Div(
                [
                    html.Button("Rechercher", type="submit", className="search-button"),
                    html.A("Tout afficher", href=action, className="search-reset"),
                ],
                className="search-actions",
            ),
        ],
        method="get",
        action=action,
        role="search",
        className="search",
        **aria(label=label),
    )


def search_field(id_: str, name: str, placeholder: str, value: str | None) -> html.Div:
    """The words of a search, labelled."""
    return html.Div(
        [
            html.Label("Mots", htmlFor=id_),
            dcc.Input(
                id=id_,
                name=name,
                type="search",
                value=value or "",
                placeholder=placeholder,
                autoComplete="off",
            ),
        ],
        className="search-field",
    )


def select_field(
    label: str,
    id_: str,
    name: str,
    options: list[tuple[str, str]],
    value: str | None,
    every: str = "Tous",
) -> html.Div:
    """A labelled native choice among `options` ((value, label) pairs), `every` first."""
    return html.Div(
        [
            html.Label(label, htmlFor=id_),
            html.Select(
                [html.Option(every, value="")]
                + [html.Option(text, value=key, selected=key == value) for key, text in options],
                id=id_,
                name=name,
            ),
        ],
        className="search-field",
    )


def feed_links() -> list[Any]:
    """The directory's CSV, JSON and FHIR forms, as links."""
    links: list[Any] = []
    for i, (name, href) in enumerate(FEEDS):
        links += [" · "] if i else []
        links.append(html.A(name, href=href, lang="en" if name == "FHIR" else None))
    return links


# --- headers ----------------------------------------------------------------------------------


def headers(response: Response, page: bool, kept: bool) -> Response:
    """A public answer's headers: framing by the configured sites (a page only), and how long
    it may be kept (`kept`: an anonymous answer, the same for every visitor)."""
    public = load_policy().public
    if page:
        ancestors = " ".join(public.frame_ancestors) or "'none'"
        policy = response.headers.get("Content-Security-Policy", "")
        response.headers["Content-Security-Policy"] = policy.replace(
            "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
        )
        if public.frame_ancestors:  # X-Frame-Options cannot name several sites; CSP rules
            response.headers.pop("X-Frame-Options", None)
    if kept and public.cache_seconds and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={public.cache_seconds}"
        response.headers["Vary"] = "Cookie"
    return response
