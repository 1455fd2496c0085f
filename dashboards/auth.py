"""Login, sessions and the authorisation of every request to the boards' server.

Every Flask route is listed in ROUTES with the right it needs; a route that is not listed is
refused (deny by default). Dash callbacks all arrive on one route, `/_dash-update-component`: the
callback named in the request is looked up among the registered ones and authorised by the page
that registered it; a callback no page owns is refused. Once authorised, the request runs on
behalf of its principal, and the data-access layer (warehouse/read/reader.py) applies scope and
statistical secrecy to every query.

Sessions are signed cookies (HttpOnly, SameSite=Lax; Secure when RRC_COOKIE_SECURE=1) holding the
user name and two clocks: the account is re-read at each request (a disabled account is out at
once), an idle session ends after the inactivity timeout and any session after its lifetime.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import urlparse

from dash import Dash
from flask import Flask, Response, g, redirect, request, session, url_for

from access import audit, users
from access.policy import AccessDenied, Principal, load_policy, set_current
from access.session_key import session_key
from dashboards.registry import page_paths

# What each Flask endpoint needs. "public": no session; "shell": any logged-in user (the app's
# code, styles and layout, which hold no data); "page": the role may open that board; "callback":
# checked per callback; other values name a right of the role (config/access.toml).
ROUTES: dict[str, str] = {
    "login": "public",
    "logout": "public",
    "oidc_login": "public",
    "oidc_callback": "public",
    "static": "shell",
    "_dash_assets.static": "shell",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "shell",
    "/_dash-layout": "shell",
    "/_dash-dependencies": "shell",
    "/_reload-hash": "shell",
    "/_favicon.ico": "shell",
    "/": "page",
    "/<path:path>": "page",
    "/_dash-update-component": "callback",
    "export_chart": "exports",
    "data_docs": "data_docs",
    "cohort_download": "cohorts",
}
# Callbacks of the app's shell (navigation and filters), any logged-in user: they read no data
# but the filter lists, which the data-access layer scopes like everything else.
SHELL_MODULES = ("dashboards.app",)
PAGES_ROUTER = "_pages_content"


def install(app: Dash) -> None:
    """Protect every route of `app` (call once the routes are registered)."""
    server: Flask = app.server
    policy = load_policy()
    server.secret_key = session_key()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("RRC_COOKIE_SECURE") == "1",
        SESSION_COOKIE_NAME="rrc_session",
    )
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout)
    from dashboards import oidc

    oidc.install(server, policy.oidc, _start_session, _safe_next)

    @server.before_request
    def authorise() -> Response | None:
        g.principal = None
        endpoint = request.url_rule.endpoint if request.url_rule else None
        need = ROUTES.get(endpoint or "")
        if need == "public":
            return None
        principal = _session_principal()
        if principal is None:
            return _unauthenticated()
        g.principal = principal
        g.token = set_current(principal)
        try:
            _check(app, principal, need, endpoint)
        except AccessDenied as exc:
            audit.record(
                principal.username,
                "denied",
                request.path,
                "refused",
                role=principal.role.name,
                address=principal.address,
                detail={"reason": str(exc)},
            )
            return Response(f"Accès refusé : {escape(str(exc))}", status=403)
        return None

    @server.teardown_request
    def forget(_exc: BaseException | None) -> None:
        token = g.pop("token", None)
        if token is not None:
            set_current(None)


def _address() -> str:
    return request.headers.get("X-Forwarded-For", request.remote_addr or "").split(",")[0].strip()


def _session_principal() -> Principal | None:
    username = session.get("user")
    if not username:
        return None
    now = time.time()
    limits = load_policy().session
    idle = now - float(session.get("seen_at", 0))
    age = now - float(session.get("login_at", 0))
    if idle > limits.inactivity_minutes * 60 or age > limits.lifetime_hours * 3600:
        session.clear()
        return None
    user = users.get(username)
    if user is None or not user.active:
        session.clear()
        return None
    session["seen_at"] = now
    return user.principal(_address())


def _unauthenticated() -> Response:
    if request.path.startswith("/_dash") or request.method != "GET":
        return Response("Session absente ou expirée : reconnectez-vous.", status=401)
    return redirect(url_for("login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def _check(app: Dash, principal: Principal, need: str | None, endpoint: str | None) -> None:
    role = principal.role
    if need is None:
        raise AccessDenied(f"the route {endpoint or request.path} is not open to anyone")
    if need == "shell":
        return
    if need == "page":
        path = request.path.rstrip("/") or "/"
        if path in page_paths() and not role.may_open(path):
            raise AccessDenied(f"{principal.username} ({role.name}) may not open {path}")
        return
    if need == "callback":
        _check_callback(app, principal)
        return
    if need == "exports":
        principal.require("exports", "download exports")
        page = "/" + (request.view_args or {}).get("page", "")
        if not role.may_open(page):
            raise AccessDenied(f"{principal.username} ({role.name}) may not export from {page}")
        return
    if need == "data_docs":
        if not role.may_open("/qualite") or principal.c3_id is not None:
            raise AccessDenied(f"{principal.username} ({role.name}) may not read the Data Docs")
        return
    principal.require(need, need)


def callback_owner(app: Dash, output: str) -> str | None:
    """The page path that owns a callback, "shell" for the app's own, None when unknown."""
    entry = app.callback_map.get(output)
    if entry is None:
        return None
    if output.startswith(f"..{PAGES_ROUTER}.") or output.startswith(f"{PAGES_ROUTER}."):
        return "router"
    fn: Callable[..., Any] | None = entry.get("callback")
    module = getattr(fn, "__module__", None) if fn else None
    if module is None and "_pages_dummy" in output:
        return "shell"  # Dash's own client-side page-title callback
    if module in SHELL_MODULES:
        return "shell"
    for path, page_module in page_paths().items():
        if module == page_module:
            return path
    return None


