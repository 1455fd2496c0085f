"""OpenID Connect login against a real (local) identity provider: discovery, authorisation code,
an RS256-signed ID token checked by Authlib (issuer, audience, nonce, signature)."""

from __future__ import annotations

import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

from access import audit, users
from access.policy import load_policy

CLIENT_ID, CLIENT_SECRET = "rrc-boards", "secret-du-client"


class Provider:
    """A minimal OIDC provider: what Pro Santé Connect or a hospital IdP does for a login."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.next_user = "oidc-user"
        self.audience = CLIENT_ID
        self.app = Flask("provider")
        self.app.add_url_rule("/.well-known/openid-configuration", "conf", self.conf)
        self.app.add_url_rule("/authorize", "authorize", self.authorize)
        self.app.add_url_rule("/token", "token", self.token, methods=["POST"])
        self.app.add_url_rule("/jwks", "jwks", self.jwks)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.port}"

    def conf(self) -> Any:
        return jsonify(
            issuer=self.issuer,
            authorization_endpoint=f"{self.issuer}/authorize",
            token_endpoint=f"{self.issuer}/token",
            jwks_uri=f"{self.issuer}/jwks",
            response_types_supported=["code"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic"],
        )

    def authorize(self) -> Any:
        assert request.args["client_id"] == CLIENT_ID
        code = secrets.token_urlsafe(8)
        self.codes[code] = {"nonce": request.args.get("nonce"), "user": self.next_user}
        query = urllib.parse.urlencode({"code": code, "state": request.args["state"]})
        return redirect(f"{request.args['redirect_uri']}?{query}")

    def token(self) -> Any:
        assert request.authorization and request.authorization.password == CLIENT_SECRET
        grant = self.codes.pop(request.form["code"])
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["user"],
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "preferred_username": grant["user"],
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return jsonify(access_token="at", token_type="Bearer", expires_in=300, id_token=id_token)

    def jwks(self) -> Any:
        return jsonify(KeySet([self.key]).as_dict(private=False))


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    thread = threading.Thread(target=p.server.serve_forever, daemon=True)
    thread.start()
    yield p
    p.server.shutdown()


@pytest.fixture(scope="module")
def oidc_app(provider: Provider, board_warehouse: Path) -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    mp.setenv("RRC_OIDC_ISSUER", provider.issuer)
    mp.setenv("RRC_OIDC_CLIENT_ID", CLIENT_ID)
    mp.setenv("RRC_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    load_policy.cache_clear()
    from dashboards.app import create_app

    app = create_app(board_warehouse)
    yield app
    mp.undo()
    load_policy.cache_clear()


def _login_through_provider(app: Any) -> Any:
    """The browser's round trip: our login → the provider → back to our callback."""
    c = app.server.test_client()
    page = c.get("/login").data.decode()
    assert "Se connecter avec Pro Santé Connect" in page
    start = c.get("/oidc/login?next=/activite")
    assert start.status_code == 302
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(start.headers["Location"])
    except urllib.error.HTTPError as back:
        callback = back.headers["Location"]
    parts = urllib.parse.urlsplit(callback)
    return c, c.get(f"{parts.path}?{parts.query}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_known_identity_logs_in_with_its_role(oidc_app: Any, provider: Provider) -> None:
    users.add("oidc-user", "ars", None, None)  # OIDC only: no password
    provider.next_user = "oidc-user"
    c, answer = _login_through_provider(oidc_app)
    assert answer.status_code == 302 and answer.headers["Location"] == "/activite"
    assert c.get("/activite").status_code == 200
    assert c.get("/qualite").status_code == 403  # the role is ours: ars
    assert any(e.actor == "oidc-user" and e.target == "oidc" for e in audit.entries(20, "login"))
    assert users.authenticate("oidc-user", "") is None  # no password login for this account


def test_an_unknown_identity_is_refused(oidc_app: Any, provider: Provider) -> None:
    provider.next_user = "inconnu"
    c, answer = _login_through_provider(oidc_app)
    assert answer.status_code == 403 and "aucun compte actif" in answer.data.decode()
    assert c.get("/activite").status_code == 302


def test_a_token_for_another_client_is_refused(oidc_app: Any, provider: Provider) -> None:
    provider.next_user, provider.audience = "oidc-user", "another-app"
    try:
        c, answer = _login_through_provider(oidc_app)
    finally:
        provider.audience = CLIENT_ID
    assert answer.status_code == 401
    assert c.get("/activite").status_code == 302
