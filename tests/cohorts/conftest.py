"""One small warehouse for every cohort test (session-scoped), an access database per test, and
literal definitions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from access.policy import Principal, acting_as
from cohorts.definition import Definition, from_dict

# breast cancers of women in the first half of 2013, a realistic protocol's criteria in order
BREAST = {
    "name": "Sein, femmes de 50 à 74 ans, premier semestre 2013",
    "criteria": {
        "organ": ["sein"],
        "period": {"start": "2013-01-01", "end": "2013-06-30"},
        "sex": "F",
        "age": {"min": 50, "max": 74},
        "treatment": ["chirurgie"],
        "quorum": ["met"],
        "trial_inclusion": False,
    },
}
# the other criteria: ICD-10, department, 3C, stage, registered/discussed, trial proposed
DIGESTIVE = {
    "name": "Côlon-rectum non métastatiques discutés",
    "criteria": {
        "icd10": ["C18", "C19", "C20"],
        "department": ["03", "63"],
        "c3": ["C3-01", "C3-02", "C3-03", "C3-04", "C3-05"],
        "stage": {"m": ["M0"], "n": ["N0", "N1"]},
        "case_status": ["discute"],
        "trial_proposed": False,
    },
}


@pytest.fixture(scope="session")
def warehouse(small_warehouse: Path) -> Path:
    return small_warehouse


@pytest.fixture(autouse=True)
def access_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.sqlite"
    monkeypatch.setenv("RRC_ACCESS_DB", str(path))
    return path


@pytest.fixture
def researcher() -> Iterator[Principal]:
    with acting_as(Principal.of("r1", "researcher")) as p:
        yield p


@pytest.fixture
def breast() -> Definition:
    return from_dict(BREAST)


@pytest.fixture
def digestive() -> Definition:
    return from_dict(DIGESTIVE)
