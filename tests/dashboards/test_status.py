"""The tiles' badges (dashboards/status.py) on literal rows: which sources are late and which
checks failed, for the sources and staging tables behind one figure."""

from __future__ import annotations

from dashboards.status import Badges

BADGES = Badges(
    late=("dcc", "registre"),
    failed=(
        ("stg_fiche", "fiche_unique"),
        ("stg_fiche", "fiche_unique"),  # the same check on two fields counts twice
        ("stg_fiche", "icd10_valid"),
        ("stg_pps", "pps_after_rcp"),
    ),
    feeds=(("fiche", "dcc"), ("fiche", "vendor_b"), ("pps", "dcc"), ("trial", "registre")),
)


def test_a_figure_names_its_late_sources_and_its_failed_checks() -> None:
    sources = BADGES.sources_of(("fiche",))
    assert sources == ["dcc", "vendor_b"]
    text, alert = BADGES.badge(sources, ["stg_fiche"])
    assert text == ("sources en retard : dcc · 3 contrôle(s) en échec (fiche_unique, icd10_valid)")
    assert alert


def test_a_figure_whose_sources_are_fresh_and_checks_pass_raises_no_alert() -> None:
    assert BADGES.badge(["vendor_b"], ["stg_patient_identity"]) == (
        "sources à jour · contrôles qualité conformes",
        False,
    )


def test_a_late_source_alone_raises_the_alert() -> None:
    assert BADGES.badge(BADGES.sources_of(("trial",)), ["stg_trial"]) == (
        "sources en retard : registre · contrôles qualité conformes",
        True,
    )
