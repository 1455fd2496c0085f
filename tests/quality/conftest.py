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


def _build(root: Path, clean: bool) -> Built:
    wh = build_warehouse(root / "demo", root / "wh", clean=clean)
    manifest = json.loads((root / "demo" / "defects_manifest.json").read_text(encoding="utf-8"))
    return Built(Warehouse(wh).connect(), manifest, wh)


@pytest.fixture(scope="session")
def defective(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    built = _build(tmp_path_factory.mktemp("defective"), clean=False)
    yield built
    built.con.close()


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    built = _build(tmp_path_factory.mktemp("clean"), clean=True)
    yield built
    built.con.close()
