"""The secrecy auditor: an attacker with every export a role may download, and the truth beside.

It downloads, as the role and as an administrator (nothing masked), every chart export of every
page and the overview's table, for each value of each filter; it names each cell by what it
counts (the indicator of the column: the chart's series in the catalogue) and where (the filters
it follows and the row, as labels, so that "3C X in the organ chart of sein" and "sein in the 3C
chart of X" are one cell); then it plays the attacker:

- a partition is an export column whose rows cover every individual (the true rows add up to
  the true total, checked): organs of 3C X, 3Cs of organ o, months...;
- a masked cell ("< 11") of a partition whose other rows are all published is estimated as
  (a published figure of the same total) − (the other rows), for every such figure: the total
  itself (a tile, or a row of another chart), or the sum of another partition of the same total;
- the attacker's guess is the mean of its estimates, kept within 1..10 and within the interval
  every estimate allows (published counts are within ±max_noise of the truth, which is public).

The auditor compares how often the guess is the true value with chance: the share of the most
frequent true value among those cells (an attacker who always says that value). No published
figure is taken on trust: labels are compared with the truth too.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboards.filters import PARAMS
from dashboards.registry import export_page_path
from warehouse.read import catalogue

HIDDEN = "< 11"
MASKED_RATE = "–"
FILTER_LISTS = {
    "c3": ("c3_list", "c3_id", "name"),
    "organ": ("organ_list", "organ", "label"),
    "department": ("department_list", "department_code", "name"),
}

Coords = frozenset[tuple[str, str]]
Identity = tuple[str, Coords]


@dataclass
class Seen:
    """Everything one role downloaded, with the truth of each cell."""

    shown: dict[Identity, set[str]] = field(default_factory=lambda: defaultdict(set))
    true: dict[Identity, float | None] = field(default_factory=dict)
    # (indicator, filters) -> partitions: lists of row identities of one export column
    partitions: dict[tuple[str, Coords], list[tuple[Identity, ...]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    kinds: dict[str, str] = field(default_factory=dict)  # indicator -> count | rate | statistic
    secret: dict[str, bool] = field(default_factory=dict)  # indicator -> counts individuals
    exports: int = 0


def number(text: str | None) -> float | None:
    if text in (None, "", HIDDEN, MASKED_RATE, "—"):
        return None
    return float(str(text).replace("\u202f", "").replace(" ", "").replace(",", "."))


def _csv(client: Any, path: str) -> pl.DataFrame:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.data[:200])
    return pl.read_csv(io.BytesIO(r.data), separator=";", infer_schema=False)


def searches(labels: dict[str, dict[str, str]], year: int, filters: Iterable[str]) -> list[dict]:
    """Every value of each filter, one at a time, and none."""
    out: list[dict[str, str]] = [{}]
    for f in filters:
        out += [{f: code} for code in labels[f]]
    return [{"year": str(year), **s} for s in out]


def _url(search: dict[str, str]) -> str:
    return "?" + "&".join(f"{PARAMS[k]}={v}" for k, v in sorted(search.items()))


def collect(
    role: Any,
    admin: Any,
    labels: dict[str, dict[str, str]],
    family: list[dict[str, str]],
    forced: dict[str, str] | None = None,
    cache: dict[str, pl.DataFrame] | None = None,
    opens: Callable[[str], bool] = lambda _path: True,
) -> Seen:
    """Download every export of `family` as `role` and as `admin`, of the boards the role
    `opens` (a path). `forced` are the filters the server imposes on the role (a 3C user's own
    3C): the truth is read with them."""
    cat = catalogue.load()
    seen = Seen()

    def honoured(ind: catalogue.Indicator, by: str) -> set[str]:
        marts = [cat.marts[m] for m in ind.marts if by == "year" or by in cat.marts[m].columns]
        return set(ind.honours(marts[0])) if marts else set()

    for ind in cat.indicators.values():
        seen.kinds[ind.id] = ind.kind
        seen.secret[ind.id] = ind.secrecy != "none"
    charts = [
        (p, c, ch.by, ch.series)
        for p, charts in cat.charts.items()
        for c, ch in charts.items()
        if opens(export_page_path(p))
    ]
    charts.append(("ensemble", "indicateurs", "year", cat.overview))
    for search in family:
        truth_search = {**search, **(forced or {})}
        applied = {
            (k, labels[k][v] if k in labels else v) for k, v in truth_search.items() if k != "year"
        }
        for page, chart, by, series in charts:
            shown = _csv(role, f"/export/{page}/{chart}.csv{_url(search)}")
            url = f"/export/{page}/{chart}.csv{_url(truth_search)}"
            truth = cache[url] if cache is not None and url in cache else _csv(admin, url)
            if cache is not None:
                cache[url] = truth
            seen.exports += 1
            key = truth.columns[0]
            assert shown.columns == truth.columns, (page, chart)
            joined = truth.join(shown, on=key, how="full", coalesce=True, suffix="__seen")
            for header, id_ in zip(truth.columns[1:], series, strict=True):
                # a filter an indicator cannot follow is not applied (the page says so)
                follows = honoured(cat.indicator(id_), by)
                base = frozenset((k, v) for k, v in applied if k in follows)
                rows = []
                for category, t, s in zip(
                    joined[key], joined[header], joined[f"{header}__seen"], strict=True
                ):
                    where = {(by, str(category))}
                    if by != "year":
                        where.add(("year", search["year"]))
                    ident: Identity = (id_, base | where)
                    seen.shown[ident].add("" if s is None else s)
                    seen.true[ident] = number(t)
                    rows.append(ident)
                if by not in ("year", "day"):
                    seen.partitions[(id_, base | {("year", search["year"])})].append(tuple(rows))
    return seen


@dataclass(frozen=True)
class Attack:
    cells: int  # masked small cells the attacker had at least one estimate for
    hits: int  # guesses equal to the true value
    chance: float  # share of the most frequent true value among those cells
    pinned: int  # cells whose interval left one value only
    masked: int  # masked small cells in all

    @property
    def accuracy(self) -> float:
        return self.hits / self.cells if self.cells else 0.0

    def beats_chance(self) -> bool:
        """Significantly more hits than chance (one-sided, 1 %)."""
        if not self.cells:
            return False
        p = self.chance
        return self.hits > self.cells * p + 2.33 * math.sqrt(self.cells * p * (1 - p)) + 1


def single(seen: Seen, ident: Identity) -> str:
    values = seen.shown[ident]
    assert len(values) == 1, (ident, values)  # the same cell reads the same everywhere
    return next(iter(values))


def attack(seen: Seen, max_noise: int, exact: bool = False) -> Attack:
    """Guess every masked small cell from the published figures (see the module's docstring),
    propagating: a cell guessed becomes a figure for the next round, as an attacker solving the
    tables one equation at a time would. `exact` plays the same attack as if published counts
    carried no noise."""

    def published(ident: Identity) -> tuple[float, int] | None:
        """(value, noisy terms) of a published figure, None when masked or absent."""
        text = single(seen, ident)
        if text == HIDDEN or number(text) is None:
            return None
        shown = seen.true[ident] if exact else number(text)
        return (shown, 1 if shown else 0)  # type: ignore[return-value]

    groups = []
    masked: set[Identity] = set()
    for (what, base), parts in seen.partitions.items():
        if seen.kinds.get(what) != "count" or not seen.secret.get(what):
            continue
        total_id: Identity = (what, base)
        true_total = seen.true.get(total_id)
        complete = [
            rows
            for rows in dict.fromkeys(parts)  # two charts of the same split are one partition
            if true_total is None or abs(sum(seen.true[r] or 0 for r in rows) - true_total) < 0.5
        ]
        if complete:
            groups.append((total_id if total_id in seen.shown else None, complete))
            masked |= {r for rows in complete for r in rows if single(seen, r) == HIDDEN}
    known: dict[Identity, tuple[float, int]] = {}
    intervals: dict[Identity, tuple[float, float]] = {}

    def figure(ident: Identity) -> tuple[float, int] | None:
        return known.get(ident) or published(ident)

    changed = True
    while changed:
        changed = False
        found: dict[Identity, list[tuple[float, int]]] = defaultdict(list)
        for total_id, complete in groups:
            sources: list[tuple[int, float, int]] = []  # (partition or -1, value, noisy terms)
            if total_id is not None and figure(total_id) is not None:
                sources.append((-1, *figure(total_id)))  # type: ignore[misc]
            for i, rows in enumerate(complete):
                vals = [figure(r) for r in rows]
                if all(v is not None for v in vals):
                    sources.append((i, sum(v[0] for v in vals), sum(v[1] for v in vals)))  # type: ignore[index]
            for i, rows in enumerate(complete):
                unknown = [r for r in rows if figure(r) is None]
                if len(unknown) != 1 or unknown[0] not in masked:
                    continue
                others = [figure(r) for r in rows if r != unknown[0]]
                rest = sum(v[0] for v in others)  # type: ignore[index]
                n_rest = sum(v[1] for v in others)  # type: ignore[index]
                for j, total, n_total in sources:
                    if j != i:
                        found[unknown[0]].append((total - rest, n_total + n_rest))
        for r, ests in found.items():
            low, high = intervals.get(r, (1.0, 10.0))
            for est, terms in ests:
                spread = 0 if exact else max_noise * terms
                low, high = max(low, est - spread), min(high, est + spread)
            intervals[r] = (low, high)
            mean = sum(e for e, _ in ests) / len(ests)
            known[r] = (mean, min(t for _, t in ests))
            changed = True
    hits = pinned = 0
    frequencies: dict[int, int] = defaultdict(int)
    for r, (mean, _) in known.items():
        true = int(seen.true[r] or 0)
        frequencies[true] += 1
        low, high = intervals[r]
        guess = round(mean)
        if low <= high:
            guess = min(max(guess, math.ceil(low)), math.floor(high))
        guess = min(max(guess, 1), 10)
        hits += guess == true
        pinned += math.ceil(low) == math.floor(high)
    cells = len(known)
    chance = max(frequencies.values()) / cells if cells else 0.0
    return Attack(cells, hits, chance, pinned, len(masked))
