"""Determinism and the three SQL back-ends: same seed, same stores; same data on every dialect."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from demo.dataset import Scale
from tests.demo.conftest import make_stores

SMALL = {"first_year": 2013, "last_year": 2013, "scale": Scale.parse("0.25")}


def test_same_seed_gives_identical_stores_and_files(tmp_path: Path) -> None:
    a = make_stores(tmp_path / "a", seed=11, **SMALL)
    b = make_stores(tmp_path / "b", seed=11, **SMALL)
    c = make_stores(tmp_path / "c", seed=12, **SMALL)
    assert a.summary["checksums"] == b.summary["checksums"]
    assert any(xlsx.endswith(".xlsx") for xlsx in a.summary["checksums"])
    assert (tmp_path / "a" / "defects_manifest.json").read_bytes() == (
        tmp_path / "b" / "defects_manifest.json"
    ).read_bytes()
    differing = [k for k, v in a.summary["checksums"].items() if c.summary["checksums"][k] != v]
    assert "dcc.fiche_rcp" in differing


@pytest.fixture(scope="module")
def sqlite_reference(tmp_path_factory: pytest.TempPathFactory):
    return make_stores(tmp_path_factory.mktemp("sqlite"), seed=3, **SMALL)


def _sql_checksums(summary: dict) -> dict:
    return {k: v for k, v in summary["checksums"].items() if k.startswith(("dcc.", "vendor_b."))}


@pytest.mark.postgres
def test_postgresql_store_holds_exactly_what_sqlite_holds(
    sqlite_reference, postgres_url: str, tmp_path: Path
) -> None:
    pg = make_stores(tmp_path, seed=3, target=postgres_url, **SMALL)
    assert _sql_checksums(pg.summary) == _sql_checksums(sqlite_reference.summary)
    # analysed, as a store in service is: the planner can use the watermark's index
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        analysed = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'fiche_rcp' "
                "AND attname = 'updated_at'"
            )
        ).scalar_one()
    engine.dispose()
    assert analysed == 1
    fiches = pg.sql("dcc", "fiche_rcp")
    assert fiches.height == sqlite_reference.summary["rows"]["dcc"]["fiche_rcp"]
    assert fiches.schema["date_rcp"] == pl.Date


@pytest.mark.mariadb
def test_mariadb_store_holds_exactly_what_sqlite_holds(
    sqlite_reference, mariadb_url: str, tmp_path: Path
) -> None:
    maria = make_stores(tmp_path, seed=3, target=mariadb_url, **SMALL)
    assert _sql_checksums(maria.summary) == _sql_checksums(sqlite_reference.summary)
    dossiers = maria.sql("vendor_b", "ONC_DOSSIER")
    assert dossiers.height == sqlite_reference.summary["rows"]["vendor_b"]["ONC_DOSSIER"]
    # accents survive LOAD DATA
    assert "Premier épisode" in set(dossiers["PHASE"])


def test_file_stores_read_back_with_their_row_counts(sqlite_reference) -> None:
    s = sqlite_reference
    dossiers = s.sheet("Dossiers")
    assert dossiers.height > 100
    assert dossiers["Né(e) le"].str.contains(r"^\d\d/\d\d/\d{4}$").all()
    reunions = s.sheet("Réunions")
    assert set(reunions["Durée (h)"]) <= {"1,5", "2"}
    title = pl.read_excel(
        next((s.out / "sheets").glob("*.xlsx")),
        sheet_name="Dossiers",
        has_header=False,
        infer_schema_length=0,
    ).row(0)[0]
    assert title.startswith("3C du Cantal")
    inclusions = pl.read_csv(s.out / "registry" / "inclusions.csv")
    assert inclusions.height > 0
    directory = s.directory("soins_support.csv")
    assert directory.height > 20 and set(directory["type"]) >= {"psycho_oncologie", "nutrition"}
    raw = (s.out / "directory" / "finess_etablissements.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # latin-1, as FINESS extracts are


def test_several_networks_append_with_unique_ids(tmp_path: Path) -> None:
    """A national-style run (networks built one by one) keeps every key unique."""
    s = make_stores(tmp_path, seed=4, first_year=2013, last_year=2013, scale=Scale(2, 0.3))
    assert s.summary["scale"]["networks"] == 2
    fiches = s.sql("dcc", "fiche_rcp")
    assert fiches.select("id_fiche", "version").is_duplicated().sum() == 0
    centres = s.sql("dcc", "centre_3c")["id_3c"].to_list()
    assert "C3-01" in centres and "R02-C3-01" in centres
    ident = s.sql("dcc", "patient_identite")
    # the same person may be known in two establishments, but one INS is never two people
    names = (
        ident.filter(pl.col("ins").is_not_null())
        .group_by("ins")
        .agg(pl.struct("nom", "prenom").n_unique().alias("people"))
    )
    assert names["people"].max() == 1
    studies = s.summary["checksums"]["registry/essais_cliniques.json"]
    assert studies["bytes"] > 0
    assert len(list((tmp_path / "sheets").glob("*.xlsx"))) == 2


@pytest.mark.postgres
def test_networks_built_in_parallel_give_the_same_stores_as_one_by_one(
    postgres_url: str, tmp_path: Path
) -> None:
    """Server targets build networks in worker processes; the result must not depend on it."""
    two = {"first_year": 2013, "last_year": 2013, "seed": 8, "scale": Scale(2, 0.15)}
    sequential = make_stores(tmp_path / "seq", **two)
    pooled = make_stores(tmp_path / "pool", target=postgres_url, **two)
    assert pooled.summary["checksums"] == sequential.summary["checksums"]
