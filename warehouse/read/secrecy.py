"""Statistical secrecy by consistent perturbation (the cell-key method of the ONS and the ABS
TableBuilder): what a role without nominative rights reads can be compared, summed and subtracted
across every page, export and report without giving back a small count.

For such a role, each count of individuals in a published cell is
- 0 when it is 0 (an empty cell discloses nobody);
- masked, read "< 11", when it is between 1 and threshold - 1: the label is true, the value is 1-10;
- otherwise published as value + noise: an integer in [-max_noise, +max_noise] drawn from a keyed
  hash (HMAC-SHA256, key outside the warehouse) of the cell's coordinates, its measure and its true
  value. Never below the threshold, so that "< 11" keeps its meaning. The same cell reads the same
  wherever and however often it is asked for (a chart, an export, the ARS report, another role);
  two different cells carry independent noise, so differencing a total and its visible parts
  yields the masked cell plus the sum of several noises, not the cell.

A rate is computed from its perturbed numerator and denominator, and masked ("–") when the
numerator, the denominator or their difference is a small count (a rate of 98 % on 300 dossiers
would give away the 6 who are not in it). A statistic (median, delay) is masked when the count it
rests on is small. Method, reasons and limits: docs/access.md, "Statistical secrecy".

What each named query's columns mean is data, in `config/secrecy.toml`; indicators of the
catalogue take their rules from `config/indicators.toml`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import polars as pl

from rrc.errors import ConfigError
from rrc.secrets import ensure_hex, read_hex
from rrc.settings import load_toml

Cell = tuple[int, str]  # (row index, column)
NOT_RECORDED = "\u2205"  # a dimension value that is not recorded, in a cell's coordinates

# how a masked cell reads, by what it is
SMALL = "small"  # a count of 1..threshold-1
RATE = "rate"  # a rate whose numerator, denominator or their difference is small
STATISTIC = "statistic"  # a median or delay resting on a small count
MASKED_RATE = "–"
REASONS = {
    SMALL: "secret statistique : effectif de 1 à {top}",
    RATE: "secret statistique : taux non publié (numérateur, dénominateur ou écart de 1 à {top})",
    STATISTIC: "secret statistique : repose sur un effectif de 1 à {top}",
}


@dataclass(frozen=True)
class Rate:
    """`column = numerator / denominator`: computed from the perturbed counts, masked with them."""

    column: str
    numerator: str
    denominator: str

    @classmethod
    def parse(cls, column: str, text: str, query: str) -> Rate:
        num, sep, den = text.partition("/")
        if not sep or not num.strip() or not den.strip():
            raise ConfigError(
                f"secrecy.toml [queries.{query}]: rate {column} = {text!r} is not 'num / den'"
            )
        return cls(column, num.strip(), den.strip())


@dataclass(frozen=True)
class Statistic:
    """`column` (a median, a mean delay...) rests on the individuals of `count`: masked with it."""

    column: str
    count: str


@dataclass(frozen=True)
class QueryRules:
    """What a query's columns mean for secrecy and scope (one table of config/secrecy.toml, or
    generated from the catalogue for an indicator query)."""

    name: str
    counts: tuple[str, ...] = ()
    rates: tuple[Rate, ...] = ()
    statistics: tuple[Statistic, ...] = ()
    scope: str = "c3"  # "c3": filtered by $c3 | "public": no individual data | "network"
    row_level: bool = False  # rows are individual records (quarantine): row-level roles only
    scope_column: str | None = None  # scope "column": rows filtered on this column
    # what each count column measures, in a cell's key (default: the column's name); two queries
    # that count the same thing under the same coordinates must name it alike
    measures: Mapping[str, str] = field(default_factory=dict)
    # the columns that locate a row's cell (default: every column that is not a figure)
    coordinates: tuple[str, ...] | None = None
    # rows are a survey's counts per territory x profession: served only through
    # `Reader.survey`, which merges small groups and perturbs (warehouse/read/surveys.py)
    survey: bool = False
    free_text: bool = False  # rows hold survey free text: only roles with `free_text`

    def coordinates_or_empty(self) -> tuple[str, ...]:
        return self.coordinates or ()

    def measure(self, column: str) -> str:
        return self.measures.get(column, column)

    def figures(self) -> set[str]:
        return {
            *self.counts,
            *(r.column for r in self.rates),
            *(s.column for s in self.statistics),
        }


@dataclass(frozen=True)
class SecrecyConfig:
    threshold: int
    max_noise: int = 3
    queries: dict[str, QueryRules] = field(default_factory=dict)
    daily_counts: int = 50  # cohort counts a role without nominative rights may ask for a day
    cohort_rounding: int = 5  # perturbed cohort counts are rounded to a multiple of this
    # surveys: in a view split by territory or profession, groups under the threshold are
    # merged into « Autres » (True) or masked (False)
    survey_merge: bool = True

    @property
    def hidden(self) -> str:
        """How a masked count reads: "< 11"."""
        return hidden_text(self.threshold)

    def rules(self, query: str) -> QueryRules:
        try:
            return self.queries[query]
        except KeyError:
            raise ConfigError(
                f"query {query!r} has no entry in secrecy.toml: it is refused until its columns "
                "are declared",
                hint=f"add a [queries.{query}] table to config/secrecy.toml",
            ) from None


SCOPES = ("c3", "public", "network", "column")
QUERY_KEYS = {
    "counts",
    "rates",
    "statistics",
    "scope",
    "row_level",
    "scope_column",
    "measures",
    "survey",
    "free_text",
}


def load_secrecy(name: str = "secrecy.toml") -> SecrecyConfig:
    raw = load_toml(name)
    threshold = int(raw.get("threshold", 11))
    if threshold < 1:
        raise ConfigError(f"secrecy.toml: threshold must be at least 1, not {threshold}")
    max_noise = int(raw.get("perturbation", {}).get("max_noise", 3))
    if max_noise < 1:
        raise ConfigError(
            f"secrecy.toml [perturbation]: max_noise must be at least 1, not {max_noise}",
            hint="without noise a masked count comes back by subtracting its neighbours",
        )
    queries: dict[str, QueryRules] = {}
    for qname, spec in raw.get("queries", {}).items():
        unknown = set(spec) - QUERY_KEYS
        if unknown:
            raise ConfigError(
                f"secrecy.toml [queries.{qname}]: unknown key(s) {', '.join(sorted(unknown))}",
                hint=f"the keys are {', '.join(sorted(QUERY_KEYS))}",
            )
        scope = spec.get("scope", "c3")
        if scope not in SCOPES:
            raise ConfigError(
                f"secrecy.toml [queries.{qname}]: scope {scope!r} is not one of {SCOPES}"
            )
        stats = spec.get("statistics", {})
        queries[qname] = QueryRules(
            name=qname,
            counts=tuple(spec.get("counts", ())),
            rates=tuple(Rate.parse(c, t, qname) for c, t in spec.get("rates", {}).items()),
            statistics=tuple(Statistic(c, n) for c, n in stats.items()),
            scope=scope,
            row_level=bool(spec.get("row_level", False)),
            scope_column=spec.get("scope_column"),
            measures=dict(spec.get("measures", {})),
            survey=bool(spec.get("survey", False)),
            free_text=bool(spec.get("free_text", False)),
        )
        if scope == "column" and not queries[qname].scope_column:
            raise ConfigError(f"secrecy.toml [queries.{qname}]: scope 'column' needs scope_column")
    cohorts = raw.get("cohorts", {})
    daily, rounding = int(cohorts.get("daily_counts", 50)), int(cohorts.get("rounding", 5))
    if rounding < 1:
        raise ConfigError(f"secrecy.toml [cohorts]: rounding must be at least 1, not {rounding}")
    merge = raw.get("surveys", {}).get("merge", True)
    if not isinstance(merge, bool):
        raise ConfigError(f"secrecy.toml [surveys]: merge must be true or false, not {merge!r}")
    return SecrecyConfig(threshold, max_noise, queries, daily, rounding, merge)


@cache
def cell_key() -> bytes:
    """The secret of the noise ([secrecy] of config/secrets.toml, or RRC_SECRECY_KEY): whoever
    holds it can take the noise off, so it never leaves the server."""
    return read_hex(
        "RRC_SECRECY_KEY", "secrecy", "key of the statistical-secrecy noise (cell keys)"
    )


def init_key() -> bool:
    """Create the noise key in config/secrets.toml unless present; True when created."""
    return ensure_hex("secrecy")[1]


def small(value: Any, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def _text(value: Any) -> str:
    if value is None:
        return NOT_RECORDED
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def coordinates_text(measure: str, coords: Mapping[str, Any]) -> str:
    """A cell's identity: its measure and its coordinates in a fixed order."""
    return measure + "|" + "|".join(f"{k}={_text(v)}" for k, v in sorted(coords.items()))


