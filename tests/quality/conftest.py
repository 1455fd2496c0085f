"""Warehouses built from the small demo region, with and without injected defects."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.config import load_config
from pipelines.run import run
from rrc.demo.generate import Request, generate
from rrc.settings import PROJECT_ROOT
from tests.pipelines.conftest import KEY, SMALL
from warehouse.publish import Warehouse


@dataclass
class Built:
    con: duckdb.DuckDBPyConnection
    manifest: dict[str, Any]
    warehouse: Path


def _build(root: Path, clean: bool) -> Built:
    demo, wh = root / "demo", root / "wh"
    generate(Request(out=demo, clean=clean, **SMALL))
    env = {
        "RRC_PSEUDONYM_KEY": KEY,
        "RRC_CONFIG_DIR": str(PROJECT_ROOT / "config"),
        "RRC_DEMO_DIR": str(demo),
        "RRC_WAREHOUSE_DIR": str(wh),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        run(load_config(), full=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    manifest = json.loads((demo / "defects_manifest.json").read_text(encoding="utf-8"))
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
