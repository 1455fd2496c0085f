"""Login, sessions and the authorisation of every request to the boards' server.

Every Flask route is listed in ROUTES with the right it needs; a route that is not listed is
refused (deny by default). Dash callbacks all arrive on one route, `/_dash-update-component`: the
callback named in the request is looked up among the registered ones and authorised by the page
that registered it; a callback no page owns is refused. Once authorised, the request runs on
behalf of its principal, and the data-access layer (warehouse/read/reader.py) applies scope and
statistical secrecy to every query.

The public pages (`[public] pages` of config/access.toml, all under /public/), their callbacks and
the public feeds run as the anonymous principal, whoever asks, session or not: its only rights
are those pages and the queries of the `public` scope, which the data-access layer enforces (a
public page that asks for anything else is refused, 403, and the refusal audited). Without a
session, the app's shell (its code and its frame, which for the anonymous principal is the public
one, dashboards/public.py) is served too, and the callback graph is cut to the public pages'.

Sessions are signed cookies (HttpOnly, SameSite=Lax; Secure when RRC_COOKIE_SECURE=1) holding the
user name, the account's session version and two clocks. The account is re-read at each request:
a disabled account, or one whose session version has moved on (logout, password change, lock-out,
second factor reset), is out at once; an idle session ends after the inactivity timeout and any
session after its lifetime.

Logins go through the password (throttled and locked per account name and address,
access/throttle.py), then, for the roles that need it, a TOTP code (access/totp.py). Every POST
carries a CSRF token bound to the session (the forms' hidden field; Dash callbacks send it in
X-CSRFToken from the `_csrf_token` cookie, as Dash's renderer does) and must come from the
boards' own origin (dashboards/web.py).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import urlparse

from dash import Dash
from flask import Flask, Response, g, redirect, request, session, url_for

from access import audit, throttle, totp, users
from access.policy import AccessDenied, Principal, load_policy, set_current
from access.session_key import session_key
from dashboards import directory, login_pages, public, web
from dashboards.refusal import refusal_page
from dashboards.registry import export_page_path, landing, page_of, page_paths

# What each Flask endpoint needs. "public": no principal (the login forms); "open": the public
# feeds, run as the anonymous principal; "shell": any principal, the anonymous one included (the
# app's code, styles and layout, which hold no data but what the principal may read); "page": the
# role may open that board (a public page: anyone, as the anonymous principal); "callback":
# checked per callback; other values name a right of the role (config/access.toml).
ROUTES: dict[str, str] = {
    "login": "public",
    "login_code": "public",
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
    "audit_sheet_download": "audits",
    "public_rcp_json": "open",
    "public_rcp_fhir": "open",
    "public_rcp_csv": "open",
}
# Callbacks of the app's shell (navigation and filters), any logged-in user: they read no data
# but the filter lists, which the data-access layer scopes like everything else.
SHELL_MODULES = ("dashboards.app",)
PAGES_ROUTER = "_pages_content"
SUITES = "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"
# static files without data, which the browser may keep
CACHEABLE = {"static", "_dash_assets.static", SUITES, "/_favicon.ico"}
CSRF_COOKIE, CSRF_HEADER = "_csrf_token", "X-CSRFToken"  # the names Dash's renderer uses
PENDING_SECONDS = 300  # between the password and the second factor's code


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
    audit.key()  # no server without the audit trail's key: it fails here, clearly, not at a login
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/login/code", "login_code", _login_code, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    from dashboards import oidc

    oidc.install(server, policy.oidc, _start_session, _safe_next, _address)

    @server.before_request
    def authorise() -> Response | None:
        g.principal = None
        endpoint = request.url_rule.endpoint if request.url_rule else None
        need = ROUTES.get(endpoint or "")
        foreign = web.cross_origin(request)
        if foreign:
            return _csrf_refused(f"cross-origin request ({foreign})")
        if need == "public":
            return None
        principal = _session_principal()
        g.public = _public_target(app, need)
        if g.public:  # a public page, its callback or a feed: as the anonymous visitor, always
            principal = Principal.anonymous(_address())
        elif principal is None:
            if need != "shell":
                return _unauthenticated(need)
            principal = Principal.anonymous(_address())  # the app's code and the public frame
        if (
            request.method == "POST"
            and not principal.is_anonymous
            and not _csrf_ok(request.headers.get(CSRF_HEADER, ""))
        ):
            return _csrf_refused("missing or wrong CSRF token", principal)
        if request.path.startswith("/_dash-component-suites/") and (
            endpoint != SUITES or not web.known_asset(app, **(request.view_args or {}))
        ):
            return Response("Fichier inconnu.", status=404)  # refused before Dash looks for it
        g.principal = principal
        g.token = set_current(principal)
        if need == "page" and not principal.is_anonymous:
            path = request.path.rstrip("/") or "/"
            first = landing(principal.role)
            if path == "/" and first not in (None, "/"):  # lands on the first board it may open
                query = request.query_string.decode()
                return redirect(first + (f"?{query}" if query else ""))  # type: ignore[return-value]
        try:
            _check(app, principal, need, endpoint)
        except AccessDenied as exc:
            return _denied(app, principal, need, exc)
        return None

    @server.errorhandler(AccessDenied)
    def refused(exc: AccessDenied) -> Response:
        """A refusal from the data-access layer inside a request (a public page asking for a
        query outside the public scope): 403, audited, never a server error."""
        principal = g.get("principal") or Principal.anonymous(_address())
        endpoint = request.url_rule.endpoint if request.url_rule else None
        return _denied(app, principal, ROUTES.get(endpoint or ""), exc)

    @server.after_request
    def headers(response: Response) -> Response:
        endpoint = request.url_rule.endpoint if request.url_rule else None
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                httponly=False,  # Dash's renderer reads it to send it back in X-CSRFToken
                samesite="Strict",
                secure=server.config["SESSION_COOKIE_SECURE"],
            )
        principal = g.get("principal")
        if principal is not None and principal.is_anonymous and endpoint == "/_dash-dependencies":
            _public_dependencies(app, response)
        if (
            endpoint == "data_docs"
            and principal
            and response.status_code == 200
            and request.path.endswith((".html", "/"))
        ):
            audit.record(
                principal.username,
                "data_docs",
                request.path,
                role=principal.role.name,
                address=principal.address,
            )
        response = web.add_headers(app, response, cacheable=endpoint in CACHEABLE)
        if g.get("public"):  # a public page or feed: framing and keeping as configured
            kept = principal is not None and not request.cookies.get("rrc_session")
            page = ROUTES.get(endpoint or "") == "page"
            if page and response.status_code == 200:
                response.status_code = directory.page_status(request.path)
            public.headers(response, page=page, kept=kept)
        return response

    @server.teardown_request
    def forget(_exc: BaseException | None) -> None:
        token = g.pop("token", None)
        if token is not None:
            set_current(None)


def _address() -> str:
    return web.client_address(request)


def _csrf_ok(sent: str) -> bool:
    """The token sent is the session's (never empty: no token matches no token)."""
    held = session.get("csrf", "")
    return bool(sent) and bool(held) and hmac.compare_digest(sent.encode(), str(held).encode())


