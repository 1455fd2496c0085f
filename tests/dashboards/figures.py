"""The boards build their figures as plain dicts, unvalidated (dashboards/charts.py); tests read
them through plotly's graph objects, which validate every property on the way."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


def validated(figures: dict[str, Any]) -> dict[str, go.Figure]:
    """Each figure as a validated go.Figure: an unknown or ill-typed property raises here."""
    return {name: go.Figure(fig) for name, fig in figures.items()}