def _check_callback(app: Dash, principal: Principal) -> None:
    body = request.get_json(silent=True) or {}
    output = str(body.get("output", ""))
    owner = callback_owner(app, output)
    if owner is None:
        raise AccessDenied(f"unknown callback {output[:80]!r}")
    if owner == "shell":
        return
    if owner == "router":
        path = _router_path(body)
        if path in page_paths() and not principal.role.may_open(path):
            raise AccessDenied(f"{principal.username} ({principal.role.name}) may not open {path}")
        return
    if not principal.role.may_open(owner):
        raise AccessDenied(
            f"{principal.username} ({principal.role.name}) may not use the board {owner}"
        )


def _router_path(body: dict[str, Any]) -> str:
    for item in body.get("inputs", []):
        if isinstance(item, dict) and item.get("property") == "pathname":
            return (str(item.get("value") or "/").rstrip("/")) or "/"
    return "/"


# --- login and logout ------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a local path: a login link cannot send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if not urlparse(target).netloc else "/"


def _start_session(user: users.User, method: str) -> None:
    session.clear()
    now = time.time()
    session.update(user=user.username, login_at=now, seen_at=now)
    audit.record(
        user.username, "login", method, "ok", role=user.role, address=_address(), detail={}
    )


def _login() -> Response | str:
    if request.method == "GET":
        session["csrf"] = session.get("csrf") or secrets.token_urlsafe(24)
        return _login_page(request.args.get("next"), "")
    token = request.form.get("csrf", "")
    if not hmac.compare_digest(token, session.get("csrf", "")):
        return Response("Formulaire expiré : rechargez la page de connexion.", status=400)
    username = request.form.get("username", "").strip()
    user = users.authenticate(username, request.form.get("password", ""))
    if user is None:
        audit.record(username or "(vide)", "login", "password", "failed", address=_address())
        # the form again, with the error (a page, not an HTTP error: the browser shows it)
        return _login_page(request.form.get("next"), "Identifiant ou mot de passe incorrect.")
    _start_session(user, "password")
    return redirect(_safe_next(request.form.get("next")))  # type: ignore[return-value]


def _logout() -> Response:
    username = session.get("user")
    if username:
        audit.record(username, "logout", "session", "ok", address=_address())
    session.clear()
    return redirect(url_for("login"))  # type: ignore[return-value]


def _login_page(next_path: str | None, error: str) -> str:
    oidc = load_policy().oidc
    oidc_link = (
        f'<p><a class="oidc" href="{url_for("oidc_login", next=_safe_next(next_path))}">'
        f"Se connecter avec {escape(oidc.get('label', 'OIDC'))}</a></p>"
        if oidc.get("issuer")
        else ""
    )
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion — RRC</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; background: #f4f6f8; color: #1d2733; }}
form, .box {{ max-width: 360px; margin: 80px auto 0; background: #fff; padding: 24px 28px;
  border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.2rem; color: #123b5d; }} label {{ display: block; margin-top: 12px; }}
input {{ width: 100%; padding: 6px; margin-top: 4px; box-sizing: border-box; }}
button {{ margin-top: 18px; background: #123b5d; color: #fff; border: 0; padding: 8px 18px; }}
.error {{ color: #a4262c; }}
</style></head><body>
<form method="post" action="{url_for("login")}">
<h1>Réseau régional de cancérologie — connexion</h1>
{f'<p class="error" id="erreur">{escape(error)}</p>' if error else ""}
<label>Identifiant <input name="username" id="identifiant" autocomplete="username"
 autofocus></label>
<label>Mot de passe <input name="password" id="mot-de-passe" type="password"
 autocomplete="current-password"></label>
<input type="hidden" name="csrf" value="{escape(session.get("csrf", ""))}">
<input type="hidden" name="next" value="{escape(_safe_next(next_path))}">
<button type="submit" id="connexion">Se connecter</button>
{oidc_link}
</form></body></html>"""
