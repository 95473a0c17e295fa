"""Language choice (ja first, en complete), JST display and Japanese-calendar dates."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

LOCALES = ("ja", "en")
JST = ZoneInfo("Asia/Tokyo")


def select_locale() -> str:
    """`?lang=` (remembered in the session), then the user's preference, then the browser."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LOCALES:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return request.accept_languages.best_match(LOCALES, default="ja") or "ja"


def current_locale() -> str:
    return str(get_locale() or "ja")


def jst(value: datetime) -> datetime:
    return value.astimezone(JST)


def today_jst() -> date:
    return datetime.now(JST).date()


def _day_of(value: date | datetime) -> date:
    return jst(value).date() if isinstance(value, datetime) else value


def wareki(value: date | datetime | None, weekday: bool = False, western: bool = False) -> str:
    """The 和暦 date whatever the page's language (for Japanese documents and mails):
    「令和8年12月21日」, with `weekday` 「令和8年12月21日（月）」, with `western`
    「令和8年（2026年）12月21日」. A timestamp is read in JST."""
    from portal.core import japanese

    if value is None:
        return ""
    day = _day_of(value)
    if western:
        return japanese.wareki_with_western(day, weekday=weekday)
    return japanese.wareki_with_weekday(day) if weekday else japanese.wareki(day)


def seireki(value: date | datetime | None) -> str:
    """「2026年12月21日」 whatever the page's language: the western date in Japanese text, where a
    document gives it beside the 和暦."""
    from portal.core import japanese

    return japanese.seireki(_day_of(value)) if value is not None else ""


def wareki_datetime(value: datetime | None) -> str:
    """「令和8年12月21日（月）23時59分」 (JST) whatever the page's language: for Japanese mails,
    PDFs and plain text."""
    from portal.core import japanese

    return japanese.wareki_datetime(jst(value)) if value is not None else ""


def display_date(value: date | datetime | None, western: bool = False, short: bool = False) -> str:
    """A date as people read it. Japanese: 「令和8年12月21日（月）」 — `western` adds the western
    year 「令和8年（2026年）12月21日（月）」, `short` leaves out the day of the week (a table's
    column); English: "Dec 21, 2026". A timestamp is read in JST."""
    if value is None:
        return ""
    if current_locale() == "ja":
        return wareki(value, weekday=not short, western=western)
    return format_date(_day_of(value), "medium")


def display_time(value: datetime | None) -> str:
    """A time of day in JST: 「9時05分」 in Japanese, "9:05 JST" in English."""
    from portal.core.japanese import clock

    if value is None:
        return ""
    local = jst(value)
    return clock(local) if current_locale() == "ja" else f"{local.hour}:{local.minute:02d} JST"


def display_datetime(value: datetime | None, short: bool = False) -> str:
    """A UTC timestamp shown in JST: 「令和8年12月21日（月）9時05分」 in Japanese (`short`:
    without the day of the week), "Dec 21, 2026, 9:05 JST" in English."""
    if value is None:
        return ""
    if current_locale() == "ja":
        return wareki(value, weekday=not short) + display_time(value)
    return f"{display_date(value)}, {display_time(value)}"


def series(items) -> str:
    """Names or items in a run: 申請 二郎、阿蘇 恵 on a Japanese page, "a, b" on an English one."""
    return ("、" if current_locale() == "ja" else ", ").join(str(item) for item in items)


def municipality_name(code: str | None) -> str:
    from portal.core.reference.municipalities import municipality

    if not code:
        return "—"
    try:
        found = municipality(code)
    except KeyError:
        return code
    return found.full_name_ja if current_locale() == "ja" else found.name("en")


def industry_name(code: str | None) -> str:
    from portal.core.reference.industries import industry

    try:
        return f"{code} {industry(code).name(current_locale())}"
    except KeyError:
        return code or "—"


def postal_code(code: str | None) -> str:
    from portal.core.japanese import format_postal_code

    return format_postal_code(code) if code else ""


def fiscal_year_name(year: int) -> str:
    """令和6年度 on a Japanese page, "Fiscal 2024" on an English one."""
    from portal.core.japanese import wareki_fiscal_year

    return wareki_fiscal_year(year) if current_locale() == "ja" else _("Fiscal %(year)s", year=year)


def language_url(lang: str) -> str:
    """This page in another language: the same path and query (filters, a sign-in's `next`),
    with `lang` set."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', lang)])}"


def init_app(app: Flask) -> None:
    from portal.core import deadlines

    app.jinja_env.filters.update(until=deadlines.until, window=deadlines.window, opening=deadlines.opening)
    app.jinja_env.filters.update(
        date=display_date, datetime=display_datetime, time=display_time, wareki=wareki,
        wareki_datetime=wareki_datetime, seireki=seireki,
        municipality=municipality_name, industry=industry_name, postal_code=postal_code,
        fiscal_year=fiscal_year_name, series=series,
    )
    app.jinja_env.globals.update(current_locale=current_locale, LOCALES=LOCALES, language_url=language_url)
