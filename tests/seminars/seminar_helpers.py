"""Helpers of the seminar tests (a module of its own: test modules cannot import a conftest by
name, every folder has one): times in JST, valid corporate numbers, a seminar's defaults and
the portal's wording in a language."""
from __future__ import annotations

from datetime import datetime, timedelta

from portal.core.i18n import JST, today_jst


def corporate_number(serial: int) -> str:
    from portal.core.japanese import corporate_number_check_digit

    base = f"8888{serial:08d}"
    return f"{corporate_number_check_digit(base)}{base}"


def jst_at(days: int, hour: int = 14, minute: int = 0) -> datetime:
    """`days` from today (JST) at hour:minute JST, as an aware datetime."""
    day = today_jst() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


DEFAULTS = {
    "title_ja": "SDGs経営実践セミナー", "title_en": "SDGs in practice for small businesses",
    "description_ja": "登録事業者向けのフォローアップセミナーです。\n取組の進め方を事例で学びます。",
    "description_en": "A follow-up seminar for registrants: putting your commitments into practice.",
    "venue": "熊本県庁 本館地下大会議室（熊本市中央区水前寺6-18-1）", "online_url": None,
    "capacity": 10, "seats_per_organisation": 3, "audience": "registrants",
}


def translated(app, locale: str, message: str, **values) -> str:
    """`message` as the portal renders it in `locale` (tests hold for any state of the catalogues)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(locale):
        return gettext(message, **values)
