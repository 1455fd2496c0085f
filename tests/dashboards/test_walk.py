"""The browser walk's own checks, on literal text: what they report is what a page fails for."""

from __future__ import annotations

from tests.dashboards.walk import english_in, undrawable


def test_a_character_no_installed_font_has_is_reported_with_its_code_point() -> None:
    # U+10FFFD is a private-use code point of the last plane: no font of a server draws it
    assert undrawable("Taux de quorum\U0010fffd 12 %") == ["U+10FFFD \U0010fffd"]


def test_french_text_and_the_signs_the_boards_use_are_drawable() -> None:
    text = "Accès refusé — « Définition » : 12,5 % ≥ 2 ; 1 000 fiches… ▲ → Œuvre Ç ÿ €"
    assert undrawable(text + "\u202f\u00a0\n\t") == []


def test_english_words_are_found_whole() -> None:
    assert english_in("Zoom in, puis Accès refusé") == ["Zoom in"]
    assert english_in("Afficher les fiches de vendor_b") == ["vendor_b"]
    assert english_in("fiche vendor_b:123") == []  # a record id, not a word
