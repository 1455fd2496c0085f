"""When Great Expectations runs: after the publish (default), inside the build, or not at all;
a GX failure after the publish leaves the published warehouse and its run log as they are."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rrc.errors import ConfigError
from rrc.settings import PROJECT_ROOT
from tests.pipelines.conftest import Etl
from warehouse.publish import Warehouse


@pytest.fixture(autouse=True)
def _mode_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite leaves GX out of runs (tests/conftest.py); here config/quality.toml decides."""
    monkeypatch.delenv("RRC_GREAT_EXPECTATIONS", raising=False)


def _gx_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "quality.toml"
    text = path.read_text(encoding="utf-8")
    old = 'great_expectations = "after_publish"'
    assert old in text
    path.write_text(text.replace(old, f'great_expectations = "{mode}"'), encoding="utf-8")
    monkeypatch.setenv("RRC_CONFIG_DIR", str(config))


def _tables(etl: Etl) -> set[str]:
    con = etl.connect()
    try:
        return {
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()


def test_after_publish_gx_validates_the_published_snapshot_and_keeps_its_verdicts_beside_it(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "after")
    result = etl.run(full=True)
    assert result.gx_mode == "after_publish" and result.gx is not None
    record = json.loads(
        (etl.warehouse / "data_docs" / "results" / f"{result.run_id}.json").read_text("utf-8")
    )
    assert {r["table"] for r in record["results"]} >= {"stg_fiche", "stg_pps"}
    assert "quality.gx_results" not in _tables(etl)  # the published file is never written again
    Warehouse(etl.warehouse).records()[-1].verify()


def test_in_build_gx_stores_its_verdicts_in_the_warehouse(
    small_demo: Path,
    etl_factory: Callable[..., Etl],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gx_mode(tmp_path, monkeypatch, "in_build")
    etl = etl_factory(small_demo, "inbuild")
    result = etl.run(full=True)
    assert result.gx is not None and result.gx.results
    assert "quality.gx_results" in _tables(etl)


def test_a_gx_failure_after_the_publish_is_reported_and_the_publish_stands(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "gxfails")
    etl.warehouse.mkdir(parents=True)
    (etl.warehouse / "data_docs").write_text("not a folder", encoding="utf-8")  # GX cannot write
    result = etl.run(full=True)
    assert result.status == "success" and result.gx is None
    assert result.gx_error
    assert str(Warehouse(etl.warehouse).current()) == result.snapshot
    log = (etl.warehouse / "run_log.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["run_id"] == result.run_id


def test_an_unknown_gx_mode_is_refused_with_the_choices(
    small_demo: Path,
    etl_factory: Callable[..., Etl],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _gx_mode(tmp_path, monkeypatch, "sometimes")
    etl = etl_factory(small_demo, "badmode")
    with pytest.raises(ConfigError, match="after_publish"):
        etl.run(full=True)


def test_gx_off_for_the_run_then_validated_apart(
    small_demo: Path, etl_factory: Callable[..., Etl], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.run import validate_published

    monkeypatch.setenv("RRC_GREAT_EXPECTATIONS", "off")
    etl = etl_factory(small_demo, "apart")
    result = etl.run(full=True)
    assert result.gx is None and not (etl.warehouse / "data_docs").exists()
    outcome = validate_published(Warehouse(etl.warehouse))  # `rrc quality validate`
    assert outcome.results
    assert (etl.warehouse / "data_docs" / "results" / f"{result.run_id}.json").exists()
