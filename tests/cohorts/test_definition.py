"""Definitions: read from TOML and JSON, normalised, saved back; clear errors naming the
criterion at fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cohorts.definition import DefinitionError, from_dict, load, save
from tests.cohorts.conftest import BREAST, DIGESTIVE

TOML = """
name = "Sein 2013"
[criteria]
sex = "F"
organ = ["sein", "sein"]
period = { start = 2013-01-01, end = "2013-12-31" }
icd10 = ["c501", "C50.2"]
"""


def test_toml_keeps_the_order_and_normalises_values(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(TOML, encoding="utf-8")
    d = load(path)
    assert [c.name for c in d.criteria] == ["sex", "organ", "period", "icd10"]
    assert [c.value for c in d.criteria] == [
        ["F"],
        ["sein"],
        {"start": "2013-01-01", "end": "2013-12-31"},
        ["C50.1", "C50.2"],
    ]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_save_then_load_gives_the_same_definition(tmp_path: Path, suffix: str) -> None:
    for raw in (BREAST, DIGESTIVE):
        d = from_dict(raw)
        again = load(save(d, tmp_path / f"d{suffix}"))
        assert again == d
        assert again.canonical_json() == d.canonical_json()


def test_the_manifest_form_reads_back_in_order() -> None:
    d = from_dict(DIGESTIVE)
    assert from_dict(d.canonical()) == d


@pytest.mark.parametrize(
    ("criteria", "named", "says"),
    [
        ({"organe": ["sein"]}, "organe", "critère inconnu"),
        ({"organ": ["poumon"]}, "organ", "valeur inconnue 'poumon'"),
        ({"age": {"min": 80, "max": 50}}, "age", "dépasse max"),
        ({"age": {"min": "fifty"}}, "age", "min = 'fifty' n'est pas valide"),
        ({"age": {"from": 50}}, "age", "clé inconnue 'from'"),
        ({"period": {"start": "2013-13-01"}}, "period", "start = '2013-13-01' n'est pas valide"),
        ({"sex": "X"}, "sex", "valeur inconnue 'X'"),
        ({"sex": []}, "sex", "liste non vide"),
        ({"icd10": ["50C"]}, "icd10", "pas un code valide"),
        ({"stage": {"t": ["T9"]}}, "stage", "pas une catégorie T"),
        ({"stage": {"x": ["T1"]}}, "stage", "clés parmi t, n, m"),
        ({"trial_inclusion": "yes"}, "trial_inclusion", "true ou false"),
        ({"department": ["Allier"]}, "department", "pas un code valide"),
        ({"treatment": ["chimio"]}, "treatment", "valeur inconnue 'chimio'"),
    ],
)
def test_errors_name_the_criterion(criteria: dict, named: str, says: str) -> None:
    with pytest.raises(DefinitionError) as err:
        from_dict({"name": "x", "criteria": criteria})
    assert f"'{named}'" in str(err.value)
    assert says in str(err.value)


def test_errors_say_what_to_do() -> None:
    with pytest.raises(
        DefinitionError, match=re.escape("par exemple : age = { min = 50, max = 74 }")
    ):
        from_dict({"name": "x", "criteria": {"age": {"min": 80, "max": 50}}})
    with pytest.raises(DefinitionError, match="n'a pas de nom"):
        from_dict({"criteria": {"sex": "F"}})
    with pytest.raises(DefinitionError, match=r"la table \[criteria\] est vide"):
        from_dict({"name": "x", "criteria": {}})
    with pytest.raises(DefinitionError, match="apparaît deux fois"):
        from_dict({"name": "x", "criteria": [{"sex": "F"}, {"sex": "M"}]})


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"bad\.toml n\'est pas du TOML valide"):
        load(bad)
    with pytest.raises(DefinitionError, match="impossible de lire"):
        load(tmp_path / "missing.toml")
