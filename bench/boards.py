"""The boards' figures: every callback's p50/p95 over HTTP against its bare queries (the boards
keeping no query results), the same callbacks answered from the result cache, the first page load
in Chromium and the workers' memory, each on an `rrc serve` with 2 workers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pyotp

from bench import browser, callbacks, etl
from bench.dataset import Profile
from bench.figures import Figure, Target, percentile
from bench.serve import serving
from tests.dashboards.http import CSRF_COOKIE, PASSWORD, SESSION_COOKIE, Http
from warehouse.read.reader import query_text

USER = "bench-admin"  # an administrator, in the benchmark's own access database
SEED = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # its second factor's key
CALLBACK_TARGET = Target.both(Target.at_most(150, " ms"), Target.ratio_at_most(2))
NO_QUERY_TARGET = Target.at_most(150, " ms")  # a callback that reads nothing has no raw time


def _account() -> None:
    """The benchmark's administrator, with its second factor (the role asks for one)."""
    from access import totp, users

    if users.get(USER) is None:
        users.add(USER, "admin", None, PASSWORD)
    else:
        users.set_password(USER, PASSWORD)
    totp.enrol(USER, SEED)


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1).decode()


def _session(app: Any) -> dict[str, str]:
    """One session of the benchmark's account, logged in through the forms (password, then the
    code): its cookies, for every client of the run, since a code serves once (the in-process
    app, the served boards and Chromium share the access database and the session key)."""
    client = app.server.test_client()
    form = {"username": USER, "password": PASSWORD, "csrf": _csrf(client.get("/login").data)}
    client.post("/login", data=form)  # to the code's form
    code = {"code": pyotp.TOTP(SEED).now(), "csrf": _csrf(client.get("/login/code").data)}
    response = client.post("/login/code", data=code)
    assert response.status_code == 302, response.data[:300]
    cookies = {name: client.get_cookie(name) for name in (SESSION_COOKIE, CSRF_COOKIE)}
    return {name: c.value for name, c in cookies.items() if c is not None}


def _layout(app: Any, cookies: dict[str, str]) -> Any:
    """The layout the boards serve to the benchmark's account (its shell's navigation)."""
    client = app.server.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    response = client.get("/_dash-layout")
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def _latest_year(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(query_text("years")[0]).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def measure(profile: Profile, warehouse: Path, n: int, notes: list[str]) -> list[Figure]:
    from dashboards import app as board_app
    from dashboards.data import reader

    _account()
    search = f"?annee={_latest_year(warehouse)}"
    app = board_app.create_app(etl.warehouse_dir(profile))
    app.server.test_client().get("/login")  # Dash sets its callbacks up on a first request
    cookies = _session(app)
    found = callbacks.bodies(app, search, callbacks.layout_ids(_layout(app, cookies)))
    callbacks.record(app, reader(), found, cookies)
    figures: list[Figure] = []
    measured: list[tuple[callbacks.Callback, float]] = []
    # each callback's own cost: the boards keep no query results (RRC_READ_CACHE_MB=0), so every
    # request runs its queries, as the first request for a filter after a publish does
    cold_env = {**etl.env(profile), "RRC_READ_CACHE_MB": "0"}
    with serving(cold_env, profile.workdir / "serve.log") as server:
        client = Http(server.url)
        client.set_cookies(cookies)
        for cb in found:
            if cb.status != 200:
                notes.append(
                    f"- callback {cb.label} not measured: it answers {cb.status} "
                    f"to a request with empty inputs ({search})"
                )
                continue
            http = [t * 1000 for t in callbacks.http_times(client, cb.body, n)]
            raw = [t * 1000 for t in callbacks.raw_times(warehouse, cb.queries, n)]
            p95, raw95 = percentile(http, 95), percentile(raw, 95)
            measured.append((cb, p95))
            figures.append(
                Figure(
                    f"callback {cb.label}: p95 over {n} POSTs",
                    p95,
                    "ms",
                    CALLBACK_TARGET if cb.queries else NO_QUERY_TARGET,
                    limit=raw95 if cb.queries else None,
                    limit_text=f"{len(cb.queries)} queries bare, p95 {raw95:,.1f} ms"
                    if cb.queries
                    else "no query",
                    note=f"p50 {percentile(http, 50):,.0f} ms",
                )
            )
            print(figures[-1].name, f"{p95:.0f} ms vs raw {raw95:.1f} ms", flush=True)
        try:
            loads = [t * 1000 for t in browser.first_loads(server.url, cookies)]
            figures.append(
                Figure(
                    "first page load in Chromium (overview, cold cache)",
                    percentile(loads, 50),
                    "ms",
                    Target.at_most(1500, " ms"),
                    note=f"median of {len(loads)}, slowest {max(loads):,.0f} ms",
                )
            )
        except Exception as exc:
            notes.append(f"- first page load not measured: {exc.__class__.__name__}: {exc}"[:400])
        peak = max(hwm for _rss, hwm in server.worker_rss())
    # the same requests as the boards serve them by default: a filter asked again since the
    # publish is answered from the results each worker keeps (warehouse/read/cache.py)
    with serving(etl.env(profile), profile.workdir / "serve-cached.log") as server:
        client = Http(server.url)
        client.set_cookies(cookies)
        warm = []
        for cb, cold in measured:
            if cb.queries:
                http = [t * 1000 for t in callbacks.http_times(client, cb.body, n)]
                warm.append((percentile(http, 95), cold, cb.label))
        peak = max(peak, *(hwm for _rss, hwm in server.worker_rss()))
    if warm:
        slowest = max(warm)
        figures.append(
            Figure(
                f"slowest callback with the boards' result cache (a filter asked again since "
                f"the publish), p95 over {n} POSTs: {slowest[2]}",
                slowest[0],
                "ms",
                Target.at_most(150, " ms"),
                limit=slowest[1],
                limit_text=f"the same callback with no result kept, p95 {slowest[1]:,.1f} ms",
                note=f"{len(warm)} callbacks that query; median of their p95 "
                f"{percentile([w[0] for w in warm], 50):,.1f} ms with the cache, "
                f"{percentile([w[1] for w in warm], 50):,.1f} ms without",
            )
        )
    figures.append(
        Figure(
            "dashboard worker peak RSS (with and without the result cache)",
            peak,
            "MB",
            Target.at_most(600, " MB"),
        )
    )
    return figures
