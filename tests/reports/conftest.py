"""The small demo warehouse (2013, tests/conftest.py) and the reports produced from it (ARS, 3C,
the network's activity), once per session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reports.generate import Produced, produce

C3 = "C3-01"


@dataclass(frozen=True)
class Reports:
    warehouse: Path
    access_db: Path
    ars: Produced
    c3: Produced
    activite: Produced


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory, small_warehouse: Path) -> Iterator[Reports]:
    root = tmp_path_factory.mktemp("reports")
    warehouse = small_warehouse
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RRC_ACCESS_DB", str(root / "access.sqlite"))
        ars = produce(warehouse, "ars", 2013, root / "out")
        c3 = produce(warehouse, "3c", 2013, root / "out", C3)
        activite = produce(warehouse, "activite", 2013, root / "out")
        yield Reports(warehouse, root / "access.sqlite", ars, c3, activite)


@pytest.fixture
def access_db(reports: Reports, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's access database, for a test that reads the audit trail or adds to it."""
    monkeypatch.setenv("RRC_ACCESS_DB", str(reports.access_db))
    return reports.access_db
