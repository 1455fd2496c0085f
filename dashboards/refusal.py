"""The page a user sees on a board their role may not open: in French, inside the boards'
frame (who is logged in, the navigation of the boards the role may open, logout), served by the
server itself with status 403, so no data and no board's code reach the browser."""

from __future__ import annotations

from html import escape

from access.policy import Principal
from dashboards.registry import allowed, boards


def page_name(path: str) -> str:
    for p in boards():
        if p["path"] == path:
            return str(p["name"])
    return path


def refusal_page(principal: Principal, path: str, csrf: str, style_href: str) -> str:
    role = principal.role
    pages = allowed(role)
    nav = "".join(
        f'<a class="nav-link" href="{escape(str(p["path"]))}">{escape(str(p["name"]))}</a>'
        for p in pages
    )
    if pages:
        first = pages[0]
        way = (
            f"<p>Pages ouvertes à votre rôle : {escape(', '.join(str(p['name']) for p in pages))}."
            f' <a id="refus-retour" href="{escape(str(first["path"]))}">Aller à '
            f"« {escape(str(first['name']))} »</a>.</p>"
        )
    else:
        way = "<p>Votre rôle n'ouvre aucun tableau de bord : voyez votre administrateur.</p>"
    own = f" ({escape(principal.c3_id)})" if principal.c3_id else ""
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accès refusé — RRC</title><link rel="stylesheet" href="{escape(style_href)}"></head>
<body><header>
<div class="who"><span id="utilisateur">{escape(principal.username)} — {escape(role.label)}</span>
<span>{own}</span><form method="post" action="/logout" class="logout-form">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<button id="deconnexion" class="logout">Se déconnecter</button></form></div>
<h1>Réseau régional de cancérologie</h1><nav class="nav">{nav}</nav></header>
<main><div class="refusal" id="acces-refuse"><h2>Accès refusé</h2>
<p>Votre rôle ({escape(role.label)}) ne donne pas accès à la page
« {escape(page_name(path))} ». La demande a été inscrite au journal d'audit.</p>
{way}</div></main></body></html>"""