def _csrf_refused(reason: str, principal: Principal | None = None) -> Response:
    audit.record(
        principal.username if principal else _typed(request.form.get("username")) or "(anonyme)",
        "csrf",
        request.path,
        "refused",
        role=principal.role.name if principal else None,
        address=_address(),
        detail={"reason": reason, "origin": request.headers.get("Origin", "")[:100]},
    )
    return Response(
        login_pages.message(
            "Requête refusée : elle ne vient pas d'une page des tableaux de bord, ou son "
            "formulaire a expiré. Rechargez la page et recommencez."
        ),
        status=403 if "origin" in reason or "Sec-Fetch" in reason else 400,
        mimetype="text/html",
    )


def _typed(value: str | None) -> str:
    """A user name as typed, bounded (it goes to the audit trail)."""
    return (value or "").strip()[:100]


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
    if user is None or not user.active or session.get("ver") != user.session_version:
        session.clear()  # disabled, logged out, locked, password changed: every cookie is void
        return None
    session["seen_at"] = now
    return user.principal(_address())


def _unauthenticated(need: str | None) -> Response:
    if need != "page":  # a page is the way to the login form; anything else is recorded
        audit.record(
            "(anonyme)",
            "unauthenticated",
            request.path[:200],
            "refused",
            address=_address(),
            detail={"method": request.method},
        )
    if request.path.startswith("/_dash") or request.method != "GET":
        return Response("Session absente ou expirée : reconnectez-vous.", status=401)
    return redirect(url_for("login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def _denied(app: Dash, principal: Principal, need: str | None, exc: AccessDenied) -> Response:
    audit.record(
        principal.username,
        "denied",
        request.path[:200],
        "refused",
        role=None if principal.is_anonymous else principal.role.name,
        address=principal.address,
        detail={"reason": str(exc)[:300]},
    )
    if need == "page" and not principal.is_anonymous:  # a board: a French page in its frame
        style = app.get_asset_url("style.css")
        html = refusal_page(principal, request.path, session.get("csrf", ""), style)
        return Response(html, status=403, mimetype="text/html")
    return Response(f"Accès refusé : {escape(str(exc))}", status=403)


def _public_path(path: str) -> bool:
    """Whether `path` is one of the public pages (`[public] pages` of access.toml)."""
    page = page_of(path)
    return page is not None and page in load_policy().public.pages


def _public_target(app: Dash, need: str | None) -> bool:
    """Whether the request is for the public part: a feed, a public page, the callback of one
    or the page router drawing one. Those run as the anonymous principal, whoever asks."""
    if need == "open":
        return True
    if need == "page":
        return _public_path(request.path)
    if need != "callback":
        return False
    body = request.get_json(silent=True) or {}
    owner = callback_owner(app, str(body.get("output", "")))
    if owner == "router":
        return _public_path(_router_path(body))
    return owner is not None and owner in load_policy().public.pages


def _public_dependencies(app: Dash, response: Response) -> None:
    """The callback graph an anonymous visitor's browser receives: the public pages' callbacks,
    the page router and Dash's client-side page title; the boards' stay unknown to it."""
    try:
        graph = json.loads(response.get_data())
    except ValueError:
        return
    pages = load_policy().public.pages
    kept = [
        d
        for d in graph
        if callback_owner(app, str(d.get("output", ""))) in (*pages, "router")
        or d.get("clientside_function") is not None
    ]
    response.set_data(json.dumps(kept))


def _check(app: Dash, principal: Principal, need: str | None, endpoint: str | None) -> None:
    role = principal.role
    if need is None:
        raise AccessDenied(f"the route {endpoint or request.path} is not open to anyone")
    if need in ("shell", "open"):
        return
    if need == "page":
        path = request.path.rstrip("/") or "/"
        page = page_of(path)
        if page is not None and not role.may_open(page):
            raise AccessDenied(f"{principal.username} ({role.name}) may not open {path}")
        if page is None and principal.is_anonymous:
            raise AccessDenied(f"no public page at {path}")
        return
    if need == "callback":
        _check_callback(app, principal)
        return
    if need == "exports":
        principal.require("exports", "download exports")
        page = export_page_path((request.view_args or {}).get("page", ""))
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
        page = page_of(path)
        if page is not None and not principal.role.may_open(page):
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
    if "\\" in target:
        return "/"
    return target if not urlparse(target).netloc else "/"


def _new_csrf() -> str:
    session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _start_session(user: users.User, method: str) -> None:
    """A new session (a new cookie, a new CSRF token): nothing of the one before survives."""
    session.clear()
    now = time.time()
    session.update(user=user.username, ver=user.session_version, login_at=now, seen_at=now)
    _new_csrf()
    throttle.succeeded(user.username)
    audit.record(
        user.username, "login", method, "ok", role=user.role, address=_address(), detail={}
    )


def _failed(username: str, method: str, role: str | None = None) -> None:
    """A wrong password or code: counted against the name and the address, audited, and the
    locks it causes end the account's sessions."""
    address = _address()
    outcome = throttle.failed(username, address)
    audit.record(username or "(vide)", "login", method, "failed", role=role, address=address)
    for key in outcome.locked:
        if key.startswith("account:") and users.get(username) is not None:
            users.end_sessions(username)
        audit.record(
            username or "(vide)",
            "lockout",
            key,
            "locked",
            address=address,
            detail={"minutes": load_policy().login.lock_minutes},
        )


def _refused(username: str, method: str) -> str | None:
    """The French message of a throttled or locked attempt (audited), or None."""
    refusal = throttle.refusal(username, _address())
    if refusal is None:
        return None
    audit.record(
        username or "(vide)",
        "login",
        method,
        "locked" if refusal.locked else "throttled",
        address=_address(),
        detail={"seconds": refusal.seconds},
    )
    return refusal.message()


def _login() -> Response | str:
    if request.method == "GET":
        if not session.get("csrf"):
            _new_csrf()
        return _login_page(request.args.get("next"), "")
    username = _typed(request.form.get("username"))
    if not _csrf_ok(request.form.get("csrf", "")):
        return _csrf_refused("missing or wrong CSRF token on the login form")
    refused = _refused(username, "password")
    if refused:
        return Response(_login_page(request.form.get("next"), refused), status=429)
    user = users.authenticate(username, request.form.get("password", ""))
    if user is None:
        _failed(username, "password")
        # the form again, with the error (a page, not an HTTP error: the browser shows it)
        return _login_page(request.form.get("next"), "Identifiant ou mot de passe incorrect.")
    if user.needs_totp:
        session.clear()
        session.update(
            pending=user.username,
            pending_ver=user.session_version,
            pending_at=time.time(),
            next=_safe_next(request.form.get("next")),
        )
        _new_csrf()
        return redirect(url_for("login_code"))  # type: ignore[return-value]
    _start_session(user, "password")
    return redirect(_safe_next(request.form.get("next")))  # type: ignore[return-value]


def _pending_user() -> users.User | None:
    """The account whose password was right a moment ago in this browser, waiting for its code."""
    name = session.get("pending")
    if not name or time.time() - float(session.get("pending_at", 0)) > PENDING_SECONDS:
        return None
    user = users.get(str(name))
    if user is None or not user.active or user.session_version != session.get("pending_ver"):
        return None
    return user


def _login_code() -> Response | str:
    user = _pending_user()
    if user is None:
        session.clear()
        return redirect(url_for("login"))  # type: ignore[return-value]
    error = ""
    if request.method == "POST":
        if not _csrf_ok(request.form.get("csrf", "")):
            return _csrf_refused("missing or wrong CSRF token on the code form")
        refused = _refused(user.username, "totp")
        if refused:
            session.clear()
            return Response(_login_page(None, refused), status=429)
        enrolling = not user.totp_enrolled
        if totp.check(user.username, request.form.get("code", "")):
            if enrolling:
                audit.record(
                    user.username, "totp_enrol", "totp", role=user.role, address=_address()
                )
            next_path = _safe_next(session.get("next"))
            _start_session(user, "password+totp")
            return redirect(next_path)  # type: ignore[return-value]
        _failed(user.username, "totp", user.role)
        if _pending_user() is None:  # the failure locked the account: start again
            session.clear()
            return redirect(url_for("login"))  # type: ignore[return-value]
        error = "Code incorrect, expiré ou déjà utilisé."
    enrol = None
    if not user.totp_enrolled:
        seed = totp.seed_to_enrol(user.username)
        enrol = (seed, totp.qr_svg(totp.uri(user.username, seed)))
    return login_pages.code_form(
        url_for("login_code"), str(session.get("csrf", "")), user.username, error, enrol
    )


def _logout() -> Response | str:
    """POST (with the session's token): every session of the account ends, here and elsewhere.
    GET shows the button (a link from another site cannot log anyone out)."""
    if request.method == "GET":
        if not session.get("user"):
            return redirect(url_for("login"))  # type: ignore[return-value]
        return login_pages.logout_form(url_for("logout"), str(session.get("csrf", "")))
    if not _csrf_ok(request.form.get("csrf", "")):
        return _csrf_refused("missing or wrong CSRF token on logout")
    username = session.get("user")
    if username:
        users.end_sessions(str(username))
        audit.record(str(username), "logout", "session", "ok", address=_address())
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
    return login_pages.password_form(
        url_for("login"), str(session.get("csrf", "")), _safe_next(next_path), error, oidc_link
    )
