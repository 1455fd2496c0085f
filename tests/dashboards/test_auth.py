"""Every route and every callback of the boards is authorised, denying by default; sessions end
on inactivity, on their lifetime and when the account is disabled; the audit trail records it."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from access import audit, users
from access.policy import Principal, acting_as, load_policy
from dashboards import auth
from dashboards.registry import page_module, page_paths
from tests.dashboards.figures import validated
from tests.dashboards.http import CSRF_COOKIE, PASSWORD, SEEDS, code, shared_session


def form_token(page: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]


def client(app, username: str | None = None):  # type: ignore[no-untyped-def]
    """A test client of the real app, logged in through the forms as `username`."""

    def login():  # type: ignore[no-untyped-def]
        c = app.server.test_client()
        data = {
            "username": username,
            "password": PASSWORD,
            "csrf": form_token(c.get("/login").data),
        }
        r = c.post("/login", data=data)
        assert r.status_code == 302, r.data[:300]
        if username in SEEDS:
            assert r.headers["Location"].endswith("/login/code")
            csrf = form_token(c.get("/login/code").data)
            r = c.post("/login/code", data={"code": code(username), "csrf": csrf})
            assert r.status_code == 302, r.data[:300]
        return {k: c.get_cookie(k).value for k in ("rrc_session", CSRF_COOKIE)}

    c = app.server.test_client()
    if username:
        for name, value in shared_session(username, login).items():
            c.set_cookie(name, value)
    else:
        c.get("/login")
    return c


def post_callback(c, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    """A callback request as Dash's renderer sends it: JSON, with the session's CSRF token."""
    cookie = c.get_cookie(CSRF_COOKIE)
    headers = {"X-CSRFToken": cookie.value} if cookie else {}
    return c.post("/_dash-update-component", json=body, headers=headers)


def callback_body(app, owner: str, search: str = "?annee=2013") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A well-formed request for the first callback of a board, as the browser would post it."""
    for output, entry in app.callback_map.items():
        if auth.callback_owner(app, output) == owner:
            inputs = [
                {
                    "id": i["id"],
                    "property": i["property"],
                    "value": search if i["property"] == "search" else None,
                }
                for i in entry["inputs"]
            ]
            outputs = [
                dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
                for part in output.strip(".").split("...")
            ]
            return {"output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": []}
    raise AssertionError(f"no callback owned by {owner}")


