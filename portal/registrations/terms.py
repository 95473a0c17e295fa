"""Registration terms: three years from the decision, renewable; the renewal window."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

TERM_YEARS = 3
RENEWAL_WINDOW_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, years: int = TERM_YEARS) -> date:
    """The last active day: the day before the same date `years` later (2021-08-25 → 2024-08-24)."""
    return add_months(start, 12 * years) - timedelta(days=1)


def renewal_window(valid_until: date) -> tuple[date, date]:
    """Renewal may start six months before the term ends and up to six months after."""
    return add_months(valid_until, -RENEWAL_WINDOW_MONTHS), add_months(valid_until, RENEWAL_WINDOW_MONTHS)


def may_renew_on(registration, day: date) -> bool:
    first, last = renewal_window(registration.valid_until)
    return registration.state == "active" and first <= day <= last
