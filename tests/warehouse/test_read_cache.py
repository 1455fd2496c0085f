"""The reader's results kept for their snapshot (warehouse/read/cache.py): every role reads what
it read without them, in any order of roles, and a new publish is read at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from access.policy import Principal, acting_as
from rrc.errors import ConfigError
from warehouse.publish import Warehouse
from warehouse.read.cache import ResultCache, cacheable
from warehouse.read.reader import QUERIES, Reader, query_text

# the named queries' parameters as the boards and the public pages bind them
PARAMS: dict[str, Any] = {
    "year": 2013,
    "c3": None,
    "organ": None,
    "finess": None,
    "department": None,
    "months": None,
    "offset": 0,
    "size": 50,
    "today": date(2014, 1, 15),
    "survey": "cahlipsos",
    "territory": None,
    "profession": None,
    "share": 0.5,
    "count": 3,
    "level": "department",
    "min_patients": 1,
}
PRINCIPALS = [
    Principal.of("t-admin", "admin"),
    Principal.of("t-rrc", "rrc"),
    Principal.of("t-3c", "c3", "C3-01"),
    Principal.of("t-3c-other", "c3", "C3-02"),
    Principal.of("t-ars", "ars"),
    Principal.of("t-researcher", "researcher"),
    Principal.anonymous(),
]
NAMES = sorted(p.stem for p in QUERIES.glob("*.sql"))


def _answer(reader: Reader, name: str) -> tuple[pl.DataFrame, dict[Any, str]] | str:
    """What `name` gives the acting principal: its rows and masked cells, or the refusal."""
    try:
        return reader.query_masked(name, **PARAMS)
    except Exception as exc:  # refused, or not for this principal: the same either way
        return f"{type(exc).__name__}: {exc}"


def test_every_role_reads_with_the_cache_what_it_reads_without(small_warehouse: Path) -> None:
    """Every named query, for every role: asked of a reader that keeps results after every other
    role asked it (the rows kept are those before the rules), the answer equals a reader's that
    keeps nothing."""
    kept, plain = Reader(small_warehouse), Reader(small_warehouse)
    plain.cache = ResultCache(0)
    for principal in [*PRINCIPALS, *reversed(PRINCIPALS)]:  # each role after all the others
        with acting_as(principal):
            for name in NAMES:
                got, expected = _answer(kept, name), _answer(plain, name)
                if isinstance(expected, str):
                    assert got == expected, (principal.username, name)
                    continue
                assert not isinstance(got, str), (principal.username, name, got)
                assert got[0].equals(expected[0]), (principal.username, name)
                assert got[1] == expected[1], (principal.username, name)
    assert kept.cache.hits > len(NAMES)  # the second pass read from the cache
    assert plain.cache.hits == 0 and len(plain.cache) == 0


def test_every_role_reads_the_same_indicators_with_the_cache(small_warehouse: Path) -> None:
    """The overview's indicators, whole and split by 3C and by organ (small counts masked and
    counts perturbed for the roles without nominative rights), after every other role."""
    kept, plain = Reader(small_warehouse), Reader(small_warehouse)
    plain.cache = ResultCache(0)
    ids, split = list(kept.catalogue.overview), 0
    for principal in [*PRINCIPALS[:-1], *reversed(PRINCIPALS[:-1])]:
        with acting_as(principal):
            for by in ((), ("c3",), ("organ",)):
                for id_ in ids:
                    try:  # not every indicator splits by every dimension
                        expected = plain.indicators([id_], by, {"year": 2013})
                    except KeyError:
                        continue
                    got = kept.indicators([id_], by, {"year": 2013})
                    split += bool(by)
                    assert_frame_equal(got.frame, expected.frame), (principal.username, id_, by)
                    assert got.notes == expected.notes and got.perturbed == expected.perturbed
    assert kept.cache.hits > 0 and split > len(PRINCIPALS)


def test_a_3c_reads_its_own_3c_after_the_network_was_read(small_warehouse: Path) -> None:
    reader = Reader(small_warehouse)
    with acting_as(Principal.of("t-admin", "admin")):
        everyone = reader.query("quality_status", **PARAMS)
    with acting_as(Principal.of("t-3c", "c3", "C3-01")):
        own = reader.query("quality_status", **PARAMS)
    assert set(everyone["c3_id"].drop_nulls()) > {"C3-01"}
    assert set(own["c3_id"].drop_nulls()) <= {"C3-01"}


def _publish(wh: Warehouse, run_id: str, rows: int) -> None:
    build = wh.prepare(run_id, from_current=False)
    with duckdb.connect(str(build)) as con:
        con.execute(f"CREATE TABLE t AS SELECT range AS n FROM range({rows})")
    wh.publish(build, run_id, keep=5)


def test_a_new_publish_is_read_at_once_and_the_earlier_rows_are_let_go(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh")
    _publish(wh, "20260101T000000-aaaaaa", 10)
    reader = Reader(wh.dir)
    sql = "SELECT count(*) AS n FROM t WHERE n >= $low"
    assert reader._execute(sql, frozenset({"low"}), {"low": 0})["n"].item() == 10
    assert reader._execute(sql, frozenset({"low"}), {"low": 0})["n"].item() == 10
    assert reader.cache.hits == 1
    assert reader._execute(sql, frozenset({"low"}), {"low": 5})["n"].item() == 5  # its own key
    _publish(wh, "20260101T000001-bbbbbb", 20)
    assert reader._execute(sql, frozenset({"low"}), {"low": 0})["n"].item() == 20
    assert len(reader.cache) == 1  # the first snapshot's rows were let go


def test_what_reads_the_clock_is_never_kept() -> None:
    assert not cacheable(query_text("freshness")[0])  # the sources' age, in hours from now
    assert not cacheable("select random()")
    assert not cacheable("select * from t where d < CURRENT_DATE")
    assert cacheable(query_text("years")[0])
    assert cacheable("select nowhere, today_count from t")  # names that merely contain them


def test_the_cache_keeps_to_its_budget_and_lets_the_least_recent_go() -> None:
    frame = pl.DataFrame({"n": range(1000)})  # 8,000 bytes
    size = frame.estimated_size()
    cache = ResultCache(max_bytes=size * 4)
    for key in "abcd":
        cache.get(key, lambda: frame)
    cache.get("a", lambda: frame)  # a is now the most recent
    cache.get("e", lambda: frame)
    assert cache.size <= size * 4 and len(cache) == 4
    calls = []
    cache.get("b", lambda: calls.append("b") or frame)  # b was the least recent: computed again
    cache.get("a", lambda: calls.append("a") or frame)
    assert calls == ["b"]
    big = pl.DataFrame({"n": range(2000)})  # over a quarter of the budget: not kept
    cache.get("big", lambda: big)
    assert "big" not in cache._frames


def test_a_reader_changing_its_frame_in_place_leaves_the_kept_one_as_it_was() -> None:
    cache = ResultCache(max_bytes=2**20)
    first = cache.get("k", lambda: pl.DataFrame({"n": [1, 2]}))
    first.insert_column(1, pl.Series("m", [3, 4]))
    first.columns = ["x", "y"]
    assert cache.get("k", lambda: pl.DataFrame()).columns == ["n"]


def test_a_budget_of_zero_keeps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRC_READ_CACHE_MB", "0")
    cache = ResultCache()
    calls = []
    for _ in range(2):
        cache.get("k", lambda: calls.append(1) or pl.DataFrame({"n": [1]}))
    assert len(calls) == 2 and len(cache) == 0
    monkeypatch.setenv("RRC_READ_CACHE_MB", "beaucoup")
    with pytest.raises(ConfigError, match="RRC_READ_CACHE_MB"):
        ResultCache()
