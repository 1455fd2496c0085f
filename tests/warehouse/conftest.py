"""A warehouse built once per test worker from the small demo region."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.pipelines.conftest import build_warehouse
from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the demo region's stores, the warehouse folder built from them)."""
    root = tmp_path_factory.mktemp("built")
    return root / "demo", build_warehouse(root / "demo", root / "wh")


@pytest.fixture(scope="session")
def built_warehouse(built_paths: tuple[Path, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = Warehouse(built_paths[1]).connect()
    yield con
    con.close()
