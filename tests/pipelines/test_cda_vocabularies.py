"""The value sets shipped with the CDA mapping: every code of every value set a field names is
translated into the warehouse's vocabularies (or deliberately not), and into codes those
vocabularies know; a broken mapping or a missing value set is refused with a clear message."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from pipelines.config import load_mapping
from pipelines.extract import cda, valuesets
from rrc.errors import ConfigError
from rrc.settings import PROJECT_ROOT, load_toml
from tests.pipelines import cda_support
from tests.pipelines.cda_support import MAPPING

# codes of a value set that no network RCP stands for: quarantined as unknown, on purpose
UNTRANSLATED = {
    ("apparatus", "81745001"),  # œil
    # producers of documents that are no person (code system 1.2.250.1.213.1.1.4.6)
    *(
        ("specialty", code)
        for code in (
            "ALIM_AM",
            "AUTOMATE",
            "DISPOSITIF",
            "EXP_PATIENT",
            "LOGICIEL_DUI",
            "SECRETARIAT_MEDICAL",
            "SNR",
        )
    ),
}
VOCABULARY = {"organ": "organs", "treatment": "treatments", "pps_phase": "treatments"}


def _translated() -> list[tuple[str, str, str, str]]:
    """(table, column, value set, code set) of every column read through both."""
    mapping = load_mapping(MAPPING)
    out = []
    for e in mapping.entities:
        table = mapping.tables[e.table]
        for spec in e.columns.values():
            if isinstance(spec, dict) and "codes" in spec and spec["column"] in table.valuesets:
                out.append(
                    (e.table, spec["column"], table.valuesets[spec["column"]], spec["codes"])
                )
    return sorted(set(out))


def test_the_checked_columns_are_the_ones_the_issue_names() -> None:
    assert {(t, c) for t, c, _, _ in _translated()} == {
        ("fiche", "apparatus"),
        ("fiche", "case_status"),
        ("fiche", "doc_status"),
        ("fiche", "nature"),
        ("fiche", "phase"),
        ("fiche", "stated_quorum"),
        ("fiche", "who_ps"),
        ("fiche_proposal", "treatment"),
        ("fiche_professional", "specialty"),
    }


@pytest.mark.parametrize(("table", "column", "valueset", "codeset"), _translated())
def test_every_code_of_the_value_set_is_translated(
    table: str, column: str, valueset: str, codeset: str
) -> None:
    concepts = valuesets.load(valueset).concepts
    codes = load_mapping(MAPPING).codes[codeset]
    missing = {c for c in concepts if c not in codes and (column, c) not in UNTRANSLATED}
    assert missing == set(), f"{valueset}: codes without a line in [codes.{codeset}]"
    assert set(codes) <= set(concepts), f"[codes.{codeset}] names codes {valueset} does not have"


@pytest.mark.parametrize("codeset", sorted(VOCABULARY))
def test_translations_land_in_the_warehouse_vocabularies(codeset: str) -> None:
    path = PROJECT_ROOT / "config" / "vocabulary" / f"{VOCABULARY[codeset]}.csv"
    with path.open(encoding="utf-8") as fh:
        known = {r["code"] for r in csv.DictReader(line for line in fh if not line.startswith("#"))}
    assert set(load_mapping(MAPPING).codes[codeset].values()) <= known


def test_specialties_land_in_the_specialties_vocabulary() -> None:
    path = PROJECT_ROOT / "config" / "vocabulary" / "specialties.csv"
    with path.open(encoding="utf-8") as fh:
        known = {r["code"] for r in csv.DictReader(line for line in fh if not line.startswith("#"))}
    assert set(load_mapping(MAPPING).codes["specialty"].values()) <= known


def test_every_specialty_a_quorum_rule_names_has_its_rpps_savoir_faire() -> None:
    rules = load_toml("quorum_rules.toml")["rule"]
    named = {s for r in rules for group in r["required"] for s in group}
    codes = load_mapping(MAPPING).codes["specialty"]
    assert named - set(codes.values()) == set()
    # as the agency's examples and the RPPS label them
    assert {c: codes[c] for c in ("G15_10/SM36", "G15_10/SM45", "G15_10/SM21", "G15_10/SM26")} == {
        "G15_10/SM36": "oncologie_medicale",
        "G15_10/SM45": "radiotherapie",
        "G15_10/SM21": "hematologie",
        "G15_10/SM26": "medecine_generale",
    }


def _config_copy(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    (config / "mappings").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "config" / "vocabulary", config / "vocabulary")
    shutil.copy(MAPPING, config / "mappings" / MAPPING.name)
    return config / "mappings" / MAPPING.name


def test_a_bad_xpath_is_refused_naming_its_table_and_column(tmp_path: Path) -> None:
    path = _config_copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('version = "hl7:versionNumber/@value"', 'version = "hl7:versionNumber/@"', 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"frcp_cda.toml, table fiche, column version: XPath"):
        [cda._Table.compile(s, path) for s in load_mapping(path).tables.values()]


def test_a_missing_value_set_is_refused_naming_it(tmp_path: Path) -> None:
    path = _config_copy(tmp_path)
    (path.parent.parent / "vocabulary" / "cda" / "JDV_StatutQuorum_CISIS.xml").unlink()
    with pytest.raises(ConfigError, match="value set JDV_StatutQuorum_CISIS not found"):
        [cda._Table.compile(s, path) for s in load_mapping(path).tables.values()]


def test_a_code_table_whose_csv_lacks_its_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = _config_copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('column = "specialty"', 'column = "specialite"'), "utf-8")
    with pytest.raises(ConfigError, match=r"\[codes.specialty\]: specialites_cisis.csv needs"):
        load_mapping(path)


def test_an_xpath_naming_an_undeclared_let_is_refused(tmp_path: Path) -> None:
    path = _config_copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('obs_status = "', 'obs_statut = "', 1), "utf-8")
    with pytest.raises(ConfigError, match=r"must be declared in \[tables.fiche.let\]"):
        cda.compile_mapping(cda_support.source(tmp_path, mapping=path))


def test_a_mapping_laid_over_another_adds_its_columns_codes_and_lets() -> None:
    mapping = load_mapping(MAPPING, MAPPING.with_name("frcp_cda_dcc.toml"))
    fiche = mapping.tables["fiche"]
    assert {"set_id", "stated_quorum", "patient_informed", "trial_id"} <= set(fiche.paths or {})
    assert {"obs_status", "obs_dcc"} <= set(fiche.let)
    assert len(fiche.rules) == len(load_mapping(MAPPING).tables["fiche"].rules)
    assert mapping.codes["participation"]["CORRE^AVIS_ECRIT"] == "avis_ecrit"
    assert mapping.codes["specialty"]["G15_10/SM36"] == "oncologie_medicale"
