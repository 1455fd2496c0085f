"""`rrc geo fetch` downloads the outlines from a configurable address into the data folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from dashboards import geo
from rrc.settings import PROJECT_ROOT


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    text = (folder / "geo.toml").read_text(encoding="utf-8")
    (folder / "geo.toml").write_text(
        text.replace('folder = "data/geo"', f'folder = "{tmp_path / "geo"}"'), encoding="utf-8"
    )
    monkeypatch.setenv("RRC_CONFIG_DIR", str(folder))
    return folder


def test_fetch_writes_simplified_outlines_of_every_department_and_commune(
    geo_server: str, config: Path
) -> None:
    result = CliRunner().invoke(app, ["geo", "fetch", "--base-url", geo_server])
    assert result.exit_code == 0, result.output
    departments = geo.load("departements")
    communes = geo.load("communes")
    assert departments and communes
    assert sorted(f["properties"]["code"] for f in departments["features"]) == [
        "03",
        "15",
        "43",
        "63",
    ]
    assert len(communes["features"]) == 1288
    size = (geo.folder() / "communes.geojson").stat().st_size
    original = sum(
        p.stat().st_size
        for p in (PROJECT_ROOT.parent / "shared" / "geo").glob("communes-*.geojson")
    )
    assert size < original / 2  # simplified for the browser
    assert (
        json.loads((geo.folder() / "departements.geojson").read_text())["type"]
        == "FeatureCollection"
    )


def test_an_unreachable_address_says_which_file_and_what_to_do(config: Path) -> None:
    result = CliRunner().invoke(app, ["geo", "fetch", "--base-url", "http://127.0.0.1:1/geo"])
    assert result.exit_code == 1
    assert (
        "cannot download http://127.0.0.1:1/geo/03-allier/departement-03-allier.geojson"
        in " ".join(result.output.split())
    )
    assert "base_url" in result.output


def test_without_outlines_nothing_is_loaded(config: Path) -> None:
    assert geo.load("departements", shipped=False) is None


def test_a_fresh_install_has_the_networks_outlines(config: Path) -> None:
    """Nothing fetched: the outlines shipped with the boards (no network needed)."""
    departments, communes = geo.load("departements"), geo.load("communes")
    assert departments is not None and communes is not None
    codes = sorted(f["properties"]["code"] for f in departments["features"])
    assert codes == ["03", "15", "43", "63"]
    assert len(communes["features"]) > 1000
