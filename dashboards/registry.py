"""The boards Dash registered (dashboards/pages/), by path, and those a role may open."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import dash

from access.policy import Role

NOT_FOUND = "/404"


def page_paths() -> dict[str, str]:
    """{page path: module name} of the registered boards."""
    return {p["path"]: p["module"] for p in dash.page_registry.values()}


def page_module(path: str) -> ModuleType:
    """A board's module as Dash loaded it (importing it again would register it twice)."""
    try:
        return sys.modules[page_paths()[path]]
    except KeyError:
        raise KeyError(f"no board at {path}") from None


def boards() -> list[dict[str, Any]]:
    """The boards in the order of the navigation (the 404 page is none)."""
    pages = [p for p in dash.page_registry.values() if p["path"] != NOT_FOUND]
    return sorted(pages, key=lambda p: (p.get("order") is None, p.get("order") or 0))


def allowed(role: Role) -> list[dict[str, Any]]:
    """The boards `role` may open, in the order of the navigation."""
    return [p for p in boards() if role.may_open(str(p["path"]))]


def landing(role: Role) -> str | None:
    """Where `role` lands after login: the first board it may open (None: it may open none)."""
    pages = allowed(role)
    return str(pages[0]["path"]) if pages else None


# exports named after something other than their page's path (`/export/<name>/...`)
EXPORT_PAGES = {"ensemble": "/"}  # the overview's tiles as one table


def export_page_path(name: str) -> str:
    """The page an export belongs to, whose right it needs: `/export/activite/...` -> /activite."""
    return EXPORT_PAGES.get(name, "/" + name)
