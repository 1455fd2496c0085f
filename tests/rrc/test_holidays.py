"""France's public holidays, against the dates the government published."""

from __future__ import annotations

from datetime import date

from rrc.holidays import easter, holidays, is_holiday


def test_easter_and_the_moving_holidays_fall_on_their_published_dates() -> None:
    assert [easter(y) for y in (2013, 2024, 2025, 2026, 2027)] == [
        date(2013, 3, 31),
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    moving = {name: day for day, name in holidays(2026).items()}
    assert moving["Lundi de Pâques"] == date(2026, 4, 6)
    assert moving["Ascension"] == date(2026, 5, 14)
    assert moving["Lundi de Pentecôte"] == date(2026, 5, 25)
    assert len(holidays(2026)) == 11


def test_a_working_day_is_no_holiday() -> None:
    assert is_holiday(date(2026, 12, 25)) and is_holiday(date(2027, 1, 1))
    assert not is_holiday(date(2026, 12, 24)) and not is_holiday(date(2026, 4, 5))  # a Sunday
