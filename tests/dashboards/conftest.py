"""The boards served by `rrc serve` (gunicorn) as a subprocess, driven by Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rrc.access.policy import Principal, acting_as
from rrc.demo.dataset import Scale
from rrc.demo.generate import Request
from tests.pipelines.conftest import build_warehouse

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def as_admin() -> Iterator[Principal]:
    """Page functions read data on behalf of someone: an administrator unless a test says."""
    with acting_as(Principal.of("test-admin", "admin")) as principal:
        yield principal


@pytest.fixture(scope="session")
def board_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("boards")
    return build_warehouse(root / "demo", root / "wh")


@pytest.fixture(scope="session")
def geo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the served boards look for outlines (empty until a test fetches them)."""
    return tmp_path_factory.mktemp("geo")


@contextmanager
def serving(warehouse: Path, geo_dir: Path) -> Iterator[str]:
    """`rrc serve` on a free port over `warehouse`, until the block ends."""
    port = _free_port()
    env = {**os.environ, "RRC_WAREHOUSE_DIR": str(warehouse), "RRC_GEO_DIR": str(geo_dir)}
    rrc = Path(sys.executable).with_name("rrc")
    log = warehouse / "serve.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        [str(rrc), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"the boards did not answer at {url}: {log.read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        out.close()


@pytest.fixture(scope="session")
def server(board_warehouse: Path, geo_dir: Path) -> Iterator[str]:
    with serving(board_warehouse, geo_dir) as url:
        yield url


@pytest.fixture(scope="session")
def region_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The boards over the full calibrated demo region (2011-2014, default seed)."""
    root = tmp_path_factory.mktemp("region-boards")
    warehouse = build_warehouse(
        root / "demo",
        root / "wh",
        request=Request(
            out=root / "demo",
            first_year=2011,
            last_year=2014,
            seed=2013,
            scale=Scale.parse("region"),
        ),
    )
    with serving(warehouse, root / "geo") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed: apt-get install chromium (.ci/run does it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def screenshot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
