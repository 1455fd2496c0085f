"""The network's objectives grid (config/objectives.toml), read and evaluated: orientations ->
strategic objectives -> operational objectives (with their action plans) -> follow-up indicators,
each computed from the warehouse through the indicator catalogue or followed by hand, with its
target, deadline and status per year.

`load` reads and checks the grid against the catalogue (an unknown indicator, dimension,
placeholder or kind of events is refused, naming the file and the indicator); `evaluate` reads,
on behalf of the principal in context, every indicator the grid needs for a year and the years
before it (one query per mart and dimension, through `Reader.indicators`, so statistical secrecy
and scope apply as everywhere), and returns one `Line` per grid indicator: its value as it reads,
the "Suivi des objectifs" sentence written from the data, its target and status, and its trend.
The Pilotage du réseau board and the activity report (`rrc report activite`) show these lines.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from rrc.errors import ConfigError
from rrc.settings import config_dir, load_toml
from warehouse.read import formats
from warehouse.read.catalogue import Catalogue
from warehouse.read.catalogue import load as load_catalogue
from warehouse.read.reader import Indicators, Reader

FILE = "objectives.toml"
EVENTS = ("meetings", "visits", "trainings")
DIRECTIONS = ("up", "down")
MET, NOT_MET, NO_TARGET, NOT_MEASURED = "Atteint", "Non atteint", "Sans cible", "Non renseigné"
MASKED = "Non publié (secret statistique)"
FIXED = ("value", "year", "dates", "events")  # placeholders that are not catalogue indicators
INDICATOR_KEYS = {
    "id", "label", "indicator", "by", "code", "events", "achieved", "target", "status", "note",
    "value", "deadline", "direction",
}  # fmt: skip
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class GridIndicator:
    """A follow-up indicator of an operational objective."""

    id: str
    label: str
    deadline: str = ""
    indicator: str | None = None  # an indicator of the catalogue; None: followed by hand
    by: str | None = None  # a dimension of its mart, to take one slice of it...
    code: str | None = None  # ...the slice's value
    events: str | None = None  # meetings | visits | trainings, for {dates} and {events}
    achieved: str = ""  # the "Suivi des objectifs" sentence, with placeholders
    targets: dict[int, float] = field(default_factory=dict)
    target_every_year: float | None = None
    statuses: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    values: dict[int, float] = field(default_factory=dict)  # followed by hand
    direction: str = "up"

    def target(self, year: int) -> float | None:
        return self.targets.get(year, self.target_every_year)

    @property
    def placeholders(self) -> list[str]:
        return [p for _, p, _, _ in string.Formatter().parse(self.achieved) if p]


@dataclass(frozen=True)
class Operational:
    title: str
    actions: tuple[str, ...]
    indicators: tuple[GridIndicator, ...]


@dataclass(frozen=True)
class Objective:
    title: str
    operational: tuple[Operational, ...]


@dataclass(frozen=True)
class Orientation:
    id: str
    title: str
    audience: str
    objectives: tuple[Objective, ...]


@dataclass(frozen=True)
class Grid:
    path: Path
    title: str
    orientations: tuple[Orientation, ...]

    def entries(self) -> list[tuple[Orientation, Objective, Operational, GridIndicator]]:
        """Every indicator of the grid with where it stands, in the grid's order."""
        return [
            (orientation, objective, operational, indicator)
            for orientation in self.orientations
            for objective in orientation.objectives
            for operational in objective.operational
            for indicator in operational.indicators
        ]


@dataclass(frozen=True)
class Line:
    """One grid indicator for one year, evaluated."""

    orientation: Orientation
    objective: Objective
    operational: Operational
    indicator: GridIndicator
    year: int
    value: Any  # a number, "< 11" when statistical secrecy masked it, None when not measured
    text: str  # the value as it reads (French, with its unit's mark)
    achieved: str  # the "Suivi des objectifs" sentence
    target: float | None
    target_text: str
    status: str
    trend: tuple[tuple[int, Any], ...]  # (year, value) for the years up to `year`

    @property
    def change(self) -> str:
        """The direction since the year before: ↗, ↘, →, or '' when either is unknown."""
        values = dict(self.trend)
        now, before = values.get(self.year), values.get(self.year - 1)
        if not isinstance(now, int | float) or not isinstance(before, int | float):
            return ""
        return "↗" if now > before else "↘" if now < before else "→"


