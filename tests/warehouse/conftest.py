"""A warehouse built once per test worker from the small demo region."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.pipelines.conftest import build_warehouse
from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the built warehouse; its demo stores are in `demo/` beside it."""
    root = tmp_path_factory.mktemp("built")
    return build_warehouse(root / "demo", root / "wh")


@pytest.fixture(scope="session")
def built_warehouse(built_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = Warehouse(built_dir).connect()
    yield con
    con.close()
