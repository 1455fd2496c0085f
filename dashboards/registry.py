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


# exports named after something other than their page's path (`/export/<name>/...`)
EXPORT_PAGES = {"ensemble": "/"}  # the overview's tiles as one table


def export_page_path(name: str) -> str:
    """The page an export belongs to, whose right it needs: `/export/activite/...` -> /activite."""
    return EXPORT_PAGES.get(name, "/" + name)
