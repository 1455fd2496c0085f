"""Warehouses built from the small demo region, with and without injected defects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.pipelines.conftest import build_warehouse
from warehouse.publish import Warehouse


@dataclass
class Built:
    con: duckdb.DuckDBPyConnection
    manifest: dict[str, Any]
    warehouse: Path


def _open(wh: Path) -> Built:
    manifest = (wh.parent / "demo" / "defects_manifest.json").read_text(encoding="utf-8")
    return Built(Warehouse(wh).connect(), json.loads(manifest), wh)


@pytest.fixture(scope="session")
def defective(small_warehouse: Path) -> Iterator[Built]:
    built = _open(small_warehouse)  # the region every other part's tests read too
    yield built
    built.con.close()


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("clean")
    built = _open(build_warehouse(root / "demo", root / "wh", clean=True))
    yield built
    built.con.close()
