"""Dossiers: counts by organ, ICD-10 group, age band, sex and department of residence; new
patients against the cases expected from the population. Every chart is an entry of
config/indicators.toml ([charts.dossiers.*])."""

from __future__ import annotations

from dashboards import chart_page

figures, layout = chart_page.register_page(
    __name__, "dossiers", path="/dossiers", name="Dossiers", order=3
)
