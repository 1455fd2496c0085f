"""Every word the boards put on a figure or an export header comes from the catalogue
(config/indicators.toml) or the vocabularies; an indicator added to the catalogue reaches the
overview, its export and the data dictionary without a line of code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from quality.checks import catalog
from rrc.settings import PROJECT_ROOT
from tests.dashboards.figures import validated
from warehouse.read import catalogue, formats

SEARCHES = ["?annee=2013", "?annee=2013&3c=C3-01&organe=sein&departement=63&etablissement=x"]


def known() -> set[str]:
    """The texts a figure may carry: the catalogue's, the quality checks' French labels, and
    the calendar's words."""
    cat = catalogue.load()
    out = cat.labels()
    out |= {c.label for c in catalog()[0].values()}
    out |= set(cat.texts.values())
    return out | {formats.WEEK}


def fragments(text: str) -> list[str]:
    """The words of a title or a hover text, without plotly's placeholders and markup."""
    text = re.sub(r"%\{[^}]*\}", "\x00", text)
    text = re.sub(r"<extra>.*?</extra>|<br>|</?i>", "\x00", text)
    return [f.strip(" :,") for f in text.split("\x00") if f.strip(" :,")]


def _texts(fig: Any) -> list[tuple[str, str]]:
    layout = fig.layout
    out = [("title", layout.title.text or "")]
    if layout.title.subtitle and layout.title.subtitle.text:
        out.append(("subtitle", layout.title.subtitle.text))
    for axis in (layout.xaxis, layout.yaxis):
        if axis.title and axis.title.text:
            out.append(("axis", axis.title.text))
    for trace in fig.data:
        if getattr(trace, "name", None):
            out.append(("legend", trace.name))
        template = getattr(trace, "hovertemplate", None)
        if template:
            out += [("hover", f) for f in fragments(template)]
    return out


def _unknown(kind: str, text: str, words: set[str]) -> bool:
    if kind == "subtitle":  # notes: sentences of the catalogue, one after another
        rest = text
        for sentence in sorted(words, key=len, reverse=True):
            rest = rest.replace(sentence, "")
        return bool(rest.strip())
    return text not in words


@pytest.mark.parametrize("search", SEARCHES)
def test_no_figure_carries_a_word_the_catalogue_does_not_give(app, search: str) -> None:  # type: ignore[no-untyped-def]
    from dashboards.registry import page_module

    care_offer, quality = page_module("/offre-de-soins"), page_module("/qualite")
    words = known()
    figures = {
        (page, name): fig
        for page in catalogue.load().charts
        for name, fig in validated(page_module(f"/{page}").figures(search)).items()
    }
    figures |= {("qualite", n): f for n, f in validated(quality.figures()).items()}
    carte, _ = care_offer.figure(search, list(care_offer.LAYERS), "departement")
    figures[("offre-de-soins", "carte")] = validated({"carte": carte})["carte"]
    strays = [
        (where, kind, text)
        for where, fig in figures.items()
        for kind, text in _texts(fig)
        if text and _unknown(kind, text, words)
    ]
    assert strays == []
    assert len(figures) > 25


@pytest.mark.parametrize("search", SEARCHES)
def test_every_export_header_comes_from_the_catalogue(app, search: str) -> None:  # type: ignore[no-untyped-def]
    from dashboards import export

    cat = catalogue.load()
    words = known()
    charts = [(page, chart) for page, charts in cat.charts.items() for chart in charts]
    for page, chart in [*charts, export.OVERVIEW]:
        sheet = export.sheet_of(page, chart, search)
        for header in sheet.headers:
            label = re.sub(r" \(([^()]+)\)$", "", header)
            unit = header[len(label) + 2 : -1]
            assert label in words and (not unit or unit in words), (page, chart, header)
        assert sheet.headers[0] in words


def test_an_indicator_added_to_the_catalogue_reaches_the_overview_its_export_and_the_dictionary(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """One [indicators.<id>] table over an existing mart, and its id in `overview`: no code."""
    from dashboards import data, export
    from dashboards.registry import page_module
    from warehouse import dictionary

    overview = page_module("/")
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "indicators.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('"trials_open",\n]', '"trials_open", "pct_video",\n]', 1)
    text += """
[indicators.pct_video]
label = "Dossiers présentés en visioconférence (part)"
short = "Visio (%)"
definition = "Part des dossiers présentés en RCP dans l'année par visioconférence."
unit = "%"
format = "percent"
mart = "mart_rcp_activity_monthly"
kind = "rate"
numerator = "video"
denominator = "dossiers"
scale = 100
secrecy = "rate"
"""
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("RRC_CONFIG_DIR", str(config))
    reader = data.reader()
    monkeypatch.setattr(data, "_READER", type(reader)(reader.warehouse.dir))
    try:
        tiles = overview.tiles("?annee=2013")
        ids = [t.id for t in tiles]
        assert "ensemble-tuile-pct_video" in ids
        tile = tiles[ids.index("ensemble-tuile-pct_video")]
        value = tile.children[1].children
        assert re.fullmatch(r"\d{1,2},\d\u202f%", value), value
        sheet = export.sheet_of("ensemble", "indicateurs", "?annee=2013")
        assert "Dossiers présentés en visioconférence (part) (%)" in sheet.headers
        row = dictionary.indicators()["pct_video"]
        assert row["label"] == "Dossiers présentés en visioconférence (part)"
        assert row["marts"] == ["marts.mart_rcp_activity_monthly"]
        assert "pct_video" in dictionary.indicators_markdown()
    finally:
        monkeypatch.delenv("RRC_CONFIG_DIR")
        catalogue.load()  # the shipped catalogue again for the tests that follow
