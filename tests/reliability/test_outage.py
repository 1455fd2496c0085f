"""A PostgreSQL source goes away in the middle of an extract (cut through a local TCP proxy).

The run retries with backoff (1, 2, 4 s), fails naming the source, exits non-zero and leaves the
previous warehouse published; with on_failure = "stale" the run goes on with the source's
previous raw tables, untouched by the half-done extract.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from demo.generate import Request, generate
from pipelines.extract import sql as sql_extract
from tests.pipelines.conftest import SMALL
from tests.reliability.conftest import Etl
from tests.reliability.proxy import CuttingProxy
from warehouse.checksum import checksums
from warehouse.publish import Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def proxied(
    tmp_path: Path, postgres_url: str, etl_factory: Callable[..., Etl]
) -> Iterator[tuple[Etl, CuttingProxy]]:
    """The demo region with `dcc` in PostgreSQL behind the proxy; one full run published, and
    the proxy measuring an incremental run's traffic."""
    generate(Request(out=tmp_path / "pg-demo", target=postgres_url, **SMALL))
    url = sa.make_url(postgres_url)
    proxy = CuttingProxy(url.port or 5432)
    etl = etl_factory(tmp_path / "pg-demo", "outage")
    etl.use_urls(url.set(port=proxy.port).render_as_string(hide_password=False), postgres_url)
    assert etl.run(full=True).status == "success"
    proxy.sent = 0
    assert etl.run().status == "success"
    yield etl, proxy
    proxy.close()


def _raw(etl: Etl, source: str) -> dict[str, tuple[int, str]]:
    con = Warehouse(etl.warehouse).connect()
    try:
        return {
            k: v for k, v in checksums(con, ("raw",)).items() if k.startswith(f"raw.{source}__")
        }
    finally:
        con.close()


def _waits(proxy: CuttingProxy) -> list[float]:
    """Seconds before each new attempt after the cut (a driver may open a few connections per
    attempt: those less than 0.5 s apart count as one)."""
    assert proxy.cut_at is not None
    starts = [proxy.cut_at]
    for t in proxy.attempts:
        if t > starts[-1] + 0.5:
            starts.append(t)
    return [round(b - a, 2) for a, b in itertools.pairwise(starts)]


def test_a_store_cut_mid_extract_is_retried_named_and_publishes_nothing_or_goes_stale(
    proxied: tuple[Etl, CuttingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    etl, proxy = proxied
    traffic = proxy.sent  # of an incremental run
    before = Warehouse(etl.warehouse).current()
    content, raw_before = etl.checksums(), _raw(etl, "dcc")
    proxy.cut_after, proxy.sent = traffic // 2, 0  # cut half-way through it
    result = CliRunner().invoke(app, ["etl", "run"])
    assert proxy.down
    assert result.exit_code == 1
    assert "source `dcc`" in result.output and "after 4 attempts" in result.output
    # the first attempt was cut; three more came after waiting 1, 2 and 4 s
    waits = _waits(proxy)
    assert len(waits) == 3, waits
    for waited, backoff in zip(waits, sql_extract.RETRIES, strict=True):
        assert backoff <= waited < backoff + 1.5, waits
    assert Warehouse(etl.warehouse).current() == before
    assert etl.checksums() == content
    assert not list((etl.warehouse / "building").glob("*"))

    # the same cut, with the source marked stale: the run goes on without it
    etl.mark_stale("dcc")
    monkeypatch.setattr(sql_extract, "RETRIES", (0.05, 0.1))
    proxy.down, proxy.cut_at, proxy.cut_after, proxy.sent = False, None, traffic // 2, 0
    stale = etl.run()
    assert proxy.down
    assert stale.status == "success" and stale.stale_sources == ["dcc"]
    assert Warehouse(etl.warehouse).current() == Path(stale.snapshot or "")
    # not one dcc table half refreshed: same rows, same load ids as the previous run left them
    assert _raw(etl, "dcc") == raw_before
    assert etl.checksums() == content
