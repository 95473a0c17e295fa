"""Deadlines as people read them, and the instants the portal keeps for them.

People mean days: "applications until the 27th" means the whole of the 27th in Japan. A window
kept as instants (a cohort's applications, a seminar's sign-up) is entered as its first and last
day and stored as 00:00 JST on the first day and 00:00 JST on the day after the last, so that
`opens_at <= now < closes_at` is the whole rule; it is shown as the last minute of the last day,
「令和8年12月27日（日）23時59分まで」. A window kept as dates (reporting periods, correction
deadlines) is compared with today in JST, so it includes its last day, and says so:
「令和8年12月27日（日）まで（当日23時59分まで受け付けます）」.

Every page, mail and form that states such a window goes through this module (the Jinja
filters `until`, `window` and `opening`), so they all say the same thing.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _

from portal.core.i18n import JST, current_locale, format_day, jst
from portal.core.japanese import wareki_with_weekday

# --- days entered, instants stored ------------------------------------------------------------


def start_of(day: date) -> datetime:
    """00:00 JST on `day`, as a UTC instant: what a window opening on `day` stores."""
    return datetime.combine(day, time.min, tzinfo=JST).astimezone(timezone.utc)


def close_after(last_day: date) -> datetime:
    """When a window whose last day is `last_day` closes: 00:00 JST on the next day (UTC)."""
    return start_of(last_day + timedelta(days=1))


def first_day(opens_at: datetime) -> date:
    """The day (JST) a window opening at `opens_at` opens."""
    return jst(opens_at).date()


def last_day(closes_at: datetime) -> date:
    """The last day (JST) on which a window closing at `closes_at` is open: the day before for
    a close at 00:00 JST, the day of the close otherwise (a window set to close at 17:00)."""
    return (jst(closes_at) - timedelta(microseconds=1)).date()


def opening_for(day: date, stored: datetime | None = None) -> datetime:
    """The instant to store for a window whose first day is `day`. A day left as it was keeps
    the stored instant: a window set before days were entered (opening at 09:00, say) does not
    move because something else on its form was edited."""
    if stored is not None and first_day(stored) == day:
        return stored
    return start_of(day)


def closing_for(day: date, stored: datetime | None = None) -> datetime:
    """The instant to store for a window whose last day is `day` (see `opening_for`)."""
    if stored is not None and last_day(stored) == day:
        return stored
    return close_after(day)


def on_day(now: datetime) -> date:
    """The day in Japan at the instant `now`: what a window kept as dates is compared with."""
    return jst(now).date()


# --- how it reads ------------------------------------------------------------------------------


def _day(day: date) -> str:
    """令和8年12月27日（日） / Sunday 27 December 2026."""
    language = current_locale()
    if language == "ja":
        return wareki_with_weekday(day)
    return format_day(day, "EEEE d MMMM y", language)


def _moment(value: datetime, closing: bool) -> str:
    """The day, and the time where it is not the day's edge: a close at 00:00 JST reads as
    23:59 on the day before, an opening at 00:00 JST as the day alone."""
    local = jst(value)
    at_midnight = local.time() == time.min
    if at_midnight and not closing:
        return _day(local.date())
    if at_midnight:
        local -= timedelta(minutes=1)
    clock = _("%(hour)s:%(minute)s JST", hour=local.hour, minute=f"{local.minute:02d}")
    return _("%(day)s, %(time)s", day=_day(local.date()), time=clock)


def until(value: datetime | date | None, sentence: bool = False) -> str:
    """「令和8年12月27日（日）23時59分まで」 for an instant (the last minute before it), or
    「令和8年12月27日（日）まで（当日23時59分まで受け付けます）」 for a last day — said inside a
    sentence (`sentence=True`), a last day reads like an instant: 「…23時59分まで」."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _("until %(moment)s", moment=_moment(value, closing=True))
    if sentence:
        return until(close_after(value))
    return _("until %(day)s (the whole day, until 23:59 JST)", day=_day(value))


def opening(value: datetime | date | None) -> str:
    """When a window opens, without a preposition: 「令和8年10月1日（木）」."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _moment(value, closing=False)
    return _day(value)


def window(opens: datetime | date | None, closes: datetime | date | None) -> str:
    """「令和8年10月1日（木）から令和8年12月27日（日）23時59分まで」; for dates, the last day
    said to be included whole."""
    if opens is None or closes is None:
        return ""
    if isinstance(closes, datetime):
        return _("from %(start)s until %(end)s", start=opening(opens), end=_moment(closes, closing=True))
    return _("from %(start)s until %(end)s (the last day until 23:59 JST)", start=opening(opens),
             end=_day(closes))
