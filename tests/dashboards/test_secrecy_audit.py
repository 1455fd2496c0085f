"""The auditor (tests/dashboards/auditor.py) against the roles without nominative rights, on the
demo region: every label is true, every cell reads the same wherever it is published, and no
combination of published figures gives back a masked count more often than chance."""

from __future__ import annotations

from typing import Any

import pytest

from access.policy import Principal, acting_as, load_policy
from dashboards.data import reader
from tests.dashboards import auditor
from tests.dashboards.test_auth import client
from warehouse.read.secrecy import load_secrecy

YEAR = 2013
# both tests read the same downloads (a module fixture): one worker builds them once
pytestmark = pytest.mark.xdist_group("secrecy-audit")


def _labels() -> dict[str, dict[str, str]]:
    with acting_as(Principal.of("auditor", "admin")):
        out = {}
        for f, (query, code, name) in auditor.FILTER_LISTS.items():
            rows = reader().query(query).iter_rows(named=True)
            out[f] = {str(r[code]): str(r[name]) for r in rows}
    return out


@pytest.fixture(scope="module", params=["ars", "c3"])
def seen(app: Any, request: pytest.FixtureRequest) -> auditor.Seen:
    """Every export the role may download for 2013, over every value of its filters, beside the
    administrator's: the ARS (no filter, each 3C, each organ), a 3C user (its 3C forced; each
    organ, each department). Built once per role (the tests of a role run one after another)."""
    labels = _labels()
    admin = client(app, "admin1")  # the administrator's exports: the truth
    opens = load_policy().roles[request.param].may_open  # the exports of the boards it may open
    if request.param == "ars":
        return auditor.collect(
            client(app, "ars1"),
            admin,
            labels,
            auditor.searches(labels, YEAR, ["c3", "organ"]),
            opens=opens,
        )
    return auditor.collect(
        client(app, "c3un"),
        admin,
        labels,
        auditor.searches(labels, YEAR, ["organ", "department"]),
        forced={"c3": "C3-01"},
        opens=opens,
    )


def test_every_label_is_true(seen: auditor.Seen) -> None:
    cfg = load_secrecy()
    small = perturbed = 0
    for ident, texts in seen.shown.items():
        header = ident[0]
        (text,) = texts  # the same cell reads the same in every export that shows it
        true = seen.true[ident]
        kind, secret = seen.kinds.get(header, "count"), seen.secret.get(header, True)
        if text == auditor.HIDDEN:
            assert kind == "count" and true is not None and 1 <= true <= cfg.threshold - 1, ident
            small += 1
        elif text == auditor.MASKED_RATE:
            assert kind != "count", ident  # only rates and statistics read "–"
        elif kind == "count" and secret and true is not None:
            shown = auditor.number(text)
            assert shown is not None, (ident, text)
            if true == 0:
                assert shown == 0, ident
            else:
                assert true >= cfg.threshold and shown >= cfg.threshold, ident
                assert abs(shown - true) <= cfg.max_noise, ident
                perturbed += shown != true
        elif not secret:
            assert auditor.number(text) == true, ident  # counts no one: exact
    assert small > 0 and perturbed > 0  # the test can fail both ways


def test_no_masked_count_comes_back_more_often_than_chance(seen: auditor.Seen) -> None:
    cfg = load_secrecy()
    noisy = auditor.attack(seen, cfg.max_noise)
    exact = auditor.attack(seen, cfg.max_noise, exact=True)
    print(f"\n{seen.exports} exports, {noisy} accuracy {noisy.accuracy:.2f}")
    # without the noise, the same attack pins and recovers the cells it reaches: it can fail
    assert exact.cells >= 10 and exact.accuracy > 0.95 and exact.pinned == exact.cells
    assert not noisy.beats_chance(), noisy
