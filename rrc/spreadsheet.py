"""Text that a spreadsheet would run as a formula, made inert: one rule for every file the
platform writes (board exports, reports, cohort extracts).

OWASP's CSV-injection rule: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
is prefixed with an apostrophe, which spreadsheets show but do not evaluate.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """`value` unchanged unless it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
