"""The attacks of issue 16, replayed against the real app (Flask's test client over the real
access database): login CSRF, brute force, a cookie replayed after logout, no second factor,
no security headers, a client-chosen address, unaudited refusals, `..` in the asset route.
Each test failed on the code before the fix."""

from __future__ import annotations

import math
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyotp
import pytest

from access import audit, throttle, totp, users
from access.policy import Principal, acting_as, load_policy
from rrc.errors import ConfigError
from rrc.settings import PROJECT_ROOT
from tests.dashboards.http import CSRF_COOKIE, PASSWORD
from tests.dashboards.test_auth import client, form_token, post_callback

EVIL = "http://evil.example"


def _client(app, address: str):  # type: ignore[no-untyped-def]
    """A client of its own address (each attack its own, so locks do not spill over)."""
    c = app.server.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    return c


def _login(c, username: str, password: str = PASSWORD, **headers: str):  # type: ignore[no-untyped-def]
    csrf = form_token(c.get("/login").data)
    data = {"username": username, "password": password, "csrf": csrf}
    return c.post("/login", data=data, headers=headers)


def _account(name: str, role: str = "rrc", c3: str | None = None) -> str:
    if users.get(name) is None:
        users.add(name, role, c3, PASSWORD)
    return name


def _logged_in(c: Any) -> bool:
    """Whether a client holds a session: the app's frame then names its user (without one it
    is the public pages' frame, docs/access.md)."""
    r = c.get("/_dash-layout")
    return r.status_code == 200 and '"utilisateur"' in r.data.decode()


def _latest(action: str, actor: str | None = None) -> audit.Entry | None:
    return next((e for e in audit.entries(300, action) if actor in (None, e.actor)), None)


# --- 1. CSRF ---------------------------------------------------------------------------------


def test_login_csrf_is_refused_whatever_the_token(app) -> None:  # type: ignore[no-untyped-def]
    # the issue's attack: no csrf field, no cookie, from another site
    bare = app.server.test_client()
    form = {"username": "rrc1", "password": PASSWORD}
    r = bare.post("/login", data=form, headers={"Origin": EVIL})
    assert r.status_code == 403 and "rrc_session" not in r.headers.get("Set-Cookie", "")
    assert not _logged_in(bare)
    assert _latest("csrf", "rrc1").detail["origin"] == EVIL  # type: ignore[union-attr]
    # no Origin at all (a non-browser client): no token, an empty one, another session's token
    assert bare.post("/login", data=form).status_code == 400
    assert bare.post("/login", data={**form, "csrf": ""}).status_code == 400
    other = app.server.test_client()
    stolen = form_token(other.get("/login").data)
    fresh = app.server.test_client()
    fresh.get("/login")
    assert fresh.post("/login", data={**form, "csrf": stolen}).status_code == 400
    assert not _logged_in(fresh)
    # the right token from another site, or a browser saying cross-site, is refused too
    mine = app.server.test_client()
    token = form_token(mine.get("/login").data)
    assert (
        mine.post("/login", data={**form, "csrf": token}, headers={"Origin": EVIL}).status_code
        == 403
    )
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert mine.post("/login", data={**form, "csrf": token}, headers=cross).status_code == 403
    assert (
        mine.post(
            "/login", data={**form, "csrf": token}, headers={"Origin": "http://localhost"}
        ).status_code
        == 302
    )


def test_callbacks_need_the_session_token_and_the_own_origin(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app, "rrc1")
    body = {"output": "..nowhere.figure..", "inputs": []}
    assert c.post("/_dash-update-component", json=body).status_code == 400  # no X-CSRFToken
    wrong = {"X-CSRFToken": "x" * 43}
    assert c.post("/_dash-update-component", json=body, headers=wrong).status_code == 400
    token = {"X-CSRFToken": c.get_cookie(CSRF_COOKIE).value, "Origin": EVIL}
    assert c.post("/_dash-update-component", json=body, headers=token).status_code == 403
    assert post_callback(c, body).status_code == 403  # past CSRF: the unknown callback's refusal
    assert _latest("csrf", "rrc1") is not None


def test_logout_is_a_post_with_the_token(app) -> None:  # type: ignore[no-untyped-def]
    _account("sortant")
    c = client(app, "sortant")
    assert c.get("/logout").status_code == 200  # a link from elsewhere only shows the button
    assert c.get("/activite").status_code == 200
    assert c.post("/logout", data={}).status_code == 400
    assert c.get("/activite").status_code == 200


# --- 2. throttling and lock-out --------------------------------------------------------------


