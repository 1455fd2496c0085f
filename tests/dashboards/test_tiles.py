"""Tiles on the care-offer map: used when configured and reachable, probed once in a while, and
the offline map otherwise; in Chromium, the page draws the tiles with no console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards import tiles
from tests.dashboards.conftest import screenshot, serving
from tests.dashboards.tiles import png, tile_server


@pytest.fixture(autouse=True)
def fresh_probes() -> Iterator[None]:
    tiles._probes.clear()
    yield
    tiles._probes.clear()


def test_the_test_tile_is_a_real_png() -> None:
    tile = png(4)
    assert (
        tile.startswith(b"\x89PNG\r\n\x1a\n")
        and b"IHDR" in tile
        and tile.endswith(b"IEND\xaeB`\x82")
    )


def test_no_tiles_unless_configured(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RRC_TILES_URL", raising=False)
    assert tiles.configured() is None  # config/geo.toml ships with no tile server
    assert tiles.available() == (None, "")


def test_a_reachable_server_is_used_and_probed_once_in_a_while(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with tile_server() as served:
        monkeypatch.setenv("RRC_TILES_URL", served.url)
        server, notice = tiles.available()
        assert server is not None and server.url == served.url and notice == ""
        tiles.available()
        assert served.served == ["/0/0/0.png"]  # the second answer came from the cache


def test_an_unreachable_or_non_image_server_is_not_used(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with tile_server() as served:
        port = served.url.split(":")[2].split("/")[0]
    monkeypatch.setenv("RRC_TILES_URL", f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")  # closed
    server, notice = tiles.available()
    assert server is None and "injoignable" in notice and f"127.0.0.1:{port}" in notice
    with tile_server() as served:
        monkeypatch.setenv("RRC_TILES_URL", served.url.replace(".png", ".txt"))  # answers 404
        assert tiles.available()[0] is None


def test_care_offer_page_renders_on_tiles_in_chromium(
    board_warehouse: Path, geo_dir: Path, page, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    with tile_server() as served:
        monkeypatch.setenv("RRC_TILES_URL", served.url)  # the served boards inherit it
        with serving(board_warehouse, geo_dir) as url:
            page.goto(f"{url}/offre-de-soins?annee=2013")
            page.wait_for_selector("#offre-carte .js-plotly-plot")
            style = page.wait_for_function(
                "() => { const gd = document.querySelector('#offre-carte .js-plotly-plot');"
                " return gd && gd._fullLayout && gd._fullLayout.map"
                " ? gd._fullLayout.map.style : null; }"
            ).json_value()
            assert style["sources"]["tuiles"]["tiles"] == [served.url]
            # the browser itself fetched tiles beyond the server's probe
            page.wait_for_function("() => document.querySelector('#offre-carte canvas') !== null")
            page.wait_for_timeout(1500)
            assert len([p for p in served.served if p != "/0/0/0.png"]) > 0
            traces = page.evaluate(
                "document.querySelector('#offre-carte .js-plotly-plot').data.map(t => t.type)"
            )
            assert traces and set(traces) == {"scattermap"}
            screenshot(page, "offre-de-soins-tuiles")
            assert page.console_errors == []
