"""The small demo region's warehouse (tests/conftest.py), read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_dir(small_warehouse: Path) -> Path:
    """The folder of the built warehouse; its demo stores are in `demo/` beside it."""
    return small_warehouse


@pytest.fixture(scope="session")
def built_paths(small_warehouse: Path) -> tuple[Path, Path]:
    """(the demo region's stores, the warehouse folder built from them)."""
    return small_warehouse.parent / "demo", small_warehouse


@pytest.fixture(scope="session")
def built_warehouse(built_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = Warehouse(built_dir).connect()
    yield con
    con.close()
