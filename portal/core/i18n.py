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


def wareki(value: date | datetime) -> str:
    from portal.core.japanese import wareki as _wareki

    if isinstance(value, datetime):
        value = jst(value).date()
    return _wareki(value)


def display_date(value: date | datetime | None) -> str:
    """A date as people read it: 2026年11月29日 in Japanese, 29 Nov 2026 in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = jst(value).date()
    return format_date(value, "long" if current_locale() == "ja" else "medium")


def display_datetime(value: datetime | None) -> str:
    """A UTC timestamp shown in JST."""
    if value is None:
        return ""
    return format_datetime(value, "yyyy/MM/dd HH:mm") + " JST" if current_locale() == "en" else format_datetime(
        value, "yyyy年M月d日 HH:mm"
    )


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
        date=display_date, datetime=display_datetime, wareki=wareki,
        municipality=municipality_name, industry=industry_name, postal_code=postal_code,
        fiscal_year=fiscal_year_name,
    )
    app.jinja_env.globals.update(current_locale=current_locale, LOCALES=LOCALES, language_url=language_url)
