"""The quality gate and the check history, through whole ETL runs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from quality.checks import QualityGateError
from rrc.settings import PROJECT_ROOT
from tests.pipelines.conftest import Etl
from warehouse.publish import Warehouse


def test_check_history_survives_a_full_rebuild_for_trends(
    small_demo: Path, etl_factory: Callable[..., Etl]
) -> None:
    etl = etl_factory(small_demo, "history")
    etl.run(full=True)
    etl.run()
    etl.run(full=True)
    con = etl.connect()
    runs = con.execute("SELECT count(DISTINCT run_id) FROM quality.check_results").fetchone()[0]
    assert runs == 3


def test_a_failed_blocking_check_keeps_the_previous_warehouse(
    small_demo: Path,
    etl_factory: Callable[..., Etl],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    etl = etl_factory(small_demo, "gate")
    first = etl.run(full=True)
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    text = (config / "quality_thresholds.csv").read_text(encoding="utf-8")
    (config / "quality_thresholds.csv").write_text(
        text.replace("fiche_unique,stg_fiche,,0.5,", "fiche_unique,stg_fiche,,0,"), encoding="utf-8"
    )
    monkeypatch.setenv("RRC_CONFIG_DIR", str(config))
    with pytest.raises(QualityGateError, match="fiche_unique"):
        etl.run()
    assert str(Warehouse(etl.warehouse).current()) == first.snapshot