def test_fifty_wrong_passwords_then_the_right_one_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    name = _account("cible")
    c = _client(app, "10.16.0.1")
    started = time.monotonic()
    answers = [_login(c, name, f"faux-{i}").status_code for i in range(50)]
    elapsed = time.monotonic() - started
    # three free attempts, then waits of 1, 2, 4… s: in `elapsed` seconds, only a handful of
    # passwords are even looked at; the others are refused at once
    assert answers[:3] == [200, 200, 200] and set(answers) == {200, 429}
    assert answers.count(200) <= 4 + math.log2(1 + elapsed), (elapsed, answers)
    r = _login(c, name)
    assert r.status_code == 429 and "patientez" in r.data.decode()
    assert not _logged_in(c)
    throttled = [e for e in audit.entries(100, "login") if e.actor == name]
    assert {e.outcome for e in throttled} == {"failed", "throttled"}
    assert all(e.address == "10.16.0.1" for e in throttled)


def _nine_old_failures(name: str, address: str) -> None:
    """Nine failures, far enough apart that no wait is left: the tenth locks."""
    now = time.time()
    for i in range(9):
        throttle.failed(name, address, now=now - 30 * 60 + i * 120)


def test_ten_failures_lock_the_account_and_say_nothing_of_its_existence(app) -> None:  # type: ignore[no-untyped-def]
    name = _account("verrou")
    before = client(app, name)  # a session opened before the attack
    assert before.get("/activite").status_code == 200
    pages = {}
    for who, address in ((name, "10.16.0.2"), ("personne-ici", "10.16.0.3")):
        _nine_old_failures(who, address)
        c = _client(app, address)
        assert _login(c, who, "encore-faux").status_code == 200  # the tenth failure
        r = _login(c, who)  # the right password (for the real account)
        assert r.status_code == 429
        page = re.sub(r'name="csrf" value="[^"]+"', "", r.data.decode())
        pages[who] = re.sub(r"\d+ min", "N min", page)
    assert pages[name] == pages["personne-ici"]  # the same answer, account or not
    assert "verrouillé" in pages[name]
    assert before.get("/activite").status_code == 302  # the lock ended the open session
    locks = [e for e in audit.entries(100, "lockout") if e.actor in (name, "personne-ici")]
    assert {e.target for e in locks} == {f"account:{name}", "account:personne-ici"}
    # from another address the account is locked as well; an administrator lifts it
    assert _login(_client(app, "10.16.0.4"), name).status_code == 429
    from typer.testing import CliRunner

    from cli.main import app as rrc

    assert CliRunner().invoke(rrc, ["users", "unlock", name]).exit_code == 0
    assert _login(_client(app, "10.16.0.5"), name).status_code == 302
    assert _latest("user_unlock").target == name  # type: ignore[union-attr]


def test_an_address_trying_many_accounts_is_locked(app) -> None:  # type: ignore[no-untyped-def]
    address = "10.16.0.6"
    now = time.time()
    limit = load_policy().login.address_lock_after
    for i in range(limit - 1):  # one failure per account name: no account lock, the address's
        throttle.failed(f"essai-{i}", address, now=now - 3000 + i)
    c = _client(app, address)
    assert _login(c, "essai-dernier", "faux").status_code == 200
    assert _login(c, "rrc1").status_code == 429  # even a real account with its password
    assert _login(_client(app, "10.16.0.7"), "rrc1").status_code == 302  # elsewhere: fine
    assert _latest("lockout").target == f"address:{address}"  # type: ignore[union-attr]
    throttle.unlock(address=address)


# --- 3. server-side revocation ---------------------------------------------------------------


def _captured(app, name: str):  # type: ignore[no-untyped-def]
    c = client(app, name)
    assert c.get("/export/dossiers/organe.csv?annee=2013").status_code == 200
    return c.get_cookie("rrc_session").value


def _replay(app, cookie: str) -> int:  # type: ignore[no-untyped-def]
    c = app.server.test_client()
    c.set_cookie("rrc_session", cookie)
    return c.get("/export/dossiers/organe.csv?annee=2013").status_code


@pytest.mark.parametrize("how", ["logout", "password", "disable", "reset-totp"])
def test_a_cookie_captured_before_is_refused_after(app, how: str) -> None:  # type: ignore[no-untyped-def]
    name = _account(f"rejoue-{how}")
    elsewhere = _captured(app, name)  # another browser of the same account
    cookie = _captured(app, name)
    if how == "logout":
        c = app.server.test_client()
        c.set_cookie("rrc_session", cookie)
        page = c.get("/logout").data
        assert c.post("/logout", data={"csrf": form_token(page)}).status_code == 302
    elif how == "password":
        users.set_password(name, PASSWORD)  # even to the same password
    elif how == "disable":
        users.disable(name)
    else:
        totp.reset(name)
    assert _replay(app, cookie) in (302, 401)
    assert _replay(app, elsewhere) in (302, 401)


