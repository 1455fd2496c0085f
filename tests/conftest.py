"""Shared fixtures: real PostgreSQL and MariaDB databases, one fresh database per test.

Under CI=true a server that cannot be reached fails the test; elsewhere the test is skipped with a
message saying how to run it.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from rrc.settings import PROJECT_ROOT

# the audit trail's HMAC key of the test session (tests/cli/test_examples.py makes its own with
# `rrc secrets init`); each access database gets its anchor beside it
os.environ.setdefault("RRC_AUDIT_KEY", "a7" * 32)
os.environ.setdefault("RRC_SECRECY_KEY", "c4" * 32)
os.environ.setdefault("RRC_SESSION_KEY", "5e" * 32)
# Great Expectations adds ~5 s to every run it validates: it runs where it is what is tested
# (tests/pipelines/test_gx_modes.py, the quality tests) and in the small warehouse the boards
# serve its Data Docs from (`build_warehouse(gx=...)`); every other run leaves it out
os.environ.setdefault("RRC_GREAT_EXPECTATIONS", "off")

PG_ADMIN = os.environ.get("RRC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_ADMIN = os.environ.get("RRC_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")


def _unavailable(what: str, exc: Exception) -> None:
    message = (
        f"{what} is not reachable ({exc.__class__.__name__}: {exc}). Start it, or point "
        f"RRC_TEST_PG / RRC_TEST_MARIADB at a server where the tests may create databases."
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _fresh_database(admin_url: str, what: str) -> Iterator[str]:
    name = f"rrc_test_{uuid.uuid4().hex[:12]}"
    url = sa.make_url(admin_url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        _unavailable(what, exc)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    yield from _fresh_database(PG_ADMIN, "PostgreSQL (127.0.0.1:5432)")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of a new, empty MariaDB database, dropped after the test."""
    yield from _fresh_database(MARIADB_ADMIN, "MariaDB (127.0.0.1:3306)")


SHARED_GEO = PROJECT_ROOT.parent / "shared" / "geo"
SLUGS = {"03": "allier", "15": "cantal", "43": "haute-loire", "63": "puy-de-dome"}


@pytest.fixture(scope="session")
def geo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SHARED_GEO.exists():
        pytest.skip(f"test outlines not found in {SHARED_GEO}")
    root = tmp_path_factory.mktemp("geo-site")
    for code, slug in SLUGS.items():
        folder = root / f"{code}-{slug}"
        folder.mkdir()
        for kind in ("departement", "communes"):
            shutil.copy(SHARED_GEO / f"{kind}-{code}-{slug}.geojson", folder)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))

    class Quiet(handler.func):  # type: ignore[misc,name-defined]
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo region (2013, scale 0.2, its defects injected) generated beside it (`demo/`,
    with its defects manifest) and published once per test process. Read-only for the tests that
    take it: boards, reports, cohorts, audits, models and checks all read the same one."""
    from tests.pipelines.conftest import build_warehouse

    root = tmp_path_factory.mktemp("small")
    return build_warehouse(root / "demo", root / "wh", gx="after_publish")


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The embedded demo region (`make demo`: 2011-2014, default seed, with defects), generated
    once per test process and read-only: its stores (tests/demo) and the boards over it
    (tests/dashboards, `region_server`). The tests that take it share the xdist group
    "demo-region", so that one process generates it."""
    from tests.demo.conftest import make_stores

    return make_stores(tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="session")
def boards(small_warehouse: Path):  # type: ignore[no-untyped-def]
    """The boards' Dash app in this process over the small warehouse, callbacks set up (Dash does
    it on a first request). One per process: Dash registers its pages process-wide, so the page
    modules are reached through `dashboards.registry.page_module`."""
    from access.policy import Principal, acting_as
    from dashboards.app import create_app

    with acting_as(Principal.of("test-admin", "admin")):  # the app reads the filters' lists
        dash_app = create_app(small_warehouse)
    dash_app.server.test_client().get("/login")
    return dash_app


@pytest.fixture
def con(small_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the small warehouse, closed after the test."""
    from warehouse.publish import Warehouse

    c = Warehouse(small_warehouse).connect()
    yield c
    c.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, one per test process (Playwright's sync API allows one at a time: a
    second would find the first's event loop running)."""
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed: apt-get install chromium (.ci/run does it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
