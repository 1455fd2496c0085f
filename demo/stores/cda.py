"""Store (f): the national Fiche RCP and PPS (ANS CI-SIS volets CANCER-FRCP_2022.01 and
CANCER-PPS_2022.01, HL7 CDA R2) that the DCC of a 3C exports instead of giving its database.

One document per fiche version (setId = the fiche, versionNumber = its version; drafts "en
cours d'exécution", the validated one "approuvé" and signed by its legal authenticator), one per
PPS, which refers to its fiche's validated version in its "Documents référencés" section. A
deleted fiche is not exported. The documents of a year go into one zip, `OUT/cda/<3C>_<year>.zip`
(`frcp/<fiche>-v<version>.xml`, `pps/<pps>.xml`), the way DCC software drops its exports.

What the volets have no place for, the DCC writes as observations of its own code system
(`LOCAL`, in the section "Statut du dossier présenté en RCP"): patient informed, mode of
presentation, first presentation and the fiche before, trial proposed; and, as a translation of a
participant's function, whether they attended by video or gave a written opinion. The mapping
laid over the national one for this source, `config/mappings/frcp_cda_dcc.toml`, reads them. The
announcement consultation, a step of the DCC's PPS, is no act of the PPS volet: the PPS's delivery
is that consultation.

Identifiers are synthetic OIDs under 2.25 (built from a UUID, which needs no registration).
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import polars as pl

from demo.dataset import Dataset
from demo.stores.partition import Share, share_of
from warehouse.quorum import Attendee, evaluate, rule_for

KIND = "cda"
DCC = f"2.25.{uuid.uuid5(uuid.NAMESPACE_URL, 'https://rrc-analytics.example/demo/dcc').int}"
FICHE = f"{DCC}.1"  # setId root of the fiches
PPS = f"{DCC}.2"  # setId root of the PPS
DOCUMENT = f"{DCC}.3"  # id root of each document (one per version)
IPP = f"{DCC}.4"  # IPP domains: <IPP>.<FINESS> for each establishment
LOCAL = f"{DCC}.5"  # the DCC's own codes, for what the volets do not say
RPPS, FINESS, LOINC, TA_ASIP = (
    "1.2.250.1.71.4.2.1",
    "1.2.250.1.71.4.2.2",
    "2.16.840.1.113883.6.1",
    "1.2.250.1.213.1.1.4.322",
)
SNOMED, NCIT = "2.16.840.1.113883.6.96", "2.16.840.1.113883.3.26.1.1"
INS_NIR = "1.2.250.1.213.1.4.8"
RRC = ("8301", "ONCAUVERGNE")  # the network's national id and acronym
ZIP_TIME = (2015, 1, 1, 0, 0, 0)  # members' timestamp: the same seed gives the same bytes

# the volets' codes for the DCC's values
CASE_STATUS = {"enregistre": ("ORG-128", "Cas enregistré"), "discute": ("ORG-134", "Cas discuté")}
PHASE = {
    "premier_episode": ("MED-268", "Premier épisode du cancer"),
    "rechute": ("MED-244", "Rechute du cancer"),
}
WHO = ["MED-240", "MED-264", "MED-265", "MED-266", "MED-267"]
QUORUM = {
    "met": ("ORG-126", "Quorum atteint"),
    "not_met": ("ORG-133", "Quorum non atteint"),
    "unknown": ("GEN-010", "Inconnu"),
}
STATUS = {"brouillon": ("385651009", "en cours d'exécution"), "valide": ("9571008", "approuvé")}
# every RCP of the demo is about organs, a multi-organ one too ("Appareil - Organe(s)"); the
# volet's other nature, ORG-132, is a cross-cutting RCP (supportive care...), about no organ
NATURE = ("ORG-117", "RCP Appareil - Organes")


@cache  # the same codes and labels fill every document
def _a(value: object) -> str:
    return quoteattr(str(value))


def _t(value: object) -> str:
    return escape(str(value))


def _ts(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S") + "+0100"
    return value.strftime("%Y%m%d")


@cache
def _code(tag: str, code: str, system: str, label: str, extra: str = "") -> str:
    return f"<{tag} code={_a(code)} codeSystem={_a(system)} displayName={_a(label)}{extra}/>"


def _obs(code: str, label: str, value: str, system: str = TA_ASIP) -> str:
    """An FR-Simple-Observation."""
    return (
        '<observation classCode="OBS" moodCode="EVN">'
        '<templateId root="1.3.6.1.4.1.19376.1.5.3.1.4.13"/>'
        '<templateId root="1.2.250.1.213.1.1.3.48"/>'
        f"{_code('code', code, system, label)}"
        f'<statusCode code="completed"/>{value}</observation>'
    )


def _observation(code: str, label: str, value: str, system: str = TA_ASIP) -> str:
    """An FR-Simple-Observation as an entry of its section."""
    return f"<entry>{_obs(code, label, value, system)}</entry>"


def _bool(value: bool | None) -> str:
    if value is None:
        return '<value xsi:type="BL" nullFlavor="NI"/>'
    return f'<value xsi:type="BL" value="{"true" if value else "false"}"/>'


def _cd(code: str, system: str, label: str) -> str:
    return _code("value", code, system, label, ' xsi:type="CD"')


def _section(code: str, label: str, template: str, entries: str) -> str:
    return (
        f'<component><section><templateId root="{template}"/>'
        f"{_code('code', code, LOINC, label)}<title>{_t(label)}</title>"
        f"<text>{_t(label)}</text>{entries}</section></component>"
    )


class _Lookup:
    """The share's rows, by key, for writing documents one at a time."""

    def __init__(self, ds: Dataset, share: Share) -> None:
        ref = ds.reference
        spec = ref.specialties
        self.specialty = {
            r["specialty"]: (r["cda_code"], r["cda_system"], r["cda_label"], r["is_physician"])
            for r in spec.iter_rows(named=True)
        }
        self.organ = {
            r["organ"]: (r["cda_code"], r["cda_label"]) for r in ref.organs.iter_rows(named=True)
        }
        self.treatment = {r["treatment"]: r for r in ref.treatments.iter_rows(named=True)}
        self.establishment = {
            r["finess"]: (r["name"], r["town"]) for r in ref.establishments.iter_rows(named=True)
        }
        self.c3 = {r["c3_id"]: r["name"] for r in share.c3.iter_rows(named=True)}
        self.entity = {r["entity_id"]: r for r in share.entities.iter_rows(named=True)}
        coordinators = (
            share.participants.filter(pl.col("slot") >= 0)
            .sort("entity_id", "slot", "rank", "prof_id")
            .group_by("entity_id", maintain_order=True)
            .agg(pl.col("prof_id").first())
        )
        self.coordinator = dict(
            zip(coordinators["entity_id"], coordinators["prof_id"], strict=True)
        )
        self.prof = {r["prof_id"]: r for r in share.professionals.iter_rows(named=True)}
        self.identity = {
            (r["patient_id"], r["finess"]): r for r in share.identities.iter_rows(named=True)
        }
        self.attendance: dict[int, list[tuple[int, str]]] = {}
        for r in share.attendance.sort("session_id", "prof_id").iter_rows(named=True):
            self.attendance.setdefault(r["session_id"], []).append(
                (r["prof_id"], r["attendance_mode"])
            )
        self.proposals: dict[int, list[str]] = {}
        for r in share.proposals.sort("fiche_id", "treatment").iter_rows(named=True):
            self.proposals.setdefault(r["fiche_id"], []).append(r["treatment"])
        self.phases: dict[int, list[dict[str, Any]]] = {}
        for r in share.pps_phases.sort("pps_id", "phase_no").iter_rows(named=True):
            self.phases.setdefault(r["pps_id"], []).append(r)
        self.rules = ds.rules
        self.quorum: dict[tuple[int, str | None], str] = {}
        self.people: dict[tuple[int, str, str | None], str] = {}

    def stated_quorum(self, session_id: int, organ: str | None, day: date) -> str:
        """The quorum the DCC states on the fiche: the network's rule for the organ, on the
        physicians it recorded at the session."""
        key = (session_id, organ)
        if key not in self.quorum:
            attendees = []
            for prof_id, mode in self.attendance.get(session_id, []):
                p = self.prof[prof_id]
                if not self.specialty[p["specialty"]][3]:
                    continue
                specs = tuple(s for s in (p["specialty"], p["specialty_2"]) if s)
                attendees.append(Attendee(str(prof_id), specs, mode))
            rule = rule_for(self.rules, organ, day)
            self.quorum[key] = evaluate(rule, attendees).status
        return self.quorum[key]

    def person(self, prof_id: int, tag: str, specialty: str | None = None) -> str:
        """An assignedEntity / associatedEntity / assignedAuthor: RPPS, profession/savoir-faire
        (JDV_J01) and name."""
        key = (prof_id, tag, specialty)
        if key not in self.people:
            self.people[key] = self._person(prof_id, tag, specialty)
        return self.people[key]

    def _person(self, prof_id: int, tag: str, specialty: str | None) -> str:
        p = self.prof[prof_id]
        code, system, label, _ = self.specialty[specialty or p["specialty"]]
        person = "assignedPerson" if tag != "associatedEntity" else "associatedPerson"
        return (
            f'<{tag}><id root="{RPPS}" extension="8{p["rpps"]}"/>'
            f"{_code('code', code, system, label)}"
            f"<{person}><name><family>{_t(p['last_name'].upper())}</family>"
            f"<given>{_t(p['first_name'])}</given></name></{person}></{tag}>"
        )

    def patient(self, patient_id: int, finess: str) -> str:
        """recordTarget: INS-NIR when known, the IPP with its establishment's OID, and that
        establishment's FINESS."""
        i = self.identity[(patient_id, finess)]
        ids = f'<id root="{INS_NIR}" extension={_a(i["ins"])}/>' if i["ins"] else ""
        ids += f'<id root="{IPP}.{finess}" extension={_a(i["ipp"])}/>'
        addr = f"<addr><county>{_t(i['commune_code'])}</county></addr>" if i["commune_code"] else ""
        name, _town = self.establishment.get(finess, (finess, ""))
        return (
            f"<recordTarget><patientRole>{ids}{addr}<patient><name>"
            f'<family qualifier="BR">{_t(i["last_name"].upper())}</family>'
            f'<given qualifier="BR">{_t(i["first_name"])}</given></name>'
            f'<administrativeGenderCode code="{i["sex"]}" codeSystem="2.16.840.1.113883.5.1"/>'
            f'<birthTime value="{_ts(i["birth_date"])}"/></patient>'
            f'<providerOrganization><id root="{FINESS}" extension="1{finess}"/>'
            f"<name>{_t(name)}</name></providerOrganization></patientRole></recordTarget>"
        )

    def organisation(self, tag: str, finess: str) -> str:
        name, _town = self.establishment.get(finess, (finess, ""))
        return f'<{tag}><id root="{FINESS}" extension="1{finess}"/><name>{_t(name)}</name></{tag}>'


HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ClinicalDocument xmlns="urn:hl7-org:v3" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<realmCode code="FR"/><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>'
    '<templateId root="2.16.840.1.113883.2.8.2.1"/><templateId root="1.2.250.1.213.1.1.1.1"/>'
)


def fiche_document(lk: _Lookup, fiche: dict[str, Any], version: dict[str, Any], quorum: str) -> str:
    """One version of a Fiche RCP."""
    e = lk.entity[fiche["entity_id"]]
    start: datetime = fiche["session_start"]
    c3 = lk.c3[e["c3_id"]]
    label = f"{RRC[1]} / {c3} / {e['name']}"
    place, town = lk.establishment.get(e["finess"], (e["finess"], ""))
    coordinator = lk.coordinator.get(e["entity_id"])
    identity = lk.identity[(fiche["patient_id"], fiche["finess"])]
    author = version["validated_by"] or fiche["requesting_prof_id"] or coordinator
    out = [
        HEAD,
        '<templateId root="1.2.250.1.213.1.1.1.8" extension="2022.01"/>',
        f'<id root="{DOCUMENT}" extension="{fiche["fiche_id"]}-{version["version"]}"/>',
        _code("code", "34794-8", LOINC, "CR de réunion de concertation pluridisciplinaire"),
        f"<title>FRCP {_t(label)}</title>",
        f'<effectiveTime value="{_ts(version["saved_at"])}"/>',
        '<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>',
        '<languageCode code="fr-FR"/>',
        f'<setId root="{FICHE}" extension="{fiche["fiche_id"]}"/>',
        f'<versionNumber value="{version["version"]}"/>',
        lk.patient(fiche["patient_id"], fiche["finess"]),
    ]
    if author is not None:
        out.append(
            f'<author><time value="{_ts(version["saved_at"])}"/>'
            f"{lk.person(author, 'assignedAuthor')}</author>"
        )
    out.append(
        "<custodian><assignedCustodian>"
        f"{lk.organisation('representedCustodianOrganization', e['finess'])}"
        "</assignedCustodian></custodian>"
    )
    if version["status"] == "valide":
        signer = (
            lk.person(version["validated_by"], "assignedEntity")
            if version["validated_by"] is not None
            else '<assignedEntity><id nullFlavor="UNK"/></assignedEntity>'
        )
        out.append(
            f'<legalAuthenticator><time value="{_ts(version["validated_at"])}"/>'
            f'<signatureCode code="S"/>{signer}</legalAuthenticator>'
        )
    if coordinator is not None:
        out.append(
            '<participant typeCode="RESP"><functionCode nullFlavor="NA"/>'
            f"{lk.person(coordinator, 'associatedEntity')}</participant>"
        )
    if fiche["requesting_prof_id"] is not None:
        out.append(
            '<participant typeCode="REFB"><functionCode nullFlavor="NA"/>'
            f"{lk.person(fiche['requesting_prof_id'], 'associatedEntity')}</participant>"
        )
    if identity["gp_id"] is not None:
        out.append(
            '<participant typeCode="INF">'
            '<functionCode code="PCP" codeSystem="2.16.840.1.113883.5.88" '
            'displayName="Médecin traitant"/>'
            f"{lk.person(identity['gp_id'], 'associatedEntity')}</participant>"
        )
    out += _participants(lk, fiche["session_id"])
    out.append(
        '<documentationOf><serviceEvent classCode="ACT">'
        '<code code="39" codeSystem="1.2.250.1.213.3.3.13" '
        'displayName="Réunion de Concertation Pluridisciplinaire (RCP)">'
        f"<originalText>{_t(label)}</originalText></code>"
        f'<effectiveTime><low value="{_ts(start)}"/></effectiveTime></serviceEvent>'
        "</documentationOf>"
    )
    if fiche["icd10"]:
        out.append(
            '<documentationOf><serviceEvent classCode="ACT">'
            f"{_code('code', fiche['icd10'], '2.16.840.1.113883.6.3', 'Topographie')}"
            "</serviceEvent></documentationOf>"
        )
    out.append(
        "<componentOf><encompassingEncounter>"
        f'<id root="1.2.250.1.161.1.20.1.1" extension="{RRC[0]}"/>'
        f'<id root="1.2.250.1.161.1.20.2.1" extension={_a(e["c3_id"])}/>'
        f'<id root="1.2.250.1.161.1.20.3.1" extension={_a(e["entity_code"])}/>'
        f'<id root="1.2.250.1.213.1.1.9" extension="{fiche["session_id"]}"/>'
        '<code code="VR" codeSystem="2.16.840.1.113883.5.4" '
        'displayName="Virtuelle (RCP en l\'absence du patient)"/>'
        f'<effectiveTime><low value="{_ts(start)}"/></effectiveTime>'
        f'<location><healthCareFacility><id root="{FINESS}" extension="1{e["finess"]}"/>'
        f"<location><name>{_t(place)}</name><addr><city>{_t(town)}</city></addr></location>"
        "</healthCareFacility></location></encompassingEncounter></componentOf>"
    )
    out.append("<component><structuredBody>")
    out.append(_body(lk, fiche, version, e, quorum))
    out.append("</structuredBody></component></ClinicalDocument>\n")
    return "".join(out)


