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

from access.policy import Principal, acting_as
from tests.dashboards.http import PASSWORD, SEEDS, code, shared_session
from tests.pipelines.conftest import publish_demo

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def as_admin() -> Iterator[Principal]:
    """Page functions read data on behalf of someone: an administrator unless a test says."""
    with acting_as(Principal.of("test-admin", "admin")) as principal:
        yield principal


# one account per role (a 3C user of C3-01), in an access database of the test session
ACCOUNTS = {
    "admin1": ("admin", None),
    "rrc1": ("rrc", None),
    "c3un": ("c3", "C3-01"),
    "ars1": ("ars", None),
    "cherch1": ("researcher", None),
}


@pytest.fixture(scope="session", autouse=True)
def accounts(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[str, str | None]]]:
    """The access database (accounts, audit) that the tests and the served boards share."""
    from access import totp, users

    path = tmp_path_factory.mktemp("access") / "access.sqlite"
    before = {k: os.environ.get(k) for k in ("RRC_ACCESS_DB", "RRC_SESSION_KEY")}
    os.environ["RRC_ACCESS_DB"] = str(path)
    os.environ["RRC_SESSION_KEY"] = "5e" * 32
    for name, (role, c3) in ACCOUNTS.items():
        users.add(name, role, c3, PASSWORD)
        if name in SEEDS:
            totp.enrol(name, SEEDS[name])
    yield ACCOUNTS
    for k, v in before.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def app(boards):  # type: ignore[no-untyped-def]
    """The boards' app in this process (tests/conftest.py)."""
    return boards


@pytest.fixture(scope="session")
def board_warehouse(small_warehouse: Path) -> Path:
    return small_warehouse


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
        # a loaded 2-core machine can take a minute to import and boot two workers
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"`rrc serve` exited ({proc.returncode}): {log.read_text()[-2000:]}")
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
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: gunicorn's workers slow to stop
            proc.kill()
            proc.wait()
        out.close()


@pytest.fixture(scope="session")
def server(board_warehouse: Path, geo_dir: Path) -> Iterator[str]:
    with serving(board_warehouse, geo_dir) as url:
        yield url


@pytest.fixture(scope="session")
def region_server(region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The boards over the full calibrated demo region (2011-2014, default seed)."""
    root = tmp_path_factory.mktemp("region-boards")
    warehouse = publish_demo(region.out, root / "wh")
    with serving(warehouse, root / "geo") as url:
        yield url


def new_page(browser: object) -> object:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


def login(page: object, base: str, username: str, seed: str | None = None) -> None:
    """Log in through the login form, as a user would: the password, then the code of the
    second factor for an account with a TOTP key (`seed`, or the test account's)."""
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#identifiant", username)  # type: ignore[attr-defined]
    page.fill("#mot-de-passe", PASSWORD)  # type: ignore[attr-defined]
    page.click("#connexion")  # type: ignore[attr-defined]
    if seed or username in SEEDS:
        page.wait_for_selector("#code-totp")  # type: ignore[attr-defined]
        page.fill("#code-totp", code(username, seed))  # type: ignore[attr-defined]
        page.click("#valider-code")  # type: ignore[attr-defined]
    page.wait_for_selector("#utilisateur")  # type: ignore[attr-defined]


def logged_in_page(page: object, base: str, username: str) -> None:
    """`page` logged in as `username`: through the forms, or with the session this test session
    shares for an account with a second factor (its code serves once per 30 s)."""

    def through_the_forms() -> dict[str, str]:
        login(page, base, username)
        return {c["name"]: c["value"] for c in page.context.cookies()}  # type: ignore[attr-defined]

    cookies = shared_session(username, through_the_forms)
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": k, "value": v, "url": base} for k, v in cookies.items()]
    )
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.wait_for_selector("#utilisateur")  # type: ignore[attr-defined]


@pytest.fixture
def anonymous_page(browser: object) -> Iterator[object]:
    page = new_page(browser)
    yield page
    page.context.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    """A browser page logged in as an administrator (the session cookie serves every port)."""
    page = new_page(browser)
    logged_in_page(page, server, "admin1")
    yield page
    page.context.close()  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