# --- 4. second factor ------------------------------------------------------------------------


def test_an_administrator_enrols_a_second_factor_at_first_login(app) -> None:  # type: ignore[no-untyped-def]
    name = _account("admin-neuf", "admin")
    c = _client(app, "10.16.0.8")
    r = _login(c, name)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/code")
    assert not _logged_in(c)  # the password alone opens nothing
    page = c.get("/login/code").data.decode()
    assert "<svg" in page and 'id="qr-totp"' in page
    seed = re.search(r'id="cle-totp">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    assert c.get("/login/code").data.decode().count(seed) == 1  # a reload shows the same key
    wrong = c.post("/login/code", data={"code": "000000", "csrf": form_token(page.encode())})
    assert "incorrect" in wrong.data.decode()
    good = pyotp.TOTP(seed).now()
    r = c.post("/login/code", data={"code": good, "csrf": form_token(page.encode())})
    assert r.status_code == 302 and _logged_in(c)
    assert users.get(name).totp_enrolled  # type: ignore[union-attr]
    assert _latest("totp_enrol", name) is not None
    # the same code again, for a second login: refused (a code serves once)
    again = _client(app, "10.16.0.9")
    assert _login(again, name).status_code == 302
    page = again.get("/login/code").data
    assert 'id="qr-totp"' not in page.decode()  # enrolled: no key shown again
    r = again.post("/login/code", data={"code": good, "csrf": form_token(page)})
    assert "déjà utilisé" in r.data.decode() and not _logged_in(again)


@pytest.mark.parametrize("right", ["row_level", "free_text"])
def test_a_role_with_nominative_data_cannot_go_without_a_second_factor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, right: str
) -> None:
    """Individual records: quarantined rows, or a survey's free-text answers."""
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "access.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[roles.c3]\n", f"[roles.c3]\n{right} = true\n"), encoding="utf-8")
    monkeypatch.setenv("RRC_CONFIG_DIR", str(tmp_path / "config"))
    load_policy.cache_clear()
    try:
        with pytest.raises(ConfigError, match="totp must be true"):
            load_policy()
    finally:
        monkeypatch.undo()
        load_policy.cache_clear()
    assert load_policy().role("admin").totp and not load_policy().role("ars").totp


# --- 5. security headers ---------------------------------------------------------------------


def test_every_response_carries_the_security_headers(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app, "admin1")
    asset = re.search(rb'src="(/_dash-component-suites/[^"]+)"', c.get("/").data).group(1)  # type: ignore[union-attr]
    answers = {
        "login": app.server.test_client().get("/login"),
        "no session": post_callback(app.server.test_client(), {"output": "..x.y..", "inputs": []}),
        "page": c.get("/activite"),
        "asset": c.get(asset.decode()),
        "export": c.get("/export/dossiers/organe.csv?annee=2013"),
        "refused": client(app, "ars1").get("/qualite"),
        "callback": post_callback(c, {"output": "..nowhere.figure..", "inputs": []}),
    }
    assert [answers[k].status_code for k in answers] == [200, 401, 200, 200, 200, 403, 403]
    for what, r in answers.items():
        csp = r.headers.get("Content-Security-Policy", "")
        scripts = re.search(r"script-src ([^;]+)", csp).group(1)  # type: ignore[union-attr]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, what
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
        assert r.headers["X-Frame-Options"] == "DENY", what
        assert r.headers["X-Content-Type-Options"] == "nosniff", what
        assert r.headers["Referrer-Policy"] == "same-origin", what
        assert (r.headers.get("Cache-Control") == "no-store") == (what != "asset"), what
    # Dash's inline renderer script runs by its hash, and only it
    index = re.sub(r"<!--.*?-->", "", answers["page"].data.decode(), flags=re.S)  # IE's alert
    inline = re.findall(
        r"<script(?![^>]*src=)(?![^>]*application/json)[^>]*>(.*?)</script>", index, re.S
    )
    from dashboards.web import sha256_source

    assert inline and all(sha256_source(s) in scripts for s in inline)


# --- 6. the client's address, refusals recorded, the asset route -----------------------------


