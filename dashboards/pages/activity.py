"""Activité RCP: dossiers and sessions per month, 3C, entity and organ; registered vs
discussed, on site vs video, first presentation vs re-discussion; a calendar of sessions. Every
chart is an entry of config/indicators.toml ([charts.activite.*])."""

from __future__ import annotations

from dashboards import chart_page

figures, layout = chart_page.register_page(
    __name__, "activite", path="/activite", name="Activité RCP", order=1
)
