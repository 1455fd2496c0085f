"""The demo region, generated once per test worker, and readers for what it wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from demo.dataset import Scale
from demo.generate import Request, generate
from demo.stores import SQL_STORES, sql_urls


@dataclass
class Stores:
    """Reads a generated demo folder back, the way a user of the stores would."""

    out: Path
    urls: dict[str, str]
    summary: dict[str, Any]

    def sql(self, store: str, table: str) -> pl.DataFrame:
        engine = sa.create_engine(self.urls[store])
        try:
            t = SQL_STORES[store].tables[table]
            with engine.connect() as conn:
                return pl.read_database(sa.select(t), conn, infer_schema_length=None)
        finally:
            engine.dispose()

    def sheet(self, sheet: str) -> pl.DataFrame:
        frames = [
            pl.read_excel(
                p, sheet_name=sheet, read_options={"header_row": 1}, infer_schema_length=0
            )
            for p in sorted((self.out / "sheets").glob("*.xlsx"))
        ]
        return pl.concat(frames, how="diagonal_relaxed")

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.out / "defects_manifest.json").read_text(encoding="utf-8"))

    def directory(self, name: str) -> pl.DataFrame:
        return pl.read_csv(
            self.out / "directory" / name, separator=";", encoding="latin-1", infer_schema_length=0
        )


def make_stores(out: Path, **kwargs: Any) -> Stores:
    defaults: dict[str, Any] = {
        "first_year": 2011,
        "last_year": 2014,
        "seed": 2013,
        "scale": Scale.parse("region"),
    }
    defaults.update(kwargs)
    summary = generate(Request(out=out, **defaults))
    target = defaults.get("target", "sqlite")
    return Stores(out, sql_urls(out, target), summary)


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """The embedded demo region, 2011-2014, default seed, with defects."""
    return make_stores(tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="session")
def clean_region(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """The same region with no defect injected."""
    return make_stores(tmp_path_factory.mktemp("clean"), clean=True)