def noise(identity: str, value: int, threshold: int, max_noise: int) -> int:
    """The cell's perturbation: uniform on [max(-max_noise, threshold - value), max_noise], drawn
    from the keyed hash of the cell and its true value (same cell and value, same noise)."""
    digest = hmac.new(cell_key(), f"{identity}#{value}".encode(), hashlib.sha256).digest()
    low = max(-max_noise, threshold - value)
    width = max_noise - low + 1
    return low + int.from_bytes(digest[:8], "big") % width


def perturbed(identity: str, value: int | None, threshold: int, max_noise: int) -> int | None:
    """What a count reads: 0, None (masked: 1..threshold-1) or value + noise."""
    if value is None or value == 0:
        return value
    if value < threshold:
        return None
    return value + noise(identity, value, threshold, max_noise)


@dataclass(frozen=True)
class Protected:
    """A frame as a role without nominative rights reads it, and why each masked cell is."""

    frame: pl.DataFrame
    masked: dict[Cell, str]  # cell -> SMALL | RATE | STATISTIC


def protect(
    frame: pl.DataFrame,
    rules: QueryRules,
    cfg: SecrecyConfig,
    fixed: Mapping[str, Any] | None = None,
) -> Protected:
    """Counts perturbed or masked, rates recomputed from the perturbed counts, statistics masked
    with their counts. `fixed` are coordinates common to every row (the request's filters)."""
    if not rules.figures() or frame.height == 0:
        return Protected(frame, {})
    threshold, spread = cfg.threshold, cfg.max_noise
    figures = rules.figures()
    coords_columns = (
        rules.coordinates
        if rules.coordinates is not None
        else tuple(c for c in frame.columns if c not in figures and not c.endswith("_label"))
    )
    base = {k: v for k, v in (fixed or {}).items() if v is not None}
    rows = frame.select(list(coords_columns)).to_dicts() if coords_columns else [{}] * frame.height
    cells = [{**base, **row} for row in rows]
    masked: dict[Cell, str] = {}
    true: dict[str, list[Any]] = {}
    columns: dict[str, list[Any]] = {}
    for col in rules.counts:
        if col not in frame.columns:
            continue
        true[col] = frame[col].to_list()
        measure = rules.measure(col)
        out: list[Any] = []
        for r, v in enumerate(true[col]):
            p = perturbed(coordinates_text(measure, cells[r]), v, threshold, spread)
            if p is None and v is not None:
                masked[(r, col)] = SMALL
            out.append(p)
        columns[col] = out
    for rate in rules.rates:
        if rate.column not in frame.columns:
            continue
        values = frame[rate.column].to_list()
        if rate.numerator not in frame.columns or rate.denominator not in frame.columns:
            columns[rate.column] = [None] * frame.height  # cannot be judged: withheld
            masked |= {(r, rate.column): RATE for r in range(frame.height) if values[r] is not None}
            continue
        # a term that is not a count of individuals (a population) is published as it is
        num, den = frame[rate.numerator].to_list(), frame[rate.denominator].to_list()
        pnum, pden = columns.get(rate.numerator, num), columns.get(rate.denominator, den)
        both = rate.numerator in true and rate.denominator in true
        out = []
        for r, v in enumerate(values):
            gap = None if not both or num[r] is None or den[r] is None else den[r] - num[r]
            if v is None:
                out.append(None)
            elif (
                (rate.numerator in true and small(num[r], threshold))
                or (rate.denominator in true and small(den[r], threshold))
                or small(gap, threshold)
            ):
                out.append(None)
                masked[(r, rate.column)] = RATE
            elif not num[r] or pden[r] is None or pnum[r] is None:
                out.append(v)  # 0 %: nothing to perturb
            else:
                scale = (float(pnum[r]) / float(num[r])) * (float(den[r]) / float(pden[r]))
                out.append(float(v) * scale)
        columns[rate.column] = out
    for stat in rules.statistics:
        if stat.column not in frame.columns:
            continue
        counts = frame[stat.count].to_list() if stat.count in frame.columns else []
        values = frame[stat.column].to_list()
        out = []
        for r, v in enumerate(values):
            if v is not None and (not counts or small(counts[r], threshold)):
                out.append(None)
                masked[(r, stat.column)] = STATISTIC
            else:
                out.append(v)
        columns[stat.column] = out
    protected = frame.with_columns(
        pl.Series(col, vals, dtype=frame.schema[col], strict=False) for col, vals in columns.items()
    )
    return Protected(protected, masked)


