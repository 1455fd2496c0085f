"""What the boards' server trusts of a request and says in every answer.

- The client's address: the peer's, unless the peer is a trusted reverse proxy (`[web]
  trusted_proxies` of config/access.toml), whose X-Forwarded-For is then read from the right,
  skipping the trusted proxies; a header sent by anyone else is ignored.
- The origin of state-changing requests: a POST (login, code, logout, callbacks) must come from
  the boards' own pages: its Origin (else its Referer) must be the boards' origin, and a browser
  saying `Sec-Fetch-Site: cross-site` is refused.
- Security headers on every response: a Content-Security-Policy that lets only the app's own
  scripts run (Dash's inline renderer and page-title scripts by their hashes) and loads nothing
  from elsewhere but the map's tile server when one is configured (config/geo.toml [tiles]), no
  framing, no MIME sniffing, no referrer to other sites, no caching of data.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from urllib.parse import urlsplit

from dash import Dash
from flask import Request, Response

from access.policy import load_policy

# Dash draws its components with inline style attributes and <style> elements that its scripts
# create at run time (style-loader, plotly): styles may be inline; scripts may not.
STYLE_SRC = "'self' 'unsafe-inline'"


def client_address(request: Request) -> str:
    peer = request.remote_addr or ""
    trusted = set(load_policy().web.trusted_proxies)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def own_origins(request: Request) -> set[str]:
    configured = set(load_policy().web.origins)
    return configured or {f"{request.scheme}://{request.host}"}


def cross_origin(request: Request) -> str | None:
    """Why a state-changing request does not come from the boards' own pages, or None."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return "Sec-Fetch-Site: cross-site"
    allowed = own_origins(request)
    origin = request.headers.get("Origin")
    if origin is not None:
        return None if origin.rstrip("/") in allowed else f"Origin {origin[:100]}"
    referer = request.headers.get("Referer")
    if referer is not None:
        parts = urlsplit(referer)
        return None if f"{parts.scheme}://{parts.netloc}" in allowed else "foreign Referer"
    return None  # no browser sends a cross-site POST without Origin; other clients hold no cookie


@cache
def _tile_origin(_env: str | None) -> str:
    """The origin of the configured tile server (the map's browser fetches its tiles), or ""."""
    from dashboards.tiles import configured

    server = configured()
    if server is None:
        return ""
    parts = urlsplit(server.url)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


@cache
def _policy(script_hashes: tuple[str, ...], tiles: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            f"style-src {STYLE_SRC}",
            f"img-src 'self' data: blob:{tiles}",
            "font-src 'self' data:",
            f"connect-src 'self'{tiles}",
            "worker-src 'self' blob:",  # the maps' renderer (maplibre) starts its workers so
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def add_headers(app: Dash, response: Response, cacheable: bool) -> Response:
    tiles = _tile_origin(os.environ.get("RRC_TILES_URL"))
    response.headers["Content-Security-Policy"] = _policy(tuple(app.csp_hashes()), tiles)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not cacheable:  # pages, callbacks and exports hold data: never kept by the browser
        response.headers["Cache-Control"] = "no-store"
    return response


def known_asset(app: Dash, package_name: str, fingerprinted_path: str) -> bool:
    """Whether `/_dash-component-suites/<package>/<path>` names a file Dash registered (else
    the request is refused before Dash looks, instead of failing inside it)."""
    from dash.fingerprint import check_fingerprint

    path, _ = check_fingerprint(fingerprinted_path)
    return path in app.registered_paths.get(package_name, ())
