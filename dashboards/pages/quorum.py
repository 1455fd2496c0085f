"""Quorum et conformité: compliance by 3C, RCP entity and organ; specialties most often
missing; patient informed traced and PPS naming a GP. Every chart is an entry of
config/indicators.toml ([charts.quorum.*])."""

from __future__ import annotations

from dashboards import chart_page

figures, layout = chart_page.register_page(
    __name__, "quorum", path="/quorum", name="Quorum et conformité", order=2
)
