"""A small demo region and an isolated ETL configuration per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from demo.dataset import Scale
from demo.generate import Request, generate
from pipelines.config import Config, load_config
from pipelines.run import RunResult, run
from rrc.settings import PROJECT_ROOT
from warehouse.checksum import checksums
from warehouse.publish import Warehouse

KEY = "5e" * 32
SMALL = {"first_year": 2013, "last_year": 2013, "seed": 21, "scale": Scale.parse("0.2")}


def build_warehouse(
    demo: Path,
    warehouse: Path,
    *,
    clean: bool = False,
    request: Request | None = None,
    gx: str = "off",
) -> Path:
    """Generate a demo region (the small one unless `request` says otherwise) into `demo` and
    run a full ETL into `warehouse`, with the environment set for the run only (for
    session-scoped fixtures, where monkeypatch cannot); `gx` is the Great Expectations mode."""
    generate(request or Request(out=demo, clean=clean, **SMALL))
    return publish_demo(demo, warehouse, gx=gx)


def publish_demo(demo: Path, warehouse: Path, *, gx: str = "off") -> Path:
    """A full ETL of the demo folder `demo` into `warehouse` (see `build_warehouse`)."""
    env = {
        "RRC_PSEUDONYM_KEY": KEY,
        "RRC_CONFIG_DIR": str(PROJECT_ROOT / "config"),
        "RRC_DEMO_DIR": str(demo),
        "RRC_WAREHOUSE_DIR": str(warehouse),
        "RRC_GREAT_EXPECTATIONS": gx,
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
    return warehouse


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(Request(out=out, **SMALL))
    return out


@dataclass
class Etl:
    demo: Path
    warehouse: Path
    monkeypatch: pytest.MonkeyPatch

    def config(self) -> Config:
        return load_config()

    def run(self, **kwargs: object) -> RunResult:
        return run(self.config(), **kwargs)  # type: ignore[arg-type]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return Warehouse(self.warehouse).connect()

    def checksums(self) -> dict[str, tuple[int, str]]:
        con = self.connect()
        try:
            return checksums(con)
        finally:
            con.close()

    def rebuilt_checksums(self) -> dict[str, tuple[int, str]]:
        """The checksums of a full run over the same stores and files as they are now, into a
        new warehouse beside this one (this one stays the ETL's afterwards)."""
        rebuilt = Etl(self.demo, self.warehouse.parent / "rebuild", self.monkeypatch)
        self.monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(rebuilt.warehouse))
        try:
            rebuilt.run(full=True)
            return rebuilt.checksums()
        finally:
            self.monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(self.warehouse))

    def use_urls(self, dcc: str, vendor_b: str) -> None:
        self.monkeypatch.setenv("RRC_DCC_URL", dcc)
        self.monkeypatch.setenv("RRC_VENDOR_B_URL", vendor_b)

    def mark_stale(self, source: str) -> None:
        """Use a copy of config/ where `source` says on_failure = "stale"."""
        config = self.warehouse.parent / f"config-{self.warehouse.name}"
        shutil.copytree(PROJECT_ROOT / "config", config, dirs_exist_ok=True)
        text = (config / "sources.toml").read_text(encoding="utf-8")
        block = f'name = "{source}"'
        head, tail = text.split(block, 1)
        tail = tail.replace('on_failure = "fail"', 'on_failure = "stale"', 1)
        (config / "sources.toml").write_text(head + block + tail, encoding="utf-8")
        self.monkeypatch.setenv("RRC_CONFIG_DIR", str(config))


@pytest.fixture
def etl_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], Etl]]:
    """Point the ETL at a copy of a demo folder and a fresh warehouse folder."""
    monkeypatch.setenv("RRC_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("RRC_CONFIG_DIR", str(PROJECT_ROOT / "config"))

    def make(demo: Path, name: str = "wh") -> Etl:
        copy = tmp_path / f"demo-{name}"
        if not copy.exists():
            shutil.copytree(demo, copy)
        monkeypatch.setenv("RRC_DEMO_DIR", str(copy))
        monkeypatch.delenv("RRC_DCC_URL", raising=False)
        monkeypatch.delenv("RRC_VENDOR_B_URL", raising=False)
        monkeypatch.setenv("RRC_WAREHOUSE_DIR", str(tmp_path / name))
        return Etl(copy, tmp_path / name, monkeypatch)

    yield make