def _by_year(value: Any, where: str, key: str, kind: type) -> dict[int, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key}` is a table by year, e.g. {key} = {{ 2013 = … }}")
    out = {}
    for year, v in value.items():
        if not str(year).isdigit():
            raise ConfigError(f"{where}: `{key}` has {year!r}, not a year")
        if kind is float and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ConfigError(f"{where}: `{key}` of {year} is {v!r}, not a number")
        if kind is str and not isinstance(v, str):
            raise ConfigError(f"{where}: `{key}` of {year} is {v!r}, not a text")
        out[int(year)] = float(v) if kind is float else v
    return out


def _indicator(raw: dict[str, Any], where: str, cat: Catalogue) -> GridIndicator:
    where = f"{where} ({raw.get('id', '?')})"
    unknown = sorted(set(raw) - INDICATOR_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}",
            hint=f"settings of an indicator: {', '.join(sorted(INDICATOR_KEYS))}",
        )
    for key in ("id", "label"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"{where}: an indicator needs `{key}`")
    if not SLUG.match(raw["id"]):
        raise ConfigError(f"{where}: id {raw['id']!r} is lower-case letters, digits and -")
    ind_id = raw.get("indicator")
    by, code, events = raw.get("by"), raw.get("code"), raw.get("events")
    if ind_id is not None:
        ind = cat.indicator(ind_id) if ind_id in cat.indicators else None
        if ind is None:
            raise ConfigError(
                f"{where}: indicator {ind_id!r} is not in {cat.path}",
                hint="name an [indicators.<id>] of config/indicators.toml, or leave `indicator` "
                "out to follow this line by hand (`value`, `note`)",
            )
        if by is not None and not any(by in cat.marts[m].columns for m in ind.marts):
            raise ConfigError(
                f"{where}: indicator {ind_id} cannot be split by {by!r}",
                hint="dimensions of its marts: "
                + ", ".join(sorted({d for m in ind.marts for d in cat.marts[m].columns})),
            )
        if "value" in raw:
            raise ConfigError(f"{where}: `value` is for lines followed by hand, not computed ones")
    elif any(k in raw for k in ("by", "code", "events", "achieved")):
        raise ConfigError(f"{where}: `by`, `code`, `events` and `achieved` need an `indicator`")
    if (by is None) != (code is None):
        raise ConfigError(f"{where}: `by` and `code` go together (a dimension and its value)")
    if events is not None and events not in EVENTS:
        raise ConfigError(f"{where}: events {events!r} is not one of {', '.join(EVENTS)}")
    direction = raw.get("direction", "up")
    if direction not in DIRECTIONS:
        raise ConfigError(f"{where}: direction {direction!r} is not one of {DIRECTIONS}")
    target = raw.get("target")
    every = None
    targets: dict[int, float] = {}
    if isinstance(target, int | float) and not isinstance(target, bool):
        every = float(target)
    elif target is not None:
        targets = _by_year(target, where, "target", float)
    out = GridIndicator(
        id=raw["id"],
        label=raw["label"],
        deadline=str(raw.get("deadline", "")),
        indicator=ind_id,
        by=by,
        code=str(code) if code is not None else None,
        events=events,
        achieved=str(raw.get("achieved", "")),
        targets=targets,
        target_every_year=every,
        statuses=_by_year(raw.get("status", {}), where, "status", str),
        notes=_by_year(raw.get("note", {}), where, "note", str),
        values=_by_year(raw.get("value", {}), where, "value", float),
        direction=direction,
    )
    try:
        unknown = [p for p in out.placeholders if p not in FIXED and p not in cat.indicators]
    except ValueError as exc:
        raise ConfigError(f"{where}: `achieved` is not a valid sentence: {exc}") from None
    if unknown:
        raise ConfigError(
            f"{where}: `achieved` names {', '.join('{' + u + '}' for u in unknown)}, neither "
            "{value}, {year}, {dates}, {events} nor an indicator of the catalogue"
        )
    if ("dates" in out.placeholders or "events" in out.placeholders) and events is None:
        raise ConfigError(f"{where}: {{dates}} and {{events}} need `events` (meetings, ...)")
    return out


def _list(raw: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = raw.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{where}: `{key}` is a list of tables ([[...{key}]])")
    return items


def parse(raw: dict[str, Any], path: Path, cat: Catalogue) -> Grid:
    orientations = []
    seen: set[str] = set()
    for i, o in enumerate(_list(raw, "orientations", str(path)), start=1):
        where = f"{path}, orientation {o.get('id', i)}"
        objectives = []
        for j, s in enumerate(_list(o, "objectives", where), start=1):
            at = f"{where}, strategic objective {j}"
            operational = []
            for k, op in enumerate(_list(s, "operational", at), start=1):
                here = f"{at}, operational objective {k}"
                indicators = [_indicator(x, here, cat) for x in _list(op, "indicators", here)]
                for ind in indicators:
                    if ind.id in seen:
                        raise ConfigError(f"{here}: indicator id {ind.id!r} is used twice")
                    seen.add(ind.id)
                actions = op.get("actions", [])
                if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
                    raise ConfigError(f"{here}: `actions` is a list of texts")
                operational.append(
                    Operational(str(op.get("title", "")), tuple(actions), tuple(indicators))
                )
            objectives.append(Objective(str(s.get("title", "")), tuple(operational)))
        orientations.append(
            Orientation(
                str(o.get("id", i)),
                str(o.get("title", "")),
                str(o.get("audience", "")),
                tuple(objectives),
            )
        )
    return Grid(path, str(raw.get("title", "Suivi des objectifs")), tuple(orientations))


@cache
def _load(directory: Path) -> Grid:
    return parse(load_toml(FILE, directory), directory / FILE, load_catalogue(directory))


def load(directory: Path | None = None) -> Grid:
    """The grid of the configuration folder (read once per process and folder)."""
    return _load((directory or config_dir()).resolve())


# --- evaluation ---------------------------------------------------------------------------------


def _requests(grid: Grid, cat: Catalogue) -> dict[str | None, set[str]]:
    """{dimension or None: indicators to read split by year and that dimension}."""
    out: dict[str | None, set[str]] = {}
    for *_, g in grid.entries():
        if g.indicator is None:
            continue
        out.setdefault(g.by, set()).add(g.indicator)
        for p in g.placeholders:
            if p in cat.indicators:
                marts = cat.indicator(p).marts
                split = g.by if any(g.by in cat.marts[m].columns for m in marts) else None
                out.setdefault(split, set()).add(p)
    return out


@dataclass
class _Values:
    """The indicators read for the grid: values as they read, by indicator, slice and year."""

    frames: dict[str | None, Indicators]
    threshold: int
    # (indicator, slice dimension, code) -> its series: a grid line and the sentences of others
    # ask for the same ones; read from lists, not a frame filtered per call (60 calls a grid)
    _series: dict[tuple[str, str | None, str | None], dict[int, Any]] = field(default_factory=dict)
    _columns: dict[str | None, tuple[list[Any], list[str | None]]] = field(default_factory=dict)

    def series(self, ind: str, by: str | None, code: str | None) -> dict[int, Any]:
        """{year: value} of one indicator (and slice); a masked value reads "< 11" or "–". A
        count with no row for a year whose other slices have rows is 0."""
        key = (ind, by, code)
        if key not in self._series:
            self._series[key] = self._read(ind, by, code)
        return self._series[key]

    def _read(self, ind: str, by: str | None, code: str | None) -> dict[int, Any]:
        data = self.frames.get(by)
        if data is None or ind not in data.frame.columns:
            return {}
        if by not in self._columns:
            frame = data.frame
            codes = frame[by].cast(pl.String).to_list() if by is not None else []
            self._columns[by] = (frame["year"].to_list(), codes)
        years, codes = self._columns[by]
        shown = data.shown(ind, self.threshold)
        if by is None:
            return dict(zip(years, shown, strict=True))
        # a slice with no code matches no row (as NULL = NULL in SQL)
        out = {
            y: v
            for y, c, v in zip(years, codes, shown, strict=True)
            if code is not None and c == code
        }
        return {y: out.get(y, 0) for y in set(years)}


def _events(reader: Reader, year: int) -> pl.DataFrame:
    return reader.query("network_events", year=year)


def _event_text(kind: str, rows: list[dict[str, Any]]) -> str:
    parts = []
    for r in rows:
        day = formats.long_day(r["event_date"])
        if kind == "trainings":
            end = r["end_date"]
            when = (
                f"le {day}"
                if end is None or end == r["event_date"]
                else f"du {formats.long_day(r['event_date'], with_year=False)} au "
                f"{formats.long_day(end)}"
            )
            who = f" : {r['participants']} participants" if r["participants"] is not None else ""
            parts.append(f"{r['label'] or ''} {when}{who}".strip())
        else:
            parts.append(f"{r['label']} ({day})" if r["label"] else day)
    return " ; ".join(parts)


def _format(value: Any, fmt: str) -> str:
    return formats.number(value, fmt) if value is not None else "—"


def evaluate(reader: Reader, year: int, grid: Grid | None = None) -> list[Line]:
    """Every indicator of the grid for `year` (and its trend over the years of the warehouse up
    to it), read on behalf of the principal in context."""
    cat = reader.catalogue
    grid = grid or load()
    years = sorted(y for y in reader.query("years")["year"].to_list() if y <= year)
    span = max(1, year - (years[0] if years else year) + 1)
    filters = {"year": year, "c3": None, "organ": None, "finess": None, "department": None}
    values = _Values(
        {
            by: reader.indicators(sorted(ids), ["year", *([by] if by else [])], filters, years=span)
            for by, ids in _requests(grid, cat).items()
        },
        reader.secrecy.threshold,
    )
    # the year's events by kind, in date order: each grid line's sentence takes its own
    events: dict[str, list[dict[str, Any]]] = {}
    for row in _events(reader, year).sort("event_date", maintain_order=True).iter_rows(named=True):
        events.setdefault(row["kind"], []).append(row)
    lines = []
    for orientation, objective, operational, g in grid.entries():
        if g.indicator is None:
            value: Any = g.values.get(year)
            trend = tuple(sorted(g.values.items()))
            fmt = "count"
            text = _format(value, fmt)
            achieved = g.notes.get(year, "")
        else:
            ind = cat.indicator(g.indicator)
            fmt = ind.format
            series = values.series(g.indicator, g.by, g.code)
            value = series.get(year)
            trend = tuple(sorted((y, v) for y, v in series.items() if y <= year))
            text = _format(value, fmt)
            achieved = _achieved(g, cat, values, events, year, text)
            if g.notes.get(year):
                achieved = f"{achieved} {g.notes[year]}".strip()
        target = g.target(year)
        lines.append(
            Line(
                orientation,
                objective,
                operational,
                g,
                year,
                value,
                text,
                achieved,
                target,
                _format(target, fmt) if target is not None else "",
                _status(g, year, value, target),
                trend,
            )
        )
    return lines


def _achieved(
    g: GridIndicator,
    cat: Catalogue,
    values: _Values,
    events: dict[str, list[dict[str, Any]]],
    year: int,
    text: str,
) -> str:
    """The "Suivi des objectifs" sentence of `g` for `year`, from the data."""
    if not g.achieved:
        return ""
    words: dict[str, str] = {"value": text, "year": str(year), "dates": "", "events": ""}
    if g.events is not None:
        dicts = [r for r in events.get(g.events, []) if g.code is None or r["code"] == g.code]
        days = formats.day_list([r["event_date"] for r in dicts])
        words["dates"] = f" {days}" if days else ""
        words["events"] = _event_text(g.events, dicts) or "aucun"
    for p in g.placeholders:
        if p in cat.indicators:
            ind = cat.indicator(p)
            split = g.by if any(g.by in cat.marts[m].columns for m in ind.marts) else None
            series = values.series(p, split, g.code if split else None)
            words[p] = _format(series.get(year), ind.format)
    return g.achieved.format(**words)


def _status(g: GridIndicator, year: int, value: Any, target: float | None) -> str:
    """The analyst's status for the year, else met or not against the target."""
    if year in g.statuses:
        return g.statuses[year]
    if value is None and year not in g.notes:
        return NOT_MEASURED
    if isinstance(value, str):  # "< 11": statistical secrecy masked it
        return MASKED
    if target is None or not isinstance(value, int | float):
        return NO_TARGET
    met = value >= target if g.direction == "up" else value <= target
    return MET if met else NOT_MET
