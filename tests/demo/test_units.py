"""Small literal cases for the generator's parsing and structure rules."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from demo.dataset import NATIONAL_NETWORKS, Scale, quorum_rules
from demo.generate import parse_years
from demo.reference import clone_network, load_region
from demo.structure import build_professionals, entity_rule_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-2014", (2011, 2014)),
        ("2013", (2013, 2013)),
        ("2013-2013", (2013, 2013)),
    ],
)
def test_parse_years(text: str, expected: tuple[int, int]) -> None:
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["2014-2011", "twenty", "2011-2012-2013", "1900-1901"])
def test_parse_years_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="--years"):
        parse_years(text)


@pytest.mark.parametrize(
    ("text", "networks", "volume"),
    [
        ("region", 1, 1.0),
        ("national", NATIONAL_NETWORKS, 1.934),
        ("1", 1, 1.0),
        ("0.5", 1, 0.5),
        ("10", 5, 2.0),
    ],
)
def test_scale(text: str, networks: int, volume: float) -> None:
    scale = Scale.parse(text)
    assert scale.networks == networks
    assert scale.volume == pytest.approx(volume)


@pytest.mark.parametrize(
    ("organs", "key"),
    [
        (["sein"], "sein"),
        (["sein", "gynecologie"], "sein"),
        (["digestif", "thorax", "orl"], "pluri"),
    ],
)
def test_entity_rule_key(organs: list[str], key: str) -> None:
    assert entity_rule_key(organs) == key


def test_cloned_networks_have_distinct_ids() -> None:
    region = load_region()
    clones = [clone_network(region, k) for k in range(1, NATIONAL_NETWORKS + 1)]
    finess = pl.concat([c.establishments for c in clones])["finess"]
    communes = pl.concat([c.communes for c in clones])["commune_code"]
    c3 = pl.concat([c.c3 for c in clones])["c3_id"]
    assert finess.n_unique() == finess.len() == 23 * NATIONAL_NETWORKS
    assert communes.n_unique() == communes.len()
    assert c3.n_unique() == 10 * NATIONAL_NETWORKS
    assert clones[0] is region


def test_usual_participants_cover_every_rule_of_every_entity() -> None:
    """Each entity's core participants alone meet the rule of its RCP type and of each organ it
    covers, on every effective date: clean sessions are never under quorum."""
    ref = load_region()
    rules = quorum_rules()
    profs, participants, entities = build_professionals(ref, rules, np.random.default_rng(0))
    spec = dict(zip(profs["prof_id"], profs["specialty"], strict=True))
    for entity in entities.iter_rows(named=True):
        core = participants.filter(
            (participants["entity_id"] == entity["entity_id"])
            & (participants["slot"] >= 0)
            & (participants["rank"] == 0)
        )
        present = [spec[p] for p in core["prof_id"]]
        keys = set(entity["organs"].split("|")) | {entity["rule_key"]}
        for rule in (r for r in rules if r.applies_to in keys):
            for day in (rule.valid_from, rule.valid_to or date(2020, 1, 1)):
                assert len(present) >= rule.min_physicians, (entity["name"], rule.id, day)
                assert len(set(present)) >= rule.min_distinct_specialties
                for group in rule.required:
                    assert set(group) & set(present), (entity["name"], rule.id, group)