def _participants(lk: _Lookup, session_id: int) -> list[str]:
    """The session's attendance: members of the quorum (353) present or by video, a written
    opinion outside it (CORRE), each specialty of a physician in its own participant."""
    out = []
    for prof_id, mode in lk.attendance.get(session_id, []):
        p = lk.prof[prof_id]
        function = (
            '<functionCode code="CORRE" codeSystem="1.2.250.1.213.1.1.4.2.280" '
            'displayName="Correspondant">'
            if mode == "avis_ecrit"
            else '<functionCode code="353" codeSystem="1.2.250.1.213.1.6.1.107" '
            'displayName="Membre de l\'équipe de soins">'
        )
        if mode == "visio":
            function += _code("translation", "VISIO", LOCAL, "Présent par visioconférence")
        elif mode == "avis_ecrit":
            function += _code("translation", "AVIS_ECRIT", LOCAL, "Avis écrit")
        function += "</functionCode>"
        for specialty in (s for s in (p["specialty"], p["specialty_2"]) if s):
            out.append(
                f'<participant typeCode="PRF">{function}'
                f"{lk.person(prof_id, 'associatedEntity', specialty)}</participant>"
            )
    return out


def _body(
    lk: _Lookup, fiche: dict[str, Any], version: dict[str, Any], e: dict[str, Any], quorum: str
) -> str:
    reason = [
        _observation("GEN-098", "Nature de la discussion", _cd(NATURE[0], TA_ASIP, NATURE[1])),
        _observation("ORG-184", "RCP de recours", _bool(bool(e["recours"]))),
        _observation("ORG-114", "Proposition de traitement", _bool(True)),
        _observation(
            "ORG-127",
            "Statut du cas présenté",
            _cd(*_pair(CASE_STATUS[fiche["case_status"]], TA_ASIP)),
        ),
    ]
    if fiche["organ"] is not None:
        code, label = lk.organ[fiche["organ"]]
        reason.append(_observation("ORG-118", "Appareil concerné", _cd(code, SNOMED, label)))
    tnm = "".join(
        f'<entryRelationship typeCode="SPRT">'
        f'<observation classCode="OBS" moodCode="EVN">{_code("code", c, LOINC, n)}'
        f"{_cd(v, '2.16.840.1.113883.15.6', v)}</observation></entryRelationship>"
        for c, n, v in (
            ("21905-5", "TNM Clinique T", fiche["tnm_t"]),
            ("21906-3", "TNM Clinique N", fiche["tnm_n"]),
            ("21907-1", "TNM Clinique M", fiche["tnm_m"]),
        )
        if v is not None
    )
    diagnosis = (
        '<entry><act classCode="ACT" moodCode="EVN"><code nullFlavor="NA"/>'
        '<entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">'
        '<templateId root="1.2.250.1.213.1.1.3.113"/>'
        f"{_code('code', '282291009', SNOMED, 'interprétation diagnostique')}"
        f"{_cd(fiche['morphology'], '2.16.840.1.113883.6.43.1', 'Morphologie')}"
        f"{tnm}</observation></entryRelationship></act></entry>"
    )
    who = _observation(
        "MED-239", "Echelle de performance OMS", _cd(WHO[fiche["who_ps"]], TA_ASIP, "OMS")
    )
    phase = _observation("MED-243", "Phase du cancer", _cd(*_pair(PHASE[fiche["phase"]], TA_ASIP)))
    stated = QUORUM[quorum]
    status = (
        '<entry><organizer classCode="CLUSTER" moodCode="EVN">'
        f"{_code('code', 'GEN-099', TA_ASIP, 'Information RCP')}"
        '<statusCode code="completed"/>'
        f"<component>{_obs('GEN-100', 'Dossier complet', _bool(True))}</component>"
        f"<component>{_obs('ORG-125', 'Quorum RCP', _cd(stated[0], TA_ASIP, stated[1]))}"
        "</component></organizer></entry>"
    )
    local = [
        _observation("PATIENT_INFORME", "Patient informé", _bool(fiche["patient_informed"]), LOCAL),
        _observation(
            "MODE_PRESENTATION",
            "Mode de présentation",
            _cd("VISIO", LOCAL, "Visioconférence")
            if fiche["mode"] == "visio"
            else _cd("PRESENTIEL", LOCAL, "Présentiel"),
            LOCAL,
        ),
        _observation(
            "PREMIERE_PRESENTATION",
            "Première présentation",
            _bool(fiche["first_presentation"]),
            LOCAL,
        ),
    ]
    if fiche["previous_fiche_id"] is not None:
        local.append(
            _observation(
                "FICHE_PRECEDENTE",
                "Fiche RCP précédente",
                f'<value xsi:type="II" root="{FICHE}" extension="{fiche["previous_fiche_id"]}"/>',
                LOCAL,
            )
        )
    if fiche["trial_id"] is not None:
        local.append(
            _observation(
                "ESSAI_PROPOSE",
                "Essai clinique proposé",
                f'<value xsi:type="ST">{_t(fiche["trial_id"])}</value>',
                LOCAL,
            )
        )
    plan = []
    for t in lk.proposals.get(fiche["fiche_id"], []):
        r = lk.treatment[t]
        if t == "surveillance":
            plan.append(
                '<entry><encounter classCode="ENC" moodCode="ARQ">'
                f"{_code('code', r['cda_frcp'], TA_ASIP, r['label'])}</encounter></entry>"
            )
        else:
            plan.append(
                '<entry><procedure classCode="PROC" moodCode="INT">'
                f"{_code('code', r['cda_frcp'], r['cda_frcp_system'], r['label'])}"
                "</procedure></entry>"
            )
    trial = _observation(
        "MED-250",
        "Proposition d'inclusion dans un essai clinique",
        _bool(fiche["trial_id"] is not None),
    )
    doc_status = _observation(
        "GEN-065", "Statut du document", _cd(*_pair(STATUS[version["status"]], SNOMED))
    )
    return "".join(
        [
            _section(
                "42349-1", "Raison de la recommandation", "1.2.250.1.213.1.1.2.128", "".join(reason)
            ),
            _section("72135-7", "Diagnostic du cancer", "1.2.250.1.213.1.1.2.27", diagnosis),
            _section("47420-5", "Évaluation du statut fonctionnel", "1.2.250.1.213.1.1.2.37", who),
            _section("18733-6", "Note de progression", "1.2.250.1.213.1.1.2.25", phase),
            _section(
                "21874-3",
                "Statut du dossier présenté en RCP",
                "1.2.250.1.213.1.1.2.171",
                status + "".join(local),
            ),
            _section("18776-5", "Plan de soins", "1.2.250.1.213.1.1.2.158", "".join(plan)),
            _section(
                "35510-7",
                "Essais cliniques - Informations générales",
                "1.2.250.1.213.1.1.2.175",
                trial,
            ),
            _section("33557-0", "Etat d'achèvement", "1.2.250.1.213.1.1.2.35", doc_status),
        ]
    )


