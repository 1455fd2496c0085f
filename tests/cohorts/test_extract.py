"""Extracts: byte-identical replays, the manifest's fields, a dictionary covering every column,
pseudonyms unlinkable across extracts, snapshots checked on replay, every extraction audited."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml

from access import audit
from access.policy import AccessDenied, Principal, acting_as
from cohorts import query, service
from cohorts.definition import from_dict
from cohorts.extract import FILES, ExtractError
from cohorts.source import SnapshotMismatch
from tests.cohorts.conftest import BREAST
from warehouse.publish import Warehouse

APPROVAL = "CNIL MR-004 2013-117"


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory, warehouse: Path) -> Iterator[service.Done]:
    """One extract of the breast cohort, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("extract")
    with pytest.MonkeyPatch.context() as mp, acting_as(Principal.of("r1", "researcher")):
        mp.setenv("RRC_ACCESS_DB", str(root / "access.sqlite"))
        yield service.extract_cohort(
            from_dict(BREAST), "Dr Martin", APPROVAL, root / "a", warehouse
        )


def test_a_replay_writes_byte_identical_files(extracted, tmp_path, warehouse, researcher) -> None:
    folder = extracted.extract.folder
    assert sorted(hashes(folder)) == sorted([*FILES, "manifest.json"])
    again = service.replay(folder / "manifest.json", tmp_path / "b", warehouse)
    assert again.identical and not again.differing
    assert hashes(tmp_path / "b") == hashes(folder)
    # into the same folder too: the same extract is written again
    service.replay(folder / "manifest.json", folder, warehouse)
    assert hashes(tmp_path / "b") == hashes(folder)


