"""The boards Dash registered (dashboards/pages/), by path, and those a role may open; the public
pages (under /public/) are apart: no role's navigation lists them, and they are matched by their
path template (`/public/rcp/<code>`)."""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any

import dash

from access.policy import PUBLIC_PREFIX, Role

NOT_FOUND = "/404"


def _path(page: dict[str, Any]) -> str:
    """A page's path as registered: its template when it has one (`/public/rcp/<code>`)."""
    return str(page.get("path_template") or page["path"])


def page_paths() -> dict[str, str]:
    """{page path or template: module name} of the registered pages."""
    return {_path(p): p["module"] for p in dash.page_registry.values()}


def page_module(path: str) -> ModuleType:
    """A board's module as Dash loaded it (importing it again would register it twice)."""
    try:
        return sys.modules[page_paths()[path]]
    except KeyError:
        raise KeyError(f"no board at {path}") from None


def page_of(path: str) -> str | None:
    """The registered page (path or template) that answers `path`, or None."""
    path = path.rstrip("/") or "/"
    for registered in page_paths():
        if "<" not in registered:
            if registered == path:
                return registered
        elif re.fullmatch(re.sub(r"<[^>/]+>", "[^/]+", registered), path):
            return registered
    return None


def is_public(path: str) -> bool:
    """Whether a path is under /public/ (a public page, whether or not it is open)."""
    return path == PUBLIC_PREFIX or path.startswith(PUBLIC_PREFIX + "/")


def boards() -> list[dict[str, Any]]:
    """The boards in the order of the navigation (the 404 page and the public pages are none)."""
    pages = [
        p for p in dash.page_registry.values() if p["path"] != NOT_FOUND and not is_public(_path(p))
    ]
    return sorted(pages, key=lambda p: (p.get("order") is None, p.get("order") or 0))


def public_pages() -> list[dict[str, Any]]:
    """The public pages in the order of their navigation (those with an order: not one RCP's)."""
    pages = [p for p in dash.page_registry.values() if is_public(_path(p))]
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
