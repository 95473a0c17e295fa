"""How a seminar reads on a page and in a mail: its time (JST) and where sign-up stands."""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _

from portal.core import deadlines
from portal.core.i18n import current_locale, display_datetime, jst, wareki
from portal.seminars.models import Seminar

OPEN, NOT_YET, CLOSED, FULL, OVER, CANCELLED = "open", "not_yet", "closed", "full", "over", "cancelled"


def time_range(starts_at: datetime, ends_at: datetime, western: bool = False) -> str:
    """令和8年12月10日（木）14時00分～16時00分 / Thu, 10 Dec 2026, 14:00–16:00 JST (one day), or
    both ends in full when it runs over several days; `western` adds the western year to a
    Japanese date (令和8年（2026年）12月10日（木）…), as a printed document gives it."""
    from portal.core.japanese import clock

    start, end = jst(starts_at), jst(ends_at)
    if current_locale() == "ja":
        if start.date() != end.date():
            return f"{wareki(start, weekday=True, western=western)}{clock(start)}～" \
                   f"{wareki(end, weekday=True, western=western)}{clock(end)}"
        return f"{wareki(start, weekday=True, western=western)}{clock(start)}～{clock(end)}"
    if start.date() != end.date():
        return f"{display_datetime(starts_at)} – {display_datetime(ends_at)}"
    return _("%(day)s, %(start)s–%(end)s", day=format_date(start, "EEE, d MMM y"),
             start=format_time(start, "HH:mm"), end=format_time(end, "HH:mm")) + " JST"


def document_time(starts_at: datetime, ends_at: datetime) -> str:
    """When a seminar takes place, as a printed document gives it: 令和8年（2026年）12月14日（月）
    10時00分～12時00分 in Japanese."""
    return time_range(starts_at, ends_at, western=True)


def signup_status(seminar: Seminar, now: datetime) -> str:
    """Where sign-up stands: cancelled, over, not yet open, open, full (open: waiting list), closed."""
    if seminar.cancelled:
        return CANCELLED
    if seminar.ended(now):
        return OVER
    if now < seminar.signup_opens_at:
        return NOT_YET
    if now >= seminar.signup_closes_at:
        return CLOSED
    return FULL if seminar.seats_left == 0 else OPEN


def status_text(seminar: Seminar, now: datetime) -> str:
    status = signup_status(seminar, now)
    if status == NOT_YET:
        return _("Sign-up opens on %(date)s", date=deadlines.opening(seminar.signup_opens_at))
    if status == OPEN:
        return _("Open for sign-up %(deadline)s", deadline=deadlines.until(seminar.signup_closes_at))
    if status == FULL:
        return _("Full: you can join the waiting list %(deadline)s",
                 deadline=deadlines.until(seminar.signup_closes_at))
    return {CLOSED: _("Sign-up has closed"), OVER: _("This seminar is over"),
            CANCELLED: _("Cancelled")}[status]
