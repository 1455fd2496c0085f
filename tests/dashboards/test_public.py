"""The public pages (/public/…) without a session, through the real app (no browser): every
public route and callback answers as the anonymous principal and sets no cookie; no query outside
the `public` scope answers for that principal, and a public page asking for one is refused and
audited; the RCP directory lists the demo's 52 RCPs with their schedules, in JSON, FHIR and CSV
too; framing and keeping follow the configuration. The browser walk is test_public_browser.py."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from access import audit
from access.policy import AccessDenied, Principal, _public, acting_as, load_policy
from dashboards import auth, public
from dashboards.registry import page_module
from rrc.errors import ConfigError
from rrc.holidays import is_holiday
from tests.dashboards.test_auth import client, post_callback
from warehouse.read.reader import QUERIES

# every public page (a template by one code of the demo, and one that is no RCP's) and feed
PAGES = {
    "/public": "Informations publiques du réseau",
    "/public/rcp": "Annuaire des RCP",
    "/public/rcp/RCP05": "RCP neuro-oncologie CHU",
    "/public/rcp/RCP99": "RCP introuvable",
    "/public/essais": "Essais cliniques ouverts",
    "/public/offre-de-soins": "Offre de soins en cancérologie",
}
FEEDS = ["/public/rcp.json", "/public/rcp.fhir.json", "/public/rcp.csv"]


def router(app: Any, path: str, search: str = "") -> dict[str, Any]:  # type: ignore[misc]
    """The page router's request for `path`, as Dash's renderer posts it."""
    output = next(o for o in app.callback_map if "_pages_content" in o)
    return {
        "output": output,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


def text_of(response: Any) -> str:  # type: ignore[misc]
    """A callback's answer as readable text (its JSON escapes accents)."""
    return json.dumps(json.loads(response.data), ensure_ascii=False)


def directory_file(warehouse: Path) -> list[dict[str, str]]:
    """The demo's RCP directory as its source wrote it (beside the test warehouse)."""
    text = (warehouse.parent / "demo" / "directory" / "reseau_rcp.csv").read_bytes()
    return list(csv.DictReader(io.StringIO(text.decode("latin-1")), delimiter=";"))