def test_every_route_and_callback_has_a_rule(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {rule.endpoint for rule in app.server.url_map.iter_rules()}
    assert endpoints <= set(auth.ROUTES), endpoints - set(auth.ROUTES)
    owners = {out: auth.callback_owner(app, out) for out in app.callback_map}
    assert None not in owners.values(), [o for o, w in owners.items() if w is None]
    pages = set(page_paths())
    assert {w for w in owners.values()} - {"shell", "router"} <= pages


def test_no_session_no_data(app) -> None:  # type: ignore[no-untyped-def]
    """Without a session, every route but the login forms, the public feeds and the app's shell
    leads to the login form or answers 401, and so does every callback but the public pages';
    the shell is then the public frame, and the callback graph the public pages' only."""
    c = app.server.test_client()
    for rule in app.server.url_map.iter_rules():
        if auth.ROUTES.get(rule.endpoint) in ("public", "open", "shell"):
            continue
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        r = c.post(path, json={}) if "POST" in rule.methods else c.get(path)  # type: ignore[operator]
        assert r.status_code in (302, 401), (rule.rule, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"]
    public = set(load_policy().public.pages)
    for output in app.callback_map:
        if auth.callback_owner(app, output) in public:
            continue  # tests/dashboards/test_public.py
        r = post_callback(c, {"output": output, "inputs": []})
        assert r.status_code == 401, output
    layout = c.get("/_dash-layout").data.decode()
    assert "Pages publiques" in layout
    assert not {"filtre-annee", "deconnexion", "utilisateur", "secret-statistique"} & set(
        re.findall(r'"id": ?"([^"]+)"', layout)
    )
    graph = json.loads(c.get("/_dash-dependencies").data)
    owners = {
        auth.callback_owner(app, d["output"]) for d in graph if not d.get("clientside_function")
    }
    assert owners <= public | {"router"}


def test_an_unknown_callback_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app, "admin1")
    r = post_callback(c, {"output": "..nowhere.figure..", "inputs": []})
    assert r.status_code == 403


def test_roles_open_only_their_boards(app) -> None:  # type: ignore[no-untyped-def]
    researcher, ars, c3 = client(app, "cherch1"), client(app, "ars1"), client(app, "c3un")
    assert researcher.get("/activite").status_code == 403
    assert post_callback(researcher, callback_body(app, "/activite")).status_code == 403
    assert researcher.get("/export/activite/mensuel.csv?annee=2013").status_code == 403
    assert ars.get("/qualite").status_code == 403
    assert ars.get("/data-docs/index.html").status_code == 403
    assert c3.get("/data-docs/index.html").status_code == 403
    assert ars.get("/activite").status_code == 200
    r = post_callback(ars, callback_body(app, "/activite"))
    assert r.status_code == 200, r.data[:300]
    # the page router refuses a board the role may not open
    body = {
        "output": next(o for o in app.callback_map if "_pages_content" in o),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/qualite"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    }
    assert post_callback(ars, body).status_code == 403
    denied = [e for e in audit.entries(50, "denied") if e.actor == "ars1"]
    assert {e.target for e in denied} >= {"/qualite", "/data-docs/index.html"}


def _figure_total(payload: dict[str, Any], component: str) -> float:
    fig = payload["response"][component]["figure"]
    return sum(v or 0 for trace in fig["data"] for v in trace.get("y") or [])


def test_a_3c_user_cannot_reach_another_3c_by_url_or_post(app, board_warehouse) -> None:  # type: ignore[no-untyped-def]
    c3 = client(app, "c3un")
    other = post_callback(c3, callback_body(app, "/activite", "?annee=2013&3c=C3-02"))
    own = post_callback(c3, callback_body(app, "/activite", "?annee=2013&3c=C3-01"))
    assert other.status_code == own.status_code == 200
    figures = [
        {k: v["figure"] for k, v in json.loads(r.data)["response"].items() if "figure" in v}
        for r in (other, own)
    ]
    assert figures[0] == figures[1]  # C3-02 asked, C3-01 served
    activity = page_module("/activite")  # as Dash loaded it: importing it again registers twice
    # as a 3C user of C3-01 reads them (its counts carry the same secrecy noise as served)
    with acting_as(Principal.of("t", "c3", "C3-01")):
        c301 = validated(activity.figures("?annee=2013&3c=C3-01"))["mensuel"]
    with acting_as(Principal.of("t", "admin")):
        c302 = validated(activity.figures("?annee=2013&3c=C3-02"))["mensuel"]
    served = _figure_total(json.loads(own.data), "activite-mensuel")
    assert served == sum(c301.data[0].y) != sum(c302.data[0].y)
    export = c3.get("/export/activite/par-3c.csv?annee=2013&3c=C3-02").data.decode("utf-8-sig")
    assert "C3-02" not in export and export.count("\n") == 2  # header and its own 3C only


def test_sessions_end_on_inactivity_lifetime_and_disabling(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app, "rrc1")
    assert c.get("/activite").status_code == 200
    with c.session_transaction() as s:
        s["seen_at"] = time.time() - 31 * 60
    assert c.get("/activite").status_code == 302
    c = client(app, "rrc1")
    with c.session_transaction() as s:
        s["login_at"] = time.time() - 11 * 3600
    assert c.get("/activite").status_code == 302
    users.add("partant", "rrc", None, PASSWORD)
    c = client(app, "partant")
    assert c.get("/activite").status_code == 200
    users.disable("partant")
    assert c.get("/activite").status_code == 302
    assert client(app).post("/login").status_code == 400  # no form token: refused


def test_logins_and_exports_are_audited_append_only(app) -> None:  # type: ignore[no-untyped-def]
    c = app.server.test_client()
    page = c.get("/login").data
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]
    bad = c.post("/login", data={"username": "rrc1", "password": "faux", "csrf": csrf})
    assert bad.status_code == 200 and "incorrect" in bad.data.decode()
    assert c.get("/activite").status_code == 302  # still not logged in
    c = client(app, "rrc1")
    assert c.get("/export/dossiers/organe.csv?annee=2013").status_code == 200
    entries = audit.entries(200)
    assert any(e.actor == "rrc1" and e.action == "login" and e.outcome == "failed" for e in entries)
    assert any(e.actor == "rrc1" and e.action == "login" and e.outcome == "ok" for e in entries)
    export = next(e for e in entries if e.actor == "rrc1" and e.action == "export")
    assert export.target == "dossiers/organe.csv" and export.detail["filters"] == "?annee=2013"
    assert export.at_utc.endswith("+00:00") and export.address == "127.0.0.1"
    assert audit.verify().lines >= 3
    from access.store import engine

    with engine().connect() as con:
        for sql in ("update audit set actor = 'x'", "delete from audit"):
            with pytest.raises(Exception, match="append-only"):
                con.exec_driver_sql(sql)
