"""A plain HTTP client with a cookie jar that logs in through the login form (no browser)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PASSWORD = "mot-de-passe-de-test"


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

    def login(self, username: str, password: str = PASSWORD) -> int:
        _, page = self.request("/login")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
        assert csrf, page[:500]
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf": csrf.group(1).decode()}
        ).encode()
        status, _ = self.request("/login", form)
        return status

    def callback(self, body: dict[str, Any]) -> tuple[int, Any]:
        status, raw = self.request(
            "/_dash-update-component",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")


def logged_in(base: str, username: str) -> Http:
    client = Http(base)
    assert client.login(username) == 200
    return client
