"""The boards Dash registered (dashboards/pages/), by path."""

from __future__ import annotations

import sys
from types import ModuleType

import dash


def page_paths() -> dict[str, str]:
    """{page path: module name} of the registered boards."""
    return {p["path"]: p["module"] for p in dash.page_registry.values()}


def page_module(path: str) -> ModuleType:
    """A board's module as Dash loaded it (importing it again would register it twice)."""
    try:
        return sys.modules[page_paths()[path]]
    except KeyError:
        raise KeyError(f"no board at {path}") from None