def test_the_manifest_says_what_how_and_on_which_data(extracted, warehouse, breast) -> None:
    folder = extracted.extract.folder
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["definition"] == breast.canonical()
    assert [next(iter(c)) for c in m["definition"]["criteria"]] == [c.name for c in breast.criteria]
    snapshot = Warehouse(warehouse).current()
    assert m["snapshot"]["id"] == snapshot.stem
    assert m["snapshot"]["sha256"] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert m["quality"]["run_id"] == snapshot.stem
    assert m["quality"]["status"] in ("pass", "fail") and m["quality"]["checks"]
    assert {c["status"] for c in m["quality"]["checks"]} <= {"pass", "fail"}
    assert m["requester"] == "Dr Martin" and m["approval"] == APPROVAL
    assert m["extract_id"] == extracted.extract.id
    assert m["extract_id"].startswith("cohorte-")
    assert len(m["attrition"]) == len(breast.criteria) + 1
    for name, entry in m["files"].items():
        assert entry["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    patients = pl.read_parquet(folder / "patients.parquet")
    assert m["files"]["patients.parquet"]["rows"] == patients.height == extracted.extract.patients
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(m, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_tables_hold_the_cohort_with_reasons(extracted, con, breast) -> None:
    folder = extracted.extract.folder
    patients = pl.read_parquet(folder / "patients.parquet")
    dossiers = pl.read_parquet(folder / "dossiers.parquet")
    reasons = pl.read_parquet(folder / "reasons.parquet")
    final = query.counts(con, breast)[-1]
    assert (patients.height, dossiers.height) == final
    assert patients["patient_id"].is_unique().all()
    assert dossiers.filter("is_index").height == patients.height
    assert reasons.height == patients.height * len(breast.criteria)
    assert reasons["criterion"].unique(maintain_order=True).to_list() == [
        c.name for c in breast.criteria
    ]
    first = reasons.filter(pl.col("patient_id") == patients["patient_id"][0])
    organ = first.filter(pl.col("criterion") == "organ").row(0, named=True)
    assert organ["observed"] == "sein"
    assert organ["dossier_ids"].split("|")[0] == patients["index_dossier_id"][0]
    # the CSV says the same as the Parquet
    assert pl.read_csv(folder / "patients.csv").height == patients.height


def test_the_dictionary_describes_every_column(extracted) -> None:
    folder = extracted.extract.folder
    doc = yaml.safe_load((folder / "dictionary.yml").read_text(encoding="utf-8"))
    for table in ("patients", "dossiers", "reasons"):
        columns = pl.read_parquet(folder / f"{table}.parquet").columns
        assert list(doc[table]["columns"]) == columns
        assert all(c["description"] for c in doc[table]["columns"].values())
        assert doc[table]["grain"]
    assert doc["patients"]["columns"]["organ"]["from"] == "core.fact_fiche"


def test_pseudonyms_do_not_link_extracts(extracted, tmp_path, warehouse, breast, con) -> None:
    folder = extracted.extract.folder
    other = service.extract_cohort(breast, "Dr Martin", "CPP 13-042", tmp_path / "o", warehouse)
    ids = set(pl.read_parquet(folder / "patients.parquet")["patient_id"])
    other_ids = set(pl.read_parquet(other.extract.folder / "patients.parquet")["patient_id"])
    assert len(ids) == len(other_ids) and not ids & other_ids
    keys = [r[0] for r in con.execute("select patient_key from core.dim_patient").fetchall()]
    fiches = [r[0] for r in con.execute("select fiche_id from core.fact_fiche").fetchall()]
    for path in folder.glob("*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not {"patient_key", "fiche_id", "ins", "ipp", "last_name"} & set(header)
        body = path.read_text(encoding="utf-8")
        assert not any(k in body for k in keys[:200])
        assert not any(f"{f}," in body for f in fiches[:200])


def test_a_replay_on_another_snapshot_is_refused_unless_named(
    extracted, tmp_path, warehouse, researcher
) -> None:
    manifest = extracted.extract.folder / "manifest.json"
    # a warehouse whose published snapshot is newer; the manifest's is still kept
    moved = tmp_path / "wh"
    (moved / "snapshots").mkdir(parents=True)
    old = Warehouse(warehouse).current()
    for suffix in (".duckdb", ".json"):
        shutil.copy(old.with_suffix(suffix), moved / "snapshots" / old.with_suffix(suffix).name)
    newer = moved / "snapshots" / "29990101T000000-ffffff.duckdb"
    shutil.copy(old, newer)
    os.symlink(Path("snapshots") / newer.name, moved / "current.duckdb")
    with pytest.raises(SnapshotMismatch) as err:
        service.replay(manifest, tmp_path / "r1", moved)
    assert old.stem in str(err.value) and "--snapshot" in str(err.value)
    with pytest.raises(SnapshotMismatch, match="is not a snapshot"):
        service.replay(manifest, tmp_path / "r2", moved, snapshot=old)  # the other warehouse's
    done = service.replay(manifest, tmp_path / "r3", moved, snapshot=moved / "snapshots" / old.name)
    assert done.identical


def test_every_extraction_and_refusal_is_audited(tmp_path, warehouse, digestive) -> None:
    with acting_as(Principal.of("n1", "rrc")), pytest.raises(AccessDenied):
        service.extract_cohort(digestive, "n1", APPROVAL, tmp_path / "x", warehouse)
    with acting_as(Principal.of("r1", "researcher")):
        done = service.extract_cohort(digestive, "Dr Martin", APPROVAL, tmp_path / "d", warehouse)
    lines = audit.entries(action="cohort_extract")
    assert [(e.actor, e.role, e.target) for e in lines] == [("r1", "researcher", done.extract.id)]
    assert lines[0].detail["approval"] == APPROVAL
    assert lines[0].detail["patients"] == done.extract.patients > 0
    denied = audit.entries(action="denied")
    assert [(e.actor, e.outcome) for e in denied] == [("n1", "denied")]
    assert audit.verify().lines == 2


def test_approval_and_folder_are_checked(tmp_path, warehouse, breast, researcher) -> None:
    with pytest.raises(ExtractError, match="approval reference is missing") as err:
        service.extract_cohort(breast, "Dr Martin", "  ", tmp_path / "a", warehouse)
    assert "CNIL" in str(err.value)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    with pytest.raises(ExtractError, match="already holds other files"):
        service.extract_cohort(breast, "Dr Martin", APPROVAL, tmp_path / "busy", warehouse)
