"""OpenID Connect login (Pro Santé Connect, a hospital identity provider), with Authlib.

Configured in config/access.toml [oidc]; off while `issuer` is empty. The provider proves who the
person is; what they may see stays ours: the claim named by `username_claim` must match an active
account of `rrc users` (created with --oidc-only, or with a password too), whose role and 3C apply.

No second factor is asked here: the provider's own strong authentication stands for it (e-CPS for
Pro Santé Connect). Where `acr_values` is set, it is asked of the provider and the ID token's
`acr` claim must be one of them, else the login is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, redirect, request, session, url_for

from access import audit, users


def install(
    server: Flask,
    config: dict[str, str],
    start_session: Callable[[users.User, str], None],
    safe_next: Callable[[str | None], str],
    address: Callable[[], str],
) -> None:
    """Add /oidc/login and /oidc/callback (they answer 404 while OIDC is not configured)."""
    issuer = config.get("issuer", "").rstrip("/")
    oauth = OAuth(server)
    if issuer:
        oauth.register(
            name="provider",
            client_id=config.get("client_id"),
            client_secret=os.environ.get(config.get("client_secret_env", ""), ""),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": config.get("scope", "openid")},
        )
    claim = config.get("username_claim", "preferred_username")
    acr_values = config.get("acr_values", "").split()

    def oidc_login() -> Response:
        if not issuer:
            return Response("Connexion OIDC non configurée.", status=404)
        session["oidc_next"] = request.args.get("next", "/")
        extra = {"acr_values": " ".join(acr_values)} if acr_values else {}
        return oauth.provider.authorize_redirect(  # type: ignore[union-attr,no-any-return]
            url_for("oidc_callback", _external=True), **extra
        )

    def oidc_callback() -> Response:
        if not issuer:
            return Response("Connexion OIDC non configurée.", status=404)
        try:
            token = oauth.provider.authorize_access_token()  # type: ignore[union-attr]
        except Exception as exc:  # the provider's answer did not validate (state, nonce, token)
            audit.record(
                "(oidc)",
                "login",
                "oidc",
                "failed",
                address=address(),
                detail={"error": str(exc)[:200]},
            )
            return Response("Connexion refusée : la réponse du fournisseur n'est pas valide.", 401)
        claims = token.get("userinfo") or {}
        username = str(claims.get(claim, ""))
        if acr_values and claims.get("acr") not in acr_values:
            audit.record(
                username or "(oidc)",
                "login",
                "oidc",
                "failed",
                address=address(),
                detail={"reason": "authentication too weak", "acr": str(claims.get("acr"))},
            )
            return Response(
                "Connexion refusée : le fournisseur d'identité n'a pas certifié une "
                "authentification forte (carte CPS ou e-CPS) ; reconnectez-vous avec elle.",
                status=403,
            )
        user = users.get(username) if username else None
        if user is None or not user.active:
            audit.record(
                username or "(oidc)",
                "login",
                "oidc",
                "failed",
                address=address(),
                detail={"reason": "no active account with this identity"},
            )
            return Response(
                "Identité reconnue, mais aucun compte actif ne lui correspond ici : "
                "demandez à l'administrateur du réseau de vous en créer un.",
                status=403,
            )
        next_path = session.pop("oidc_next", "/")
        start_session(user, "oidc")
        return redirect(safe_next(next_path))  # type: ignore[return-value]

    server.add_url_rule("/oidc/login", "oidc_login", oidc_login)
    server.add_url_rule("/oidc/callback", "oidc_callback", oidc_callback)
