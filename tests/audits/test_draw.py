"""Draws: stratified, recorded in a manifest (snapshot, seed, frame and probability per stratum),
replayed byte for byte, held to the 3C of a 3C user, written to the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from access import audit
from access.policy import AccessDenied, Principal, acting_as
from audits import draw, service
from audits.draw import DrawError


def test_a_draw_replays_byte_identically(warehouse: Path, admin: Principal, tmp_path: Path) -> None:
    d = service.new_draw("has_rcp", "2013", "rcp", 4, 11, warehouse, c3="C3-01")
    again = service.replay(d.folder / draw.MANIFEST, tmp_path / "again", warehouse)
    assert again.identical and again.differing == ()
    assert again.draw.id == d.id
    for name in (draw.MANIFEST, draw.SAMPLE, draw.FRAME):
        assert (again.draw.folder / name).read_bytes() == (d.folder / name).read_bytes()
    # another seed is another draw, with another sample
    other = service.new_draw("has_rcp", "2013", "rcp", 4, 12, warehouse, c3="C3-01")
    assert other.id != d.id
    assert (other.folder / draw.SAMPLE).read_bytes() != (d.folder / draw.SAMPLE).read_bytes()


def test_the_manifest_records_frame_and_probabilities(
    warehouse: Path, con: duckdb.DuckDBPyConnection, admin: Principal
) -> None:
    d = service.new_draw("has_rcp", "2013-01-01..2013-06-30", "organ", 6, 3, warehouse, c3="C3-02")
    m = json.loads((d.folder / draw.MANIFEST).read_text(encoding="utf-8"))
    expected = dict(
        con.execute(
            "select coalesce(organ, 'non_renseigne'), count(*) from core.fact_fiche "
            "where c3_id = 'C3-02' and rcp_date between '2013-01-01' and '2013-06-30' group by 1"
        ).fetchall()
    )
    assert {s["stratum"]: s["frame_size"] for s in m["strata"]} == expected
    assert m["frame"] == sum(expected.values())
    for s in m["strata"]:
        assert s["drawn"] == min(6, s["frame_size"])
        assert s["probability"] == pytest.approx(s["drawn"] / s["frame_size"])
    assert m["snapshot"]["id"] == Path(str(warehouse / "current.duckdb")).resolve().stem
    assert m["request"]["seed"] == 3 and m["method"].startswith("stratified simple random")
    assert "at_utc" not in json.dumps(m)  # no wall-clock time: the replay writes the same bytes
    sample = draw.load_sample(d)
    assert sample.height == m["drawn"] and sample["fiche_id"].n_unique() == sample.height
    assert set(sample["c3_id"]) == {"C3-02"}
    assert "ipp" not in sample.columns


def test_a_3c_user_draws_in_its_own_3c_only(warehouse: Path, c3_user: Principal) -> None:
    d = service.new_draw("has_rcp", "2013", "rcp", 2, 1, warehouse)
    assert d.manifest["request"]["c3"] == "C3-01"
    assert set(draw.load_sample(d)["c3_id"]) == {"C3-01"}
    with pytest.raises(AccessDenied, match="own 3C"):
        service.new_draw("has_rcp", "2013", "rcp", 2, 1, warehouse, c3="C3-02")
    with acting_as(Principal.of("a1", "admin")):
        network = service.new_draw("has_rcp", "2013", "3c", 2, 1, warehouse)
    assert [x.id for x in service.draws(warehouse)] == [d.id]  # not the network's draw
    with pytest.raises(AccessDenied):
        service.get(network.id, warehouse)
    actions = [(e.actor, e.action, e.outcome) for e in reversed(audit.entries())]
    assert actions[:3] == [("c1", "audit_draw", "ok"), ("c1", "denied", "denied"),
                           ("a1", "audit_draw", "ok")]  # fmt: skip


def test_roles_without_the_audits_right_are_refused(warehouse: Path) -> None:
    for role in ("ars", "researcher"):
        with acting_as(Principal.of("x", role)), pytest.raises(AccessDenied, match="audits right"):
            service.new_draw("has_rcp", "2013", "rcp", 2, 1, warehouse)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("has_rcp", "2013", "service", 2, 1), "stratify by one of rcp, organ, 3c"),
        (("has_rcp", "2013", "rcp", 0, 1), "between 1 and 10000"),
        (("has_rcp", "13/2013", "rcp", 2, 1), "not a year or START..END"),
        (("has_rcp", "2013-06-30..2013-01-01", "rcp", 2, 1), "ends before it starts"),
        (("has_rcp", "1990", "rcp", 2, 1), "nothing to draw"),
        (("nope", "2013", "rcp", 2, 1), "no audit grid 'nope'"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    warehouse: Path, admin: Principal, args: tuple, message: str
) -> None:
    with pytest.raises(Exception, match=message):
        service.new_draw(*args, warehouse)


def test_strata_are_drawn_independently(warehouse: Path, admin: Principal) -> None:
    """A fiche's rank in its stratum depends on the seed, its stratum and its id only: the
    sample of one 3C is the same whether the frame is that 3C or the whole network."""
    one = draw.load_sample(service.new_draw("has_rcp", "2013", "3c", 5, 9, warehouse, c3="C3-04"))
    whole = draw.load_sample(service.new_draw("has_rcp", "2013", "3c", 5, 9, warehouse))
    assert (
        one["fiche_id"].to_list() == whole.filter(pl.col("c3_id") == "C3-04")["fiche_id"].to_list()
    )


def test_replay_refuses_a_changed_grid(
    warehouse: Path, admin: Principal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = service.new_draw("has_rcp", "2013", "rcp", 2, 1, warehouse, c3="C3-01")
    config = tmp_path / "config"
    import shutil

    from rrc.settings import PROJECT_ROOT

    shutil.copytree(PROJECT_ROOT / "config", config, ignore=shutil.ignore_patterns("secrets.toml"))
    grid_file = config / "audits" / "has_rcp.toml"
    grid_file.write_text(
        grid_file.read_text(encoding="utf-8").replace("within_days = 30", "within_days = 21"),
        encoding="utf-8",
    )
    monkeypatch.setenv("RRC_CONFIG_DIR", str(config))
    with pytest.raises(DrawError, match="changed since draw"):
        service.replay(d.folder / draw.MANIFEST, tmp_path / "again", warehouse)
