"""French formats for reports: thin space between thousands, decimal comma, masked cells.

The same convention as the boards' tiles (dashboards/pages/overview.py, which cannot be imported
outside the Dash app).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reports.model import Kind
from warehouse.read.formats import FULL_MONTHS
from warehouse.read.secrecy import MASKED_RATE, label

THIN = "\u202f"  # narrow no-break space: the French thousands separator
MONTHS = FULL_MONTHS


def french(value: float, decimals: int = 0) -> str:
    """12345.6 -> '12 345,6' (with a narrow no-break space)."""
    return f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def cell(value: Any, kind: Kind, threshold: int) -> str:
    """How a cell reads: masked (None) as '< 11' (a count) or '–' (a rate), counts and rates
    the French way."""
    if value is None:
        return MASKED_RATE if kind == "rate" else label(None, threshold)
    if isinstance(value, str) or kind == "text":
        return str(value)
    if kind == "count" or (kind == "value" and isinstance(value, int)):
        return french(value)
    return french(value, 1)


def change(before: float | None, after: float | None, percent: bool) -> str | None:
    """Year-on-year change: in points for a rate, in % for a count; None when either is masked."""
    if before is None or after is None:
        return None
    if percent:
        return f"{'+' if after >= before else ''}{french(after - before, 1)} pt"
    if not before:
        return "—"
    delta = 100.0 * (after - before) / before
    return f"{'+' if delta >= 0 else ''}{french(delta, 1)} %"


def long_date(moment: datetime) -> str:
    """25 novembre 2026 à 21 h 03."""
    return (
        f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} "
        f"à {moment.hour} h {moment.minute:02d}"
    )


def secrecy_note(threshold: int, max_noise: int) -> str:
    return (
        f"« {label(None, threshold)} » : effectif de 1 à {threshold - 1} personnes, masqué par le "
        f"secret statistique. Les autres effectifs sont perturbés de {max_noise} au plus "
        "(méthode des clés de cellule) : une même case a toujours la même valeur, sur chaque "
        "page, export et rapport, mais un total peut différer de la somme de ses parties, "
        "et les soustractions ne redonnent pas les effectifs masqués. « – » : taux non publié "
        "parce que son numérateur, son dénominateur ou leur différence est un effectif de 1 à "
        f"{threshold - 1}. Un 0 est un vrai zéro."
    )
