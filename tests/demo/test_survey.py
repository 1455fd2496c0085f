"""The demo's survey export (demo/survey.py): a few hundred respondents read as the codebook says,
the same bytes from the same seed, answers that hang together the way people answer, and the
defects its manifest lists exactly where it says (none with --clean)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from demo import survey
from warehouse.codebook import load


def read(folder: Path) -> tuple[pl.DataFrame, list[dict]]:
    export = pl.read_csv(
        folder / "surveys" / "cahlipsos_2013.csv", separator=";", infer_schema_length=0
    )
    manifest = json.loads((folder / "surveys" / "defects.json").read_text("utf-8"))
    return export, manifest["defects"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("survey")
    survey.write(out, 2013, clean=False)
    return out


def test_the_same_seed_writes_the_same_export_and_another_seed_another(
    written: Path, tmp_path: Path
) -> None:
    survey.write(tmp_path / "again", 2013, clean=False)
    survey.write(tmp_path / "other", 7, clean=False)
    name = "surveys/cahlipsos_2013.csv"
    assert (tmp_path / "again" / name).read_bytes() == (written / name).read_bytes()
    assert (tmp_path / "other" / name).read_bytes() != (written / name).read_bytes()


def test_the_export_has_the_codebook_columns_and_a_few_hundred_respondents(written: Path) -> None:
    export, _defects = read(written)
    book = load("cahlipsos")
    assert export.columns == ["id_reponse", "date_reunion", *book.all_columns()]
    assert 300 <= export["id_reponse"].n_unique() <= 400
    assert export["territoire"].n_unique() >= 15  # every territory (and a defect's unknown one)
    small = export.group_by("territoire").len().filter(pl.col("len") < 11)
    assert small.height >= 1  # rural territories under the secrecy threshold
    assert (written / "surveys" / "cahlipsos_2013.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_answers_hang_together(written: Path) -> None:
    """Quality of work life goes against the risk of burn-out, and against long hours; nurses'
    aides feel less well than psychologists (the demo's latent well-being)."""
    export, defects = read(written)
    bad = {d["respondent"] for d in defects}
    ok = export.filter(~pl.col("id_reponse").is_in(list(bad))).select(
        pl.col("qv_professionnelle", "risque_burnout", "heures").cast(pl.Int64, strict=False),
        "profession",
    )
    corr = ok.drop_nulls().select(
        qv_burnout=pl.corr("qv_professionnelle", "risque_burnout", method="spearman"),
        qv_hours=pl.corr("qv_professionnelle", "heures", method="spearman"),
    )
    assert corr["qv_burnout"][0] < -0.3
    assert corr["qv_hours"][0] < -0.1
    mean = dict(ok.group_by("profession").agg(pl.col("qv_professionnelle").mean()).rows())
    assert mean["aide_soignant"] < mean["psychologue"]


def test_the_manifest_names_every_defect_where_it_is(written: Path) -> None:
    export, defects = read(written)
    assert {d["defect"] for d in defects} == set(survey.DEFECTS)
    assert export["id_reponse"].is_unique().all()  # no duplicate: it would flag every demo run
    for d in defects:
        row = export.row(d["row"] - 2, named=True)  # row 1 is the header
        assert row[d["column"]] == d["value"] and row["id_reponse"] == d["respondent"]


def test_a_clean_region_has_no_defect(tmp_path: Path) -> None:
    survey.write(tmp_path, 2013, clean=True)
    export, defects = read(tmp_path)
    assert defects == []
    assert set(export["territoire"]) <= {o.code for o in load("cahlipsos").question(
        "territoire").options}  # fmt: skip