def test_every_public_route_and_callback_answers_without_a_session(app) -> None:  # type: ignore[no-untyped-def]
    c = app.server.test_client()
    for path, heading in PAGES.items():
        r = c.get(path)
        assert "Set-Cookie" not in r.headers, path  # an anonymous visit leaves nothing
        if heading == "RCP introuvable":  # gone for a link checker, said in French on the page
            assert r.status_code == 404 and "max-age" not in r.headers["Cache-Control"], path
            assert c.get("/public/rcp/RCP%2005").status_code == 404
        else:
            assert r.status_code == 200, path
            assert r.headers["Cache-Control"] == "public, max-age=300", path
        drawn = post_callback(c, router(app, path))
        assert drawn.status_code == 200, (path, drawn.data[:300])
        assert heading in text_of(drawn), path
    for path in FEEDS:
        r = c.get(path)
        assert r.status_code == 200 and r.headers["ETag"], path
        assert c.get(path, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    # the search is in the address: a link to share
    sein = post_callback(c, router(app, "/public/rcp", "?organe=sein&departement=03"))
    assert "3 RCP" in text_of(sein)
    # what is not public still needs a session, whatever a public page's router is asked
    assert post_callback(c, router(app, "/activite")).status_code == 401
    assert c.get("/public/inconnue").status_code == 302  # no such public page: the login


def test_the_public_pages_have_no_callback_but_the_router(app) -> None:  # type: ignore[no-untyped-def]
    """Drawn by their layouts (searches are forms in the address): nothing else to authorise."""
    owners = {auth.callback_owner(app, o) for o in app.callback_map}
    assert not owners & set(load_policy().public.pages)


def test_a_logged_in_user_reads_the_public_pages_as_the_anonymous_visitor(app) -> None:  # type: ignore[no-untyped-def]
    c3 = client(app, "c3un")  # held to C3-01 on the boards
    r = post_callback(c3, router(app, "/public/rcp"))
    assert r.status_code == 200 and "52 RCP" in text_of(r)  # every 3C's: public data
    page = c3.get("/public/rcp")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def _params(name: str) -> dict[str, Any]:
    values = {
        "today": date.today(), "count": 2, "share": 0.5, "c3": None, "year": 2013,
        "survey": "cahlipsos",
    }  # fmt: skip
    names = set(re.findall(r"\$([A-Za-z_]\w*)", (QUERIES / f"{name}.sql").read_text()))
    return {k: v for k, v in values.items() if k in names}


def test_no_query_outside_the_public_scope_answers_for_the_anonymous_principal(app) -> None:  # type: ignore[no-untyped-def]
    from dashboards.data import reader

    rules = reader().secrecy.queries
    names = sorted(p.stem for p in QUERIES.glob("*.sql"))
    public_ones = [n for n in names if n in rules and rules[n].scope == "public"]
    assert {"public_rcp_directory", "public_trials", "care_offer"} <= set(public_ones)
    with acting_as(Principal.anonymous("192.0.2.1")):
        for name in names:
            if name in public_ones:
                assert reader().query(name, **_params(name)).height > 0, name
                continue
            with pytest.raises((AccessDenied, ConfigError)):  # ConfigError: undeclared
                reader().query(name, **_params(name))
        with pytest.raises(AccessDenied, match="no indicator"):
            reader().indicators(["dossiers"])
        with pytest.raises(AccessDenied):
            reader().raw("care_offer", c3=None)


def test_a_public_page_that_asks_for_more_is_refused_and_audited(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dashboards.data import reader

    essais = page_module("/public/essais")

    def asks_for_activity() -> tuple[dict[str, Any], ...]:  # a public page gone wrong
        rows = reader().query("trials_list", year=2013, organ=None, c3=None)
        return tuple(rows.iter_rows(named=True))

    monkeypatch.setattr(essais, "trials", asks_for_activity)
    r = post_callback(app.server.test_client(), router(app, "/public/essais"))
    assert r.status_code == 403 and "Accès refusé" in r.data.decode()
    [line] = [e for e in audit.entries(20, "denied") if "trials_list" in str(e.detail)][:1]
    assert line.actor == "(anonyme)" and line.outcome == "refused"


def test_the_directory_lists_the_52_rcps_of_the_demo_with_their_schedules(
    app, board_warehouse
) -> None:  # type: ignore[no-untyped-def]
    source = {row["code_rcp"]: row for row in directory_file(board_warehouse)}
    feed = json.loads(app.server.test_client().get("/public/rcp.json").data)
    entries = {e["code"]: e for e in feed["rcp"]}
    assert len(entries) == 52 and set(entries) == set(source)
    today = datetime.combine(date.today(), datetime.min.time())
    for code, e in entries.items():
        row = source[code]
        schedule = e["schedule"]
        assert (schedule["weekday"], schedule["hour"], schedule["every_weeks"]) == (
            int(row["jour_semaine"]),
            int(row["heure"]),
            int(row["periodicite_semaines"]),
        ), code
        sessions = [datetime.fromisoformat(s) for s in e["next_sessions"]]
        step = timedelta(weeks=schedule["every_weeks"])
        # the schedule's days from the first to come, less France's public holidays
        first = today + timedelta(days=(schedule["weekday"] - today.isoweekday()) % 7)
        days = (first + k * step for k in range(20))
        held = [d.date() for d in days if not is_holiday(d.date())]
        if schedule["every_weeks"] == 1:  # (every other week: the phase is the history's)
            assert [s.date() for s in sessions] == held[:4], code
        if not any(is_holiday(d.date()) for d in (first, first + step)):
            assert len(sessions) == 4 and today <= sessions[0] < today + step, code
        assert all(
            s.isoweekday() == schedule["weekday"] and s.hour == schedule["hour"] for s in sessions
        )
        assert not any(is_holiday(s.date()) for s in sessions), code
        assert all((b - a) % step == timedelta(0) for a, b in itertools.pairwise(sessions)), code
        assert e["secretariat"]["phone"] == row["telephone_secretariat"]
        assert e["submission"] == row["inscription"] and e["meeting_mode"]
        # a physician's name only where the directory marks it public
        public_name = row["coordonnateur"] if row["coordonnateur_public"] == "1" else None
        assert e["coordinator"] == public_name, code
        others = {p["finess"] for p in e["places"] if not p["main"]}
        assert others == set(filter(None, row["autres_lieux"].split("|"))), code
        assert any(s["required"] for s in e["specialties"]), code  # its quorum rule's


def test_the_fhir_and_csv_forms_say_the_same(app) -> None:  # type: ignore[no-untyped-def]
    c = app.server.test_client()
    feed = json.loads(c.get("/public/rcp.json").data)["rcp"]
    bundle = json.loads(c.get("/public/rcp.fhir.json").data)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    kinds: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        kinds.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    services = {s["id"]: s for s in kinds["HealthcareService"]}
    assert set(services) == {e["code"] for e in feed} and len(kinds["Schedule"]) == 52
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    locations = {loc["id"] for loc in kinds["Location"]}
    for e in feed:
        s = services[e["code"]]
        assert s["availableTime"][0]["daysOfWeek"] == [days[e["schedule"]["weekday"] - 1]]
        assert {r["reference"] for r in s["location"]} == {
            f"Location/{p['finess']}" for p in e["places"]
        }
    assert all(
        ref.split("/")[1] in locations
        for s in services.values()
        for ref in [r["reference"] for r in s["location"]]
    )
    rows = list(
        csv.reader(io.StringIO(c.get("/public/rcp.csv").data.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:3] == ["Code", "RCP", "Organes"] and len(rows) == 53
    assert [r[0] for r in rows[1:]] == [e["code"] for e in feed]


def test_the_open_trials_are_the_registrys_with_their_centres_in_the_region(
    app, board_warehouse
) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    con = duckdb.connect(str(board_warehouse / "current.duckdb"), read_only=True)
    try:
        open_ids = {
            r[0]
            for r in con.execute(
                "select trial_id from core.dim_trial where status = 'ouvert'"
            ).fetchall()
        }
        outside = {
            r[0]
            for r in con.execute(
                "select facility from core.dim_trial_site where not in_region"
            ).fetchall()
        }
    finally:
        con.close()
    with acting_as(Principal.anonymous()):
        trials = page_module("/public/essais").trials()
    assert {t["trial_id"] for t in trials} == open_ids and outside
    assert all(t["synopsis"] and t["contact_email"] for t in trials)
    assert not {s["facility"] for t in trials for s in t["sites"]} & outside
    assert any(t["sites"] for t in trials)


def test_framing_and_keeping_follow_the_configuration(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy()
    framed = dataclasses.replace(
        policy,
        public=dataclasses.replace(
            policy.public, frame_ancestors=("https://www.oncauvergne.fr",), cache_seconds=60
        ),
    )
    monkeypatch.setattr(public, "load_policy", lambda: framed)
    c = app.server.test_client()
    page = c.get("/public/rcp")
    assert "frame-ancestors https://www.oncauvergne.fr" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert page.headers["Cache-Control"] == "public, max-age=60"
    for other in ("/login", "/_dash-layout", "/public/rcp.json"):  # nothing else may be framed
        r = c.get(other)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], other
        assert r.headers["X-Frame-Options"] == "DENY", other


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"pages": ["/public", "/activite"]}, "not under /public/"),
        ({"frame_ancestors": ["*"]}, "not origins"),
        ({"frame_ancestors": ["https://www.oncauvergne.fr/annuaire"]}, "not origins"),
        ({"cache_seconds": -1}, "0 or more"),
    ],
)
def test_the_public_part_cannot_be_configured_wider(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _public(spec)


def test_the_public_map_shows_no_figure_about_patients_and_is_kept(app) -> None:  # type: ignore[no-untyped-def]
    offer = page_module("/public/offre-de-soins")
    with acting_as(Principal.anonymous()):
        fig = offer.figure(tuple(offer.LAYERS))
        again = offer.figure(tuple(offer.LAYERS))
    names = {t.get("name") for t in fig["data"] if t.get("name")}
    assert names == {
        "Chirurgie des cancers",
        "Chimiothérapie",
        "Radiothérapie",
        "Lieux de RCP",
        "Soins de support",
    }
    assert not [t for t in fig["data"] if "patients" in str(t.get("text", ""))]
    assert again is fig  # computed once for the published snapshot
