"""One small warehouse for every audit test (session-scoped), an access database and a draws
folder per test, and the principals that act."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from access.policy import Principal, acting_as


@pytest.fixture(scope="session")
def warehouse(small_warehouse: Path) -> Path:
    return small_warehouse


@pytest.fixture(autouse=True)
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RRC_ACCESS_DB", str(tmp_path / "access.sqlite"))
    monkeypatch.setenv("RRC_AUDITS_DIR", str(tmp_path / "audits"))
    return tmp_path / "audits"


@pytest.fixture
def admin() -> Iterator[Principal]:
    with acting_as(Principal.of("a1", "admin")) as p:
        yield p


@pytest.fixture
def c3_user() -> Iterator[Principal]:
    """Staff of 3C C3-01, without nominative rights (the shipped c3 role)."""
    with acting_as(Principal.of("c1", "c3", "C3-01")) as p:
        yield p


def nominative_c3(c3: str = "C3-01") -> Principal:
    """Staff of a 3C whose agreement with the network grants nominative rights."""
    base = Principal.of("n1", "c3", c3)
    return replace(base, role=replace(base.role, name="c3_nominatif", nominative=True))