def _pair(value: tuple[str, str], system: str) -> tuple[str, str, str]:
    return value[0], system, value[1]


def pps_document(lk: _Lookup, pps: dict[str, Any], fiche: dict[str, Any], validated: int) -> str:
    """A PPS, referring to the validated version of its fiche."""
    identity = lk.identity[(pps["patient_id"], pps["finess"])]
    responsible = pps["responsible_prof_id"] or identity["gp_id"]
    delivered: date = pps["delivered_date"]
    out = [
        HEAD,
        '<templateId root="1.2.250.1.213.1.1.1.26" extension="2022.01"/>',
        f'<id root="{DOCUMENT}" extension="pps-{pps["pps_id"]}-1"/>',
        _code("code", "18776-5", LOINC, "Plan personnalisé de soins"),
        "<title>PROGRAMME PERSONNALISÉ DE SOINS EN CANCÉROLOGIE</title>",
        f'<effectiveTime value="{_ts(delivered)}"/>',
        '<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>',
        '<languageCode code="fr-FR"/>',
        f'<setId root="{PPS}" extension="{pps["pps_id"]}"/><versionNumber value="1"/>',
        lk.patient(pps["patient_id"], pps["finess"]),
    ]
    if responsible is not None:
        out.append(
            f'<author><time value="{_ts(delivered)}"/>'
            f"{lk.person(responsible, 'assignedAuthor')}</author>"
        )
    out.append(
        "<custodian><assignedCustodian>"
        f"{lk.organisation('representedCustodianOrganization', pps['finess'])}"
        "</assignedCustodian></custodian>"
    )
    if pps["gp_id"] is not None:
        out.append(
            '<participant typeCode="INF">'
            '<functionCode code="PCP" codeSystem="2.16.840.1.113883.5.88" '
            'displayName="Médecin traitant"/>'
            f"{lk.person(pps['gp_id'], 'associatedEntity')}</participant>"
        )
    if pps["responsible_prof_id"] is not None:
        out.append(
            '<participant typeCode="PRF"><functionCode code="353" '
            'codeSystem="1.2.250.1.213.1.6.1.107" displayName="Membre de l\'équipe de soins"/>'
            f"{lk.person(pps['responsible_prof_id'], 'associatedEntity')}</participant>"
        )
    acts = []
    for ph in lk.phases.get(pps["pps_id"], []):
        if ph["phase_type"] == "annonce":  # the PPS's delivery is the announcement consultation
            continue
        r = lk.treatment[ph["phase_type"]]
        if r["cda_pps_act"] == "MED-568":
            kind = _code("value", r["cda_pps"], r["cda_pps_system"], r["label"])
            code = (
                f'<code code="MED-568" codeSystem="{TA_ASIP}" displayName="Traitement">'
                f"<qualifier>{kind}</qualifier></code>"
            )
        else:
            code = _code("code", r["cda_pps_act"], TA_ASIP, r["label"])
        acts.append(
            '<entry><procedure classCode="PROC" moodCode="INT">'
            '<templateId root="1.2.250.1.213.1.1.3.62"/>'
            f'{code}<statusCode code="active"/>'
            '<performer typeCode="PRF"><assignedEntity>'
            f"{lk.organisation('representedOrganization', ph['finess'])}"
            "</assignedEntity></performer>"
            '<entryRelationship typeCode="COMP"><observation classCode="OBS" moodCode="EVN">'
            f"{_code('code', 'GEN-177', TA_ASIP, 'Date(s) prévisionnelle(s)')}"
            f'<effectiveTime><low value="{_ts(ph["planned_start"])}"/>'
            f'<high value="{_ts(ph["planned_end"])}"/></effectiveTime>'
            "</observation></entryRelationship></procedure></entry>"
        )
    status = "".join(
        [
            _observation("GEN-065", "Statut du document", _cd("9571008", SNOMED, "approuvé")),
            _observation(
                "ORG-189",
                "Date de la RCP",
                f'<value xsi:type="TS" value="{_ts(fiche["session_start"].date())}"/>',
            ),
            _observation(
                "GEN-178",
                "Date de remise du document au patient",
                f'<value xsi:type="TS" value="{_ts(delivered)}"/>',
            ),
        ]
    )
    reference = (
        '<entry><act classCode="ACT" moodCode="EVN"><templateId root="1.2.250.1.213.1.1.3.35"/>'
        '<code nullFlavor="NA"/><reference typeCode="REFR"><externalDocument classCode="DOC">'
        f'<id root="{DOCUMENT}" extension="{fiche["fiche_id"]}-{validated}"/>'
        f"{_code('code', '34794-8', LOINC, 'CR de réunion de concertation pluridisciplinaire')}"
        f'<setId root="{FICHE}" extension="{fiche["fiche_id"]}"/>'
        f'<versionNumber value="{validated}"/></externalDocument></reference></act></entry>'
    )
    out.append("<component><structuredBody>")
    out.append(_section("18776-5", "Plan de soins", "1.2.250.1.213.1.1.2.158", "".join(acts)))
    out.append(_section("33557-0", "Etat d'achèvement", "1.2.250.1.213.1.1.2.35", status))
    out.append(_section("55107-7", "Documents référencés", "1.2.250.1.213.1.1.2.55", reference))
    out.append("</structuredBody></component></ClinicalDocument>\n")
    return "".join(out)


