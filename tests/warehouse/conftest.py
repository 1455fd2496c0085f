"""The small demo region's warehouse (tests/conftest.py), read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_warehouse(small_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = Warehouse(small_warehouse).connect()
    yield con
    con.close()
