"""A warehouse built once per test worker from the small demo region."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.config import load_config
from pipelines.run import run
from rrc.demo.generate import Request, generate
from rrc.settings import PROJECT_ROOT
from tests.pipelines.conftest import KEY, SMALL
from warehouse.publish import Warehouse


@pytest.fixture(scope="session")
def built_warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    demo = tmp_path_factory.mktemp("wh-demo")
    generate(Request(out=demo, **SMALL))
    wh = tmp_path_factory.mktemp("wh")
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
    con = Warehouse(Path(wh)).connect()
    yield con
    con.close()