def documents(ds: Dataset, share: Share) -> Iterator[tuple[int, str, str]]:
    """(year, name in the zip, XML) of every document of the share: each version of each live
    fiche, then each PPS."""
    lk = _Lookup(ds, share)
    fiches = share.fiches.filter(~pl.col("deleted")).sort("fiche_id")
    by_id = {r["fiche_id"]: r for r in fiches.iter_rows(named=True)}
    versions = share.versions.join(fiches.select("fiche_id"), on="fiche_id").sort(
        "fiche_id", "version"
    )
    validated: dict[int, int] = {}
    for v in versions.iter_rows(named=True):
        f = by_id[v["fiche_id"]]
        if v["status"] == "valide":
            validated[f["fiche_id"]] = v["version"]
        day = f["session_start"].date()
        quorum = lk.stated_quorum(f["session_id"], f["organ"], day)
        yield (
            day.year,
            f"frcp/{f['fiche_id']:08d}-v{v['version']}.xml",
            fiche_document(lk, f, v, quorum),
        )
    for p in share.pps.sort("pps_id").iter_rows(named=True):
        fiche = by_id.get(p["fiche_id"])
        if fiche is None or p["fiche_id"] not in validated:
            continue
        yield (
            fiche["session_start"].year,
            f"pps/{p['pps_id']:08d}.xml",
            pps_document(lk, p, fiche, validated[p["fiche_id"]]),
        )


def write_all(ds: Dataset, folder: Path) -> list[Path]:
    """One zip per 3C whose DCC exports CDA and per year; the folder exists even when empty (a
    region whose CDA 3C went into its database twin)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for c3 in ds["c3"].filter(pl.col("source_kind") == KIND).iter_rows(named=True):
        share = share_of(ds, KIND, c3["c3_id"])
        archives: dict[int, zipfile.ZipFile] = {}
        try:
            for year, name, text in documents(ds, share):
                if year not in archives:
                    path = folder / f"{c3['c3_id']}_{year}.zip"
                    archives[year] = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
                    written.append(path)
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archives[year].writestr(info, text.encode("utf-8"))
        finally:
            for archive in archives.values():
                archive.close()
    return sorted(written)