def gather_small(sizes: Mapping[str, int], threshold: int) -> tuple[list[str], list[str]]:
    """The groups of a split view (a survey by territory or by profession) as they may be shown:
    (those shown on their own, those gathered together). A group of fewer than `threshold`
    individuals is gathered with the other small ones; when these stay under the threshold
    together, the smallest groups shown alone join them until they reach it. So what the
    whole minus the groups shown alone leaves is never a small group: it is the gathered one,
    of at least `threshold` individuals (or, when even all of them are fewer, everything is
    gathered and the whole is small too). Empty groups are left out."""
    present = {k: v for k, v in sizes.items() if v > 0}
    gathered = [k for k, v in present.items() if v < threshold]
    alone = sorted((k for k in present if k not in gathered), key=lambda k: (present[k], k))
    while gathered and alone and sum(present[k] for k in gathered) < threshold:
        gathered.append(alone.pop(0))
    order = list(present)
    return sorted(alone, key=order.index), sorted(gathered, key=order.index)


def answer_count(identity: str, value: int, max_noise: int) -> int:
    """A count inside a group published because it holds enough individuals (the share of a
    survey's answer): 0 stays 0 (a true zero), any other count gets the cell's keyed noise and
    never reads below 1, so that differencing two views yields noise, not the answers of the
    few respondents between them."""
    if value == 0:
        return 0
    return value + noise(identity, value, 1, max_noise)


def mask_count(value: int | None, threshold: int) -> int | None:
    """A single published count: None when small."""
    return None if small(value, threshold) else value


def hidden_text(threshold: int) -> str:
    return f"< {threshold}"


def masked_text(reason: str, threshold: int) -> str:
    """How a masked cell reads: "< 11" for a small count, "–" for a rate or a statistic."""
    return hidden_text(threshold) if reason == SMALL else MASKED_RATE


def reason_text(reason: str, threshold: int) -> str:
    """Why a cell is masked, in French (hover texts, notes)."""
    return REASONS[reason].format(top=threshold - 1)


def label(value: Any, threshold: int) -> str:
    """How a masked count reads in French tables and reports."""
    return hidden_text(threshold) if value is None else str(value)


def notice(cfg: SecrecyConfig) -> str:
    """The sentence every page, export and report shows to a role whose figures are protected."""
    return (
        f"Secret statistique : les effectifs de 1 à {cfg.threshold - 1} sont masqués (« "
        f"{cfg.hidden} »), les autres sont perturbés de {cfg.max_noise} au plus, toujours de la "
        "même façon pour une même case ; un total peut donc différer de la somme de ses parties."
    )
