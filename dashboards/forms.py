"""Pieces the boards with forms share (Cohortes, Audits de pratiques): a labelled field, and the
download route of a file a page made for its user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import html
from flask import Flask, Response

from access.policy import AccessDenied
from rrc.errors import RRCError


def field(label: str, control: Any) -> html.Label:
    return html.Label([label, control], style={"display": "block", "marginBottom": "8px"})


def download_route(
    server: Flask,
    rule: str,
    endpoint: str,
    produce: Callable[[str], tuple[bytes, str]],
    *,
    mimetype: str,
    unknown: str,
) -> None:
    """Serve at `rule` (one `<ident>` part) the file `produce(ident)` makes as (bytes, file
    name), for the user of the request: 403 when refused, 404 (`unknown`) when there is none.
    The caller's server authorises the route like every other before it runs."""

    def download(ident: str) -> Response:
        try:
            data, name = produce(ident)
        except AccessDenied:
            return Response("accès refusé", status=403)
        except RRCError:
            return Response(unknown, status=404)
        return Response(
            data,
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    server.add_url_rule(rule, endpoint=endpoint, view_func=download)
