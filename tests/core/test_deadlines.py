"""portal.core.deadlines: the days staff enter, the instants stored, and how a deadline reads in
Japanese and English (portal.core.japanese gives the 和暦 date with its day of the week)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from portal.core import deadlines
from portal.core.i18n import JST
from portal.core.japanese import wareki_with_weekday

LAST_DAY = date(2026, 12, 27)  # a Sunday


def test_a_last_day_closes_at_midnight_after_it_in_japan_and_reads_back():
    closes = deadlines.close_after(LAST_DAY)
    assert closes == datetime(2026, 12, 27, 15, 0, tzinfo=timezone.utc)
    assert closes.astimezone(JST) == datetime(2026, 12, 28, 0, 0, tzinfo=JST)
    assert deadlines.last_day(closes) == LAST_DAY
    assert deadlines.start_of(date(2026, 10, 1)) == datetime(2026, 9, 30, 15, 0, tzinfo=timezone.utc)
    assert deadlines.first_day(deadlines.start_of(date(2026, 10, 1))) == date(2026, 10, 1)
    # A close set at a time of day belongs to that day.
    assert deadlines.last_day(datetime(2026, 12, 27, 17, 0, tzinfo=JST)) == LAST_DAY
    # The day in Japan, not in UTC: 00:30 JST on the 28th is still the 27th in UTC.
    assert deadlines.on_day(datetime(2026, 12, 27, 15, 30, tzinfo=timezone.utc)) == date(2026, 12, 28)


def test_an_unchanged_day_keeps_a_stored_instant_and_a_changed_one_moves_to_the_day_edge():
    legacy_close = datetime(2026, 12, 27, 17, 0, tzinfo=JST)
    assert deadlines.closing_for(LAST_DAY, legacy_close) == legacy_close
    assert deadlines.closing_for(date(2026, 12, 26), legacy_close) == deadlines.close_after(date(2026, 12, 26))
    assert deadlines.closing_for(LAST_DAY) == deadlines.close_after(LAST_DAY)
    legacy_open = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    assert deadlines.opening_for(date(2026, 12, 1), legacy_open) == legacy_open
    assert deadlines.opening_for(date(2026, 12, 2), legacy_open) == deadlines.start_of(date(2026, 12, 2))


@pytest.mark.parametrize("day, expected", [
    (date(2026, 12, 27), "令和8年12月27日（日）"),
    (date(2019, 5, 1), "令和元年5月1日（水）"),
    (date(2019, 4, 30), "平成31年4月30日（火）"),
])
def test_the_japanese_date_carries_its_day_of_the_week(day, expected):
    assert wareki_with_weekday(day) == expected


def test_english_deadlines(app):
    with app.test_request_context(), force_locale("en"):
        assert deadlines.until(deadlines.close_after(LAST_DAY)) == "until Sunday 27 December 2026, 23:59 JST"
        assert deadlines.until(datetime(2026, 12, 27, 17, 0, tzinfo=JST)) == "until Sunday 27 December 2026, 17:00 JST"
        assert deadlines.until(LAST_DAY) == "until Sunday 27 December 2026 (the whole day, until 23:59 JST)"
        assert deadlines.until(LAST_DAY, sentence=True) == "until Sunday 27 December 2026, 23:59 JST"
        assert deadlines.window(deadlines.start_of(date(2026, 10, 1)), deadlines.close_after(LAST_DAY)) == (
            "from Thursday 1 October 2026 until Sunday 27 December 2026, 23:59 JST")
        assert deadlines.opening(datetime(2026, 12, 1, 9, 0, tzinfo=JST)) == "Tuesday 1 December 2026, 9:00 JST"
        assert deadlines.until(None) == "" and deadlines.window(None, LAST_DAY) == ""


def test_japanese_deadlines(app):
    """As a prefectural notice writes them (these pass once the catalogue has the Japanese)."""
    with app.test_request_context(), force_locale("ja"):
        assert deadlines.until(deadlines.close_after(LAST_DAY)) == "令和8年12月27日（日）23時59分まで"
        assert deadlines.until(LAST_DAY) == "令和8年12月27日（日）まで（当日23時59分まで受け付けます）"
        assert deadlines.until(LAST_DAY, sentence=True) == "令和8年12月27日（日）23時59分まで"
        assert deadlines.window(date(2026, 10, 1), LAST_DAY) == (
            "令和8年10月1日（木）から令和8年12月27日（日）まで（最終日は23時59分まで受け付けます）")
