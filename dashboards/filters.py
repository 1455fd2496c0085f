"""The global filters, kept in the URL so that a link can be shared:
?annee=2013&mois=3-6&3c=C3-01&organe=sein (the months narrow the year: March to June).

A page may keep its own state beside them (the map's `couche` and `niveau`): setting the filters
keeps those parameters, and the navigation carries only the filters to the other pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlencode

from warehouse.read import catalogue

# query parameter -> its name in the URL (config/indicators.toml [filters])
PARAMS = {name: f.url for name, f in catalogue.load().filters.items()}
MONTHS = catalogue.load().period.url
WHOLE_YEAR = (1, 12)


def months_of(text: str | None) -> tuple[int, int] | None:
    """`3-6` -> (3, 6), `5` -> (5, 5); None for the whole year or anything else."""
    parts = (text or "").split("-")
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        return None
    first, last = int(parts[0]), int(parts[-1])
    if not 1 <= first <= last <= 12 or (first, last) == WHOLE_YEAR:
        return None
    return first, last


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    c3: str | None = None
    organ: str | None = None
    finess: str | None = None
    department: str | None = None
    months: tuple[int, int] | None = None  # the months of the year, first and last; None: all

    @classmethod
    def from_search(cls, search: str | None) -> Filters:
        values = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
        year = values.get(PARAMS["year"])
        return cls(
            year=int(year) if year and year.isdigit() else None,
            c3=values.get(PARAMS["c3"]) or None,
            organ=values.get(PARAMS["organ"]) or None,
            finess=values.get(PARAMS["finess"]) or None,
            department=values.get(PARAMS["department"]) or None,
            months=months_of(values.get(MONTHS)),
        )

    def to_search(self, keeping: str | None = None) -> str:
        """The URL's search of these filters, followed by the parameters of `keeping` (a search)
        that are not filters, such as a page's own state."""
        pairs: dict[str, object] = {
            PARAMS.get(k, MONTHS): v
            for k, v in (
                ("year", self.year),
                ("months", f"{self.months[0]}-{self.months[1]}" if self.months else None),
                ("c3", self.c3),
                ("organ", self.organ),
                ("finess", self.finess),
                ("department", self.department),
            )
            if v not in (None, "")
        }
        filters = {*PARAMS.values(), MONTHS}
        own: list[tuple[str, object]] = [
            (k, v) for k, v in parse_qsl((keeping or "").lstrip("?")) if k not in filters
        ]
        query = urlencode(list(pairs.items()) + own)
        return "?" + query if query else ""

    def params(self, default_year: int) -> dict[str, object]:
        """Query parameters, the year defaulting to the latest with activity."""
        return {
            "year": self.year or default_year,
            "c3": self.c3,
            "organ": self.organ,
            "finess": self.finess,
            "department": self.department,
            "months": self.months,
        }
