"""How values read in French, for every screen and file: a narrow no-break space between
thousands, a decimal comma, and the unit of the catalogue's format."""

from __future__ import annotations

from typing import Any

THIN = "\u202f"  # narrow no-break space: the French thousands separator
MONTHS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
)  # fmt: skip
FULL_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
WEEK = "semaine"
DECIMALS = {"count": 0, "percent": 1, "days": 1, "rate": 1}
SUFFIX = {"count": "", "percent": "\u202f%", "days": "\u202fj", "rate": ""}


def french(value: float, decimals: int = 0) -> str:
    """12345.6 -> '12 345,6' (with a narrow no-break space)."""
    return f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def number(value: Any, fmt: str) -> str:
    """A value of an indicator of format `fmt` (count, percent, days, rate), without its unit
    for counts: '1 234', '97,2 %', '12 j'; '—' when there is none."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    decimals = DECIMALS[fmt]
    if fmt == "days" and float(value).is_integer():
        decimals = 0
    return french(float(value), decimals) + SUFFIX[fmt]


def d3(fmt: str) -> str:
    """The plotly (d3) format of a value in hover texts, with the figure's French separators."""
    return {"count": ",.0f", "percent": ",.1f", "days": ",.1f", "rate": ",.1f"}[fmt]


def month(day: Any) -> str:
    """A month as an axis reads it: 'janv. 2013'."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def long_day(day: Any, with_year: bool = True) -> str:
    """A day as a sentence reads it: '21 mars 2013', '1er juin 2013'."""
    first = "1er" if day.day == 1 else str(day.day)
    text = f"{first} {FULL_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def enumeration(items: list[str]) -> str:
    """'a', 'a et b', 'a, b et c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def day_list(days: list[Any]) -> str:
    """Days as the activity report lists them: 'le 3 juillet 2013', 'les 21 mars, 30 mai et 5
    décembre 2013' (the year once when they share it); '' for none."""
    days = sorted(set(days))
    if not days:
        return ""
    same_year = len({d.year for d in days}) == 1
    words = [long_day(d, with_year=not same_year) for d in days]
    if same_year:
        words[-1] = f"{words[-1]} {days[-1].year}"
    return ("le " if len(days) == 1 else "les ") + enumeration(words)