@pytest.fixture
def behind_a_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """config/access.toml with a trusted reverse proxy at 10.16.1.1."""
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "access.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("trusted_proxies = []", 'trusted_proxies = ["10.16.1.1"]'), encoding="utf-8"
    )
    monkeypatch.setenv("RRC_CONFIG_DIR", str(tmp_path / "config"))
    load_policy.cache_clear()
    yield "10.16.1.1"
    monkeypatch.undo()
    load_policy.cache_clear()


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(app, behind_a_proxy) -> None:  # type: ignore[no-untyped-def]
    forged = {"X-Forwarded-For": "198.51.100.7"}
    _login(_client(app, "10.16.1.9"), "rrc1", "faux", **forged)  # straight from a client
    assert _latest("login", "rrc1").address == "10.16.1.9"  # type: ignore[union-attr]
    chain = {"X-Forwarded-For": "198.51.100.7, 203.0.113.5"}  # a forged hop, then the real one
    _login(_client(app, behind_a_proxy), "rrc1", "faux", **chain)
    assert _latest("login", "rrc1").address == "203.0.113.5"  # type: ignore[union-attr]
    throttle.unlock("rrc1")


def test_refusals_and_reads_are_recorded(app) -> None:  # type: ignore[no-untyped-def]
    anonymous = _client(app, "10.16.2.1")
    assert anonymous.get("/export/activite/mensuel.csv").status_code == 302
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401
    seen = [e for e in audit.entries(50, "unauthenticated") if e.address == "10.16.2.1"]
    assert {e.target for e in seen} == {"/export/activite/mensuel.csv", "/_dash-update-component"}
    admin = client(app, "admin1")
    assert admin.get("/export/activite/inconnu.csv").status_code == 404
    assert admin.get("/export/nulle-part/x.csv").status_code == 404
    refused = [e for e in audit.entries(50, "export") if e.outcome != "ok"]
    assert {e.target for e in refused} >= {"activite/inconnu.csv", "nulle-part/x.csv"}
    docs = admin.get("/data-docs/index.html")
    docs.close()
    assert docs.status_code == 200
    assert _latest("data_docs", "admin1").target == "/data-docs/index.html"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/..",
        "/_dash-component-suites/dash/..",
        "/_dash-component-suites/dash/../../etc/passwd",
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/dash/dash-renderer/build/../../../__init__.py",
    ],
)
def test_the_asset_route_refuses_what_dash_did_not_register(app, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client(app, "admin1").get(path).status_code == 404


def test_the_audit_page_raises_the_alarm_on_a_rewritten_trail(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from access.store import database_path
    from dashboards.registry import page_module

    page = page_module("/audit")
    client(app, "rrc1")  # a login at least in the trail
    assert "intactes" in page.update(None)[1]
    copy = tmp_path / "copie.sqlite"
    with sqlite3.connect(database_path()) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as con:
        con.execute("drop trigger audit_no_delete")
        con.execute("delete from audit where seq = (select max(seq) from audit)")
    monkeypatch.setenv("RRC_AUDIT_ANCHOR", str(audit.anchor_path()))
    monkeypatch.setenv("RRC_ACCESS_DB", str(copy))
    alarm = page.update(None)[1]
    assert alarm.startswith("ALERTE") and "dernières lignes ont été supprimées" in alarm


def test_the_tables_are_exported_by_the_server_neutralised(app) -> None:  # type: ignore[no-untyped-def]
    """The trial list's and the quality tables' exports: no browser-side XLSX button sending raw
    text, but the server's route, with the rights, masking and neutralisation of the charts."""
    import io

    from dashboards.registry import page_module

    for path in ("/essais", "/qualite"):
        assert "export_format" not in Path(page_module(path).__file__).read_text("utf-8")
    admin, rrc, ars = client(app, "admin1"), client(app, "rrc1"), client(app, "ars1")
    r = admin.get("/export/essais/liste.xlsx?annee=2013")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    listed = pl.read_excel(io.BytesIO(r.data))
    with acting_as(Principal.of("t", "admin")):  # a request in this thread ended the fixture's
        shown = page_module("/essais").trial_rows("?annee=2013")
    assert listed.columns[:2] == ["Essai", "Titre"] and listed.height == len(shown)
    assert admin.get("/export/qualite/quarantaine.csv").data.count(b"\n") > 1
    assert rrc.get("/export/qualite/quarantaine.csv").data.count(b"\n") == 1  # row-level: header
    assert ars.get("/export/qualite/controles.csv").status_code == 403
    assert admin.get("/export/qualite/categorie.csv").status_code == 404  # charts: not here
    exported = [e.target for e in audit.entries(20, "export") if e.actor == "admin1"]
    assert "essais/liste.xlsx" in exported
