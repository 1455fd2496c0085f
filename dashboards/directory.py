"""The public RCP directory: every RCP entity of the warehouse with its organs, 3C, places,
schedule and next sessions, how it meets, its secretariat, how to submit a dossier, the
specialties usually present (its quorum rule's, and those present at most of its sessions) and
its coordinator where the directory source marks the name public; searched by words, organ,
town and department; and its machine-readable forms for the national directory: JSON, FHIR R4
(HealthcareService, Schedule, Location in a Bundle) and French CSV.

Everything here is read through queries of the `public` scope (config/secrecy.toml), once per
published snapshot (dashboards/public.py).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from flask import Flask, Response, request

from dashboards import public
from dashboards.data import reader
from dashboards.export import csv_bytes
from dashboards.indicators import Sheet
from rrc.holidays import is_holiday

FHIR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MODES = {
    "presentiel": "Sur site",
    "visio": "En visioconférence",
    "mixte": "Sur site, avec des sites reliés en visioconférence",
}
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"  # FINESS, établissement géographique
PAGE = "/public/rcp"


@dataclass(frozen=True)
class Place:
    finess: str
    name: str
    town: str | None
    department_code: str | None
    main: bool


@dataclass(frozen=True)
class Rcp:
    """One RCP entity as the public directory shows it."""

    code: str
    name: str
    c3_id: str | None
    c3_name: str | None
    organs: tuple[str, ...]
    organ_labels: str
    recours: bool
    weekday: int | None
    every_weeks: int | None
    hour: int | None
    meeting_mode: str | None
    coordinator: str | None
    phone: str | None
    email: str | None
    submission: str | None
    town: str | None
    department_code: str | None
    department_name: str | None
    places: tuple[Place, ...] = ()
    next_sessions: tuple[datetime, ...] = ()
    specialties: tuple[tuple[str, bool], ...] = ()  # (label, required by the quorum rule)
    words: str = field(default="", repr=False)  # what a search matches, folded

    @property
    def url(self) -> str:
        return f"{PAGE}/{self.code}"

    def schedule(self) -> str:
        """ "Le mardi à 14 h, toutes les 2 semaines"."""
        if self.weekday is None or not 1 <= self.weekday <= 7:
            return public.UNKNOWN
        when = f"Le {public.DAYS[self.weekday - 1]}" + (
            f" à {self.hour} h" if self.hour is not None else ""
        )
        if not self.every_weeks or self.every_weeks == 1:
            return when + ", chaque semaine"
        return when + f", toutes les {self.every_weeks} semaines"

    def mode(self) -> str:
        return MODES.get(self.meeting_mode or "", public.UNKNOWN)

    def towns(self) -> list[str]:
        return sorted(
            {p.town for p in self.places if p.town} | ({self.town} if self.town else set())
        )


def fold(text: str) -> str:
    """Lower case without accents: "Montluçon" matches "montlucon"."""
    return "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn"
    )


@public.per_snapshot
def rcps() -> tuple[Rcp, ...]:
    """Every RCP of the directory, in code order, with its places, next sessions and usual
    specialties."""
    cfg = public.settings().get("directory", {})
    today = date.today()
    r = reader()
    places: dict[str, list[Place]] = {}
    for p in r.query("public_rcp_places").iter_rows(named=True):
        places.setdefault(p["entity_code"], []).append(
            Place(p["finess"], p["name"], p["town"], p["department_code"], bool(p["main"]))
        )
    sessions: dict[str, list[datetime]] = {}
    count = int(cfg.get("next_sessions", 4))
    # a session that falls on a public holiday is not held: the schedule is read further on
    upcoming = r.query("public_rcp_sessions", today=today, count=2 * count + 2)
    for s in upcoming.iter_rows(named=True):
        at = datetime.combine(s["session_day"], datetime.min.time()).replace(hour=s["hour"] or 0)
        kept = sessions.setdefault(s["entity_code"], [])
        if len(kept) < count and not is_holiday(s["session_day"]):
            kept.append(at)
    specialties: dict[str, list[tuple[str, bool]]] = {}
    usual = r.query("public_rcp_specialties", today=today, share=float(cfg.get("usual_share", 0.5)))
    for s in usual.iter_rows(named=True):
        specialties.setdefault(s["entity_code"], []).append((s["label"], bool(s["required"])))
    out = []
    for e in r.query("public_rcp_directory").iter_rows(named=True):
        code = e["entity_code"]
        mine = tuple(places.get(code, ()))
        words = " ".join(
            str(v or "")
            for v in (
                code,
                e["name"],
                e["organ_labels"],
                e["c3_name"],
                e["town"],
                *(p.name for p in mine),
                *(p.town for p in mine),
            )
        )
        out.append(
            Rcp(
                code=code,
                name=e["name"] or code,
                c3_id=e["c3_id"],
                c3_name=e["c3_name"],
                organs=tuple(o for o in (e["organs"] or "").split("|") if o),
                organ_labels=e["organ_labels"] or public.UNKNOWN,
                recours=bool(e["recours"]),
                weekday=e["weekday"],
                every_weeks=e["every_weeks"],
                hour=e["hour"],
                meeting_mode=e["meeting_mode"],
                coordinator=e["coordinator_name"],
                phone=e["secretariat_phone"],
                email=e["secretariat_email"],
                submission=e["submission"],
                town=e["town"],
                department_code=e["department_code"],
                department_name=e["department_name"],
                places=mine,
                next_sessions=tuple(sessions.get(code, ())),
                specialties=tuple(specialties.get(code, ())),
                words=fold(words),
            )
        )
    return tuple(out)


def find(code: str) -> Rcp | None:
    return next((e for e in rcps() if e.code == code), None)


def page_status(path: str) -> int:
    """The HTTP status of a public page: 404 for the page of an RCP the directory does not hold
    (the page says so in French), so that a link checker or a search engine sees it is gone."""
    prefix = f"{PAGE}/"
    code = unquote(path.removeprefix(prefix).strip("/")) if path.startswith(prefix) else ""
    return 404 if code and find(code) is None else 200


def search(
    words: str | None = None,
    organ: str | None = None,
    town: str | None = None,
    department: str | None = None,
) -> list[Rcp]:
    """The RCPs matching every criterion given: each word of `words` (accents and case aside),
    the organ (an RCP covering several organs matches each), a town where it meets (main place
    or linked by video), the department of any of its places."""
    terms = fold(words or "").split()
    found = []
    for e in rcps():
        if terms and not all(t in e.words for t in terms):
            continue
        if organ and organ not in e.organs:
            continue
        if town and town not in e.towns():
            continue
        departments = {p.department_code for p in e.places} | {e.department_code}
        if department and department not in departments:
            continue
        found.append(e)
    return found


@public.per_snapshot
def choices() -> dict[str, list[tuple[str, str]]]:
    """The values the search offers: organs, towns and departments present in the directory."""
    labels = dict(reader().query("organ_list").iter_rows())
    organs = {o for e in rcps() for o in e.organs}
    towns = {t for e in rcps() for t in e.towns()}
    departments = {e.department_code: e.department_name for e in rcps() if e.department_code}
    return {
        "organ": sorted(((o, labels.get(o, o)) for o in organs), key=lambda kv: fold(kv[1])),
        "town": [(t, t) for t in sorted(towns, key=fold)],
        "department": sorted((k, v or k) for k, v in departments.items()),
    }


# --- machine-readable forms -------------------------------------------------------------------


def as_json(base: str) -> dict[str, Any]:
    """The directory as one JSON document (English keys, French values)."""
    return {
        "network": public.NETWORK,
        "snapshot": reader().snapshot(),
        "generated": date.today().isoformat(),
        "url": base + PAGE,
        "rcp": [_entry(e, base) for e in rcps()],
    }


def _entry(e: Rcp, base: str) -> dict[str, Any]:
    return {
        "code": e.code,
        "url": base + e.url,
        "name": e.name,
        "organs": list(e.organs),
        "organ_labels": e.organ_labels,
        "recours": e.recours,
        "c3": {"id": e.c3_id, "name": e.c3_name},
        "schedule": {
            "weekday": e.weekday,
            "hour": e.hour,
            "every_weeks": e.every_weeks,
            "text": e.schedule(),
        },
        "next_sessions": [s.isoformat(timespec="minutes") for s in e.next_sessions],
        "meeting_mode": e.meeting_mode,
        "places": [
            {
                "finess": p.finess,
                "name": p.name,
                "town": p.town,
                "department": p.department_code,
                "main": p.main,
            }
            for p in e.places
        ],
        "coordinator": e.coordinator,
        "secretariat": {"phone": e.phone, "email": e.email},
        "submission": e.submission,
        "specialties": [{"label": s, "required": r} for s, r in e.specialties],
    }


def as_fhir(base: str) -> dict[str, Any]:
    """The directory as a FHIR R4 Bundle (collection): one HealthcareService and one Schedule
    per RCP, one Location per establishment where an RCP meets."""
    entries: list[dict[str, Any]] = []
    locations: dict[str, Place] = {}
    for e in rcps():
        for p in e.places:
            locations.setdefault(p.finess, p)
        service: dict[str, Any] = {
            "resourceType": "HealthcareService",
            "id": e.code,
            "identifier": [{"system": base + PAGE, "value": e.code}],
            "active": True,
            "name": e.name,
            "category": [{"text": "Réunion de concertation pluridisciplinaire (RCP)"}],
            "type": [{"text": label} for label in e.organ_labels.split(", ")],
            "specialty": [{"text": s} for s, _ in e.specialties],
            "location": [{"reference": f"Location/{p.finess}"} for p in e.places],
            "providedBy": {"display": e.c3_name} if e.c3_name else None,
            "telecom": [
                t
                for t in (
                    {"system": "phone", "value": e.phone} if e.phone else None,
                    {"system": "email", "value": e.email} if e.email else None,
                    {"system": "url", "value": base + e.url},
                )
                if t
            ],
            "characteristic": [{"text": e.mode()}],
            "comment": e.submission,
            "extraDetails": e.schedule(),
            "availableTime": [
                {
                    "daysOfWeek": [FHIR_DAYS[e.weekday - 1]],
                    **({"availableStartTime": f"{e.hour:02d}:00:00"} if e.hour is not None else {}),
                }
            ]
            if e.weekday and 1 <= e.weekday <= 7
            else [],
        }
        schedule: dict[str, Any] = {
            "resourceType": "Schedule",
            "id": f"{e.code}-seances",
            "active": True,
            "serviceCategory": [{"text": "Réunion de concertation pluridisciplinaire (RCP)"}],
            "actor": [{"reference": f"HealthcareService/{e.code}", "display": e.name}],
            "comment": e.schedule()
            + (
                " ; prochaines séances : "
                + ", ".join(s.isoformat(timespec="minutes") for s in e.next_sessions)
                if e.next_sessions
                else ""
            ),
        }
        if e.next_sessions:
            schedule["planningHorizon"] = {
                "start": e.next_sessions[0].isoformat(),
                "end": e.next_sessions[-1].isoformat(),
            }
        for resource in (service, schedule):
            clean = {k: v for k, v in resource.items() if v not in (None, [], "")}
            entries.append(
                {"fullUrl": f"{base}/fhir/{clean['resourceType']}/{clean['id']}", "resource": clean}
            )
    for finess, p in sorted(locations.items()):
        location = {
            "resourceType": "Location",
            "id": finess,
            "identifier": [{"system": FINESS_SYSTEM, "value": finess}],
            "name": p.name,
            "address": {"city": p.town, "country": "FR"} if p.town else {"country": "FR"},
        }
        entries.append({"fullUrl": f"{base}/fhir/Location/{finess}", "resource": location})
    return {
        "resourceType": "Bundle",
        "id": f"annuaire-rcp-{reader().snapshot()}",
        "type": "collection",
        "timestamp": datetime.now().astimezone().isoformat(timespec="seconds"),
        "entry": entries,
    }


CSV_HEADERS = [
    "Code",
    "RCP",
    "Organes",
    "RCP de recours",
    "3C",
    "Lieu principal",
    "Commune",
    "Département",
    "Autres lieux (visioconférence)",
    "Modalité",
    "Jour et heure",
    "Prochaines séances",
    "Coordonnateur",
    "Téléphone du secrétariat",
    "Courriel du secrétariat",
    "Inscription d'un dossier",
    "Spécialités habituellement présentes",
    "Adresse",
]


def as_sheet(base: str) -> Sheet:
    rows = []
    for e in rcps():
        main = next((p for p in e.places if p.main), None)
        rows.append(
            [
                e.code,
                e.name,
                e.organ_labels,
                e.recours,
                e.c3_name,
                main.name if main else None,
                e.town,
                e.department_name,
                ", ".join(
                    f"{p.name} ({p.town})" if p.town else p.name for p in e.places if not p.main
                ),
                e.mode(),
                e.schedule(),
                ", ".join(f"{s:%d/%m/%Y %H:%M}" for s in e.next_sessions),
                e.coordinator,
                e.phone,
                e.email,
                e.submission,
                ", ".join(s for s, _ in e.specialties),
                base + e.url,
            ]
        )
    return Sheet(CSV_HEADERS, rows)


def _answer(content: bytes, mimetype: str, name: str) -> Response:
    """A feed's answer, with an ETag of its content: a client asking again with it gets 304."""
    tag = hashlib.sha256(content).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        return Response(status=304, headers={"ETag": f'"{tag}"'})
    return Response(
        content,
        mimetype=mimetype,
        headers={"ETag": f'"{tag}"', "Content-Disposition": f'inline; filename="{name}"'},
    )


@public.per_snapshot
def _rendered(kind: str, base: str) -> bytes:
    if kind == "csv":
        return csv_bytes(as_sheet(base))
    document = as_fhir(base) if kind == "fhir" else as_json(base)
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def register_routes(server: Flask) -> None:
    """`/public/rcp.json`, `/public/rcp.fhir.json`, `/public/rcp.csv`: the directory for the
    national directory and anyone else, computed once per snapshot and day."""

    def base() -> str:
        return request.host_url.rstrip("/")

    @server.route("/public/rcp.json")
    def public_rcp_json() -> Response:
        return _answer(_rendered("json", base()), "application/json", "annuaire-rcp.json")

    @server.route("/public/rcp.fhir.json")
    def public_rcp_fhir() -> Response:
        return _answer(_rendered("fhir", base()), "application/fhir+json", "annuaire-rcp.fhir.json")

    @server.route("/public/rcp.csv")
    def public_rcp_csv() -> Response:
        return _answer(_rendered("csv", base()), "text/csv; charset=utf-8", "annuaire-rcp.csv")
