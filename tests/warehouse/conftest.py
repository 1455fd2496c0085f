"""A warehouse built once per test worker from the small demo region."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from tests.pipelines.conftest import build_warehouse
from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("built")
    con = Warehouse(build_warehouse(root / "demo", root / "wh")).connect()
    yield con
    con.close()
