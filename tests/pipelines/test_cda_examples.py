"""The agency's own example Fiche RCP and PPS (ANS CI-SIS, unchanged) read to every field the
platform needs. Each expected value was read by hand in the example's XML."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.pipelines.cda_support import FRCP, PPS, Loaded, load, rows

FRCP_SET_ID = "1.2.250.1.213.1.1.1.8.2022.1"
PPS_SET_ID = "1.2.250.1.213.1.1.1.26.2022.1"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cda")
    shutil.copy(FRCP, folder)
    shutil.copy(PPS, folder)
    return folder


@pytest.fixture(scope="module")
def loaded(examples: Path) -> Loaded:
    return load(examples)


def test_the_fiche_rcp_is_read_field_by_field(loaded: Loaded) -> None:
    con, _, _ = loaded
    [fiche] = rows(
        con, 'SELECT * EXCLUDE (_load_id, _source, _extracted_at) FROM raw."frcp__fiche"'
    )
    assert fiche == {
        # identity and version of the document
        "set_id": FRCP_SET_ID,
        "version": "1",
        "document_date": "20190218094914",
        "title": "FRCP ONCO PAYS DE LA LOIRE / 3C CHU Angers / Sein",
        # RRC / 3C / RCP: names (documentationOf/serviceEvent) and national identifiers
        "rcp_label": "ONCO PAYS DE LA LOIRE / 3C CHU Angers / Sein",
        "rrc_name": "ONCO PAYS DE LA LOIRE",
        "c3_name": "3C CHU Angers",
        "rcp_name": "Sein",
        "rrc_id": "5201",
        "c3_id": "520114",
        "rcp_id": "27011113",
        "session_id": "234567890",
        "session_key": "27011113^20190218",
        # session date and place: the establishment's FINESS is 1120456789 less its "1"
        "rcp_start": "20190218171100",
        "rcp_date": "20190218",
        "finess": "120456789",
        "place": "Centre Hospitalier d'Angers",
        "place_city": "ANGERS",
        # patient: INS-NIR (test OID), IPP with the establishment's OID, birth names
        "ins": "279035121518989",
        "ins_oid": "1.2.250.1.213.1.4.10",
        "ipp": "1234567890121",
        "ipp_oid": "1.2.3.4.567.8.9.10",
        # the identity: the IPP in its establishment, which the example names by the IPP's OID
        # only (no patientRole/providerOrganization with a FINESS)
        "identity_key": "1.2.3.4.567.8.9.10^1234567890121",
        "identity_finess": "1.2.3.4.567.8.9.10",
        "last_name": "PAT-TROIS",
        "first_name": "DOMINIQUE",
        "sex": "F",
        "birth_date": "19790328",
        "commune_code": None,  # the address has a postal code, no INSEE code
        # physicians: GP (Dr MAGNE), requester REFB and presenter PRF (Dr PRENT's id),
        # coordinator RESP and legal authenticator (Dr MULLER)
        "gp_key": "124789224582101",
        "requester_key": "801234567897",
        "presenter_key": "801234567897",
        "coordinator_key": "801234567897",
        "validator_key": "801234567897",
        "validated_at": "20190218094914",
        # type and reason: organ RCP (ORG-117), breast (SNOMED 76752008), not a recours RCP
        "nature": "ORG-117",
        "apparatus": "76752008",
        "organ_code": "76752008",
        "care_type": None,  # said by a cross-cutting RCP only
        "recours": "false",
        "reason_diagnosis": "true",
        "reason_treatment": "true",
        "case_status": "ORG-128",  # cas enregistré
        "reason": "Avis diagnostique; Proposition thérapeutique",  # not "Recours"
        # diagnosis: the topography written in ICD-10 (CIM-10, 2.16.840.1.113883.6.3)
        "icd10": "C50.2",
        "topography": "C50.2",
        "topography_system": "2.16.840.1.113883.6.3",
        "morphology": "8000/3",
        "tnm_t": "T1b",
        "tnm_n": "N1",
        "tnm_m": "M0",
        "who_ps": "MED-240",  # stade 0
        "phase": "MED-244",  # rechute
        # proposal, trial, state of the dossier
        "trial_proposed": "false",
        "stated_quorum": "ORG-126",  # quorum atteint
        "dossier_complete": "true",
        "doc_status": "385651009",  # en cours d'exécution
        "_file": "CANCER-FRCP_2022.01_Appareil.xml",
        "_row": 1,
        "_reject": None,
    }


def test_the_fiche_maps_to_the_canonical_entities_through_the_value_sets(loaded: Loaded) -> None:
    con, _, _ = loaded
    [version] = rows(
        con,
        "SELECT fiche_key, version, session_key, identity_key, requester_key, rcp_date, organ, "
        "icd10, morphology, tnm_t, tnm_n, tnm_m, who_ps, phase, reason, case_status, status, "
        "validated_at, validator_key, saved_at, rcp_nature, stated_quorum "
        "FROM mapped.fiche_version",
    )
    assert version == {
        "fiche_key": FRCP_SET_ID,
        "version": 1,
        "session_key": "27011113^20190218",
        "identity_key": "1.2.3.4.567.8.9.10^1234567890121",
        "requester_key": "801234567897",
        "rcp_date": dt.date(2019, 2, 18),
        "organ": "sein",
        "icd10": "C50.2",
        "morphology": "8000/3",
        "tnm_t": "T1b",
        "tnm_n": "N1",
        "tnm_m": "M0",
        "who_ps": 0,
        "phase": "rechute",
        "reason": "Avis diagnostique; Proposition thérapeutique",
        "case_status": "enregistre",
        "status": "brouillon",
        "validated_at": dt.datetime(2019, 2, 18, 9, 49, 14),
        "validator_key": "801234567897",
        "saved_at": dt.datetime(2019, 2, 18, 9, 49, 14),
        "rcp_nature": "organe",
        "stated_quorum": "met",
    }
    assert rows(
        con, "SELECT session_key, entity_key, entity_name, session_start FROM mapped.session"
    ) == [
        {
            "session_key": "27011113^20190218",
            "entity_key": "27011113",
            "entity_name": "Sein",
            "session_start": dt.datetime(2019, 2, 18, 17, 11),
        }
    ]
    # the treatment types proposed (Plan de soins): surveillance seule, radiothérapie, autre,
    # chimiothérapie; the request to pass to a recours RCP (ORG-120) is no treatment
    assert sorted(
        r[0] for r in con.execute("SELECT treatment FROM mapped.proposal").fetchall()
    ) == [
        "autre",
        "chimiotherapie",
        "radiotherapie",
        "surveillance",
    ]


def test_the_participants_and_their_specialties_feed_the_attendance(loaded: Loaded) -> None:
    con, _, rec = loaded
    # PRF members of the quorum (353: Dr PRENT and Dr DECOURT, who share one id in the
    # example) and outside it (CORRE: Dr MANON; Mme LILOU, known to neither RPPS nor ADELI)
    assert sorted(
        con.execute(
            "SELECT prof_key, function, specialty FROM raw.frcp__fiche_participant"
        ).fetchall(),
        key=str,
    ) == sorted(
        [
            ("801234567897", "353", "G15_10/SM45"),
            ("801234567897", "353", "G15_10/SM45"),
            ("124789224458877", "CORRE", "G15_10/SM21"),
            (None, "CORRE", None),
        ],
        key=str,
    )
    assert sorted(
        con.execute(
            "SELECT session_key, prof_key, attendance_mode FROM mapped.attendance"
        ).fetchall()
    ) == [
        ("27011113^20190218", "124789224458877", "present"),
        ("27011113^20190218", "801234567897", "present"),
    ]
    attendance = next(r for r in rec if r.entity == "attendance")
    assert (attendance.offered, attendance.loaded, attendance.skipped) == (3, 2, 1)
    specialties = con.execute(
        "SELECT DISTINCT prof_key, specialty FROM mapped.professional_specialty ORDER BY ALL"
    ).fetchall()
    assert specialties == [
        ("124789224458877", "hematologie"),
        ("124789224582101", "medecine_generale"),
        ("401234567890009", "oncologie_medicale"),
        ("801234567897", "oncologie_medicale"),
        ("801234567897", "radiotherapie"),
    ]
    # an RPPS is the identifier less its "8"; the author's "4…" identifier is no RPPS
    assert dict(
        con.execute("SELECT DISTINCT prof_key, rpps FROM mapped.professional").fetchall()
    ) == {
        "801234567897": "01234567897",
        "124789224458877": None,
        "124789224582101": None,
        "401234567890009": None,
    }


def test_the_pps_autopresentable_is_read_with_its_phases(loaded: Loaded) -> None:
    con, _, _ = loaded
    [pps] = rows(con, 'SELECT * EXCLUDE (_load_id, _source, _extracted_at) FROM raw."frcp__pps"')
    assert pps == {
        "set_id": PPS_SET_ID,
        "version": "1",
        # the first document referenced is the FRCP, named by its id (no setId given)
        "fiche_key": "1.2.3.4.567.8.9.10^FRCP-2021-00001-1",
        "ins": "279035121518989",
        "ipp": "1234567890121",
        "ipp_oid": "1.2.3.4.567.8.9.10",
        "identity_key": "1.2.3.4.567.8.9.10^1234567890121",
        "identity_finess": "1.2.3.4.567.8.9.10",
        "last_name": "PAT-TROIS",
        "first_name": "DOMINIQUE",
        "sex": "F",
        "birth_date": "19760531",
        "commune_code": None,
        "gp_key": "801234567897",
        "responsible_key": "801234567897",
        "rcp_date": "20210110",
        "delivered_date": "20210113",
        "doc_status": "9571008",  # approuvé
        "_file": "CANCER-PPS_2022.01_Autopresentable.xml",
        "_row": 1,
        "_reject": None,
    }
    phases = con.execute(
        "SELECT phase_no, phase_type, planned_start, planned_end FROM mapped.pps_phase "
        "ORDER BY phase_no"
    ).fetchall()
    d = dt.date
    assert phases == [
        (1, "radiotherapie", d(2019, 9, 1), d(2019, 10, 1)),
        (2, "chirurgie", d(2019, 9, 1), d(2019, 10, 1)),
        (3, "chimiotherapie", d(2019, 9, 1), d(2019, 10, 1)),
        (4, "autre", d(2019, 10, 1), d(2019, 11, 1)),
        (5, "soins_support", d(2019, 10, 11), d(2019, 11, 13)),
        (6, "autre", None, None),
        (7, "autre", None, None),
        (8, "surveillance", d(2019, 10, 10), d(2019, 11, 10)),
        (9, "soins_support", None, None),
        (10, "soins_support", d(2019, 10, 1), d(2019, 12, 31)),
        (11, "soins_support", d(2019, 10, 1), d(2019, 12, 31)),
        (12, "soins_support", d(2021, 1, 20), d(2021, 6, 20)),
        (13, "soins_support", d(2021, 1, 20), d(2021, 6, 20)),
    ]
    [mapped_pps] = rows(con, "SELECT pps_key, fiche_key, gp_key, delivered_date FROM mapped.pps")
    assert mapped_pps == {
        "pps_key": PPS_SET_ID,
        "fiche_key": "1.2.3.4.567.8.9.10^FRCP-2021-00001-1",
        "gp_key": "801234567897",
        "delivered_date": d(2021, 1, 13),
    }


def test_both_documents_load_whole_and_are_counted_per_file(loaded: Loaded) -> None:
    con, loads, rec = loaded
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    assert all(r.quarantined == 0 for r in rec)
    files = sorted((f.file, f.table, f.rows_read, f.rejected) for x in loads for f in x.files)
    assert files == [
        ("CANCER-FRCP_2022.01_Appareil.xml", "fiche", 1, 0),
        ("CANCER-PPS_2022.01_Autopresentable.xml", "pps", 1, 0),
    ]
