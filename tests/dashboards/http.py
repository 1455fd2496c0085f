"""A plain HTTP client with a cookie jar that logs in through the login form (no browser), and
the test accounts' second factor.

An account with a second factor can log in only once per 30-second period (a code serves once):
`shared_session` logs such an account in once, through the real forms, and hands its cookies to
every client of the test session (the in-process app, the served boards and Chromium share the
access database and the session key).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pyotp

PASSWORD = "mot-de-passe-de-test"
SEEDS = {"admin1": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}  # TOTP keys of the test accounts
SESSION_COOKIE, CSRF_COOKIE = "rrc_session", "_csrf_token"
_SHARED: dict[str, tuple[float, dict[str, str]]] = {}


def code(username: str, seed: str | None = None) -> str:
    return pyotp.TOTP(seed or SEEDS[username]).now()


def shared_session(username: str, login: Callable[[], dict[str, str]]) -> dict[str, str]:
    """The cookies of a logged-in session of `username`: `login()`'s, made at most every five
    minutes for an account with a second factor."""
    if username not in SEEDS:
        return login()
    hit = _SHARED.get(username)
    if hit is None or time.time() - hit[0] > 300:
        hit = (time.time(), login())
        _SHARED[username] = hit
    return hit[1]


class Http:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def get(self, path: str) -> bytes:
        status, body = self.request(path)
        assert status == 200, (path, status, body[:300])
        return body

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value or "" for c in self.jar}

    def set_cookies(self, cookies: dict[str, str]) -> None:
        host = urllib.parse.urlsplit(self.base).hostname or ""
        for name, value in cookies.items():
            self.jar.set_cookie(
                http.cookiejar.Cookie(
                    0,
                    name,
                    value,
                    None,
                    False,
                    host,
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        return self.request(path, urllib.parse.urlencode(fields).encode())

    def login(self, username: str, password: str = PASSWORD) -> int:
        """Through the forms: the password, then (for an account with a key) the code."""
        _, page = self.request("/login")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
        assert csrf, page[:500]
        fields = {"username": username, "password": password, "csrf": csrf.group(1).decode()}
        status, page = self.post_form("/login", fields)
        if b'id="code-totp"' in page and username in SEEDS:
            csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
            assert csrf, page[:500]
            fields = {"code": code(username), "csrf": csrf.group(1).decode()}
            status, page = self.post_form("/login/code", fields)
        return status

    def callback(self, body: dict[str, Any]) -> tuple[int, Any]:
        status, raw = self.request(
            "/_dash-update-component",
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "X-CSRFToken": self.cookies().get(CSRF_COOKIE, ""),
            },
        )
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")


def logged_in(base: str, username: str) -> Http:
    def login() -> dict[str, str]:
        fresh = Http(base)
        assert fresh.login(username) == 200
        return fresh.cookies()

    client = Http(base)
    client.set_cookies(shared_session(username, login))
    return client
