"""Reading a Dash layout as a user of the page would: the ids of its components."""

from __future__ import annotations

from typing import Any


def ids(component: Any) -> list[str]:
    found = [component.id] if getattr(component, "id", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found += ids(child)
    return found
