"""Language choice (ja first, en complete), JST display and Japanese-calendar dates.

The language and catalogue of a request (or of an app context: a mail, a CLI command) are
resolved once and kept (`resolved()`): flask-babel resolves both again on every `gettext` —
its context, the locale, the locale's name, the catalogue cache — 8 µs a call (13 µs for a
template's `_()`), against 0.1 µs for the catalogue lookup itself, and a staff page makes
hundreds of calls. The memo
lives in flask-babel's own per-context namespace under the key its `force_locale` saves,
clears and restores and its `refresh` deletes, so a mail sent in English under
`force_locale("en")` during a Japanese request is English and the page after it Japanese.
Templates' `_`/`gettext`/`ngettext` and Python's (flask-babel's `gettext`, `ngettext` and
the lazy strings `_l` that call it) all go to the memo: the first are installed here, the second
through the default translation domain (`MemoDomain`).
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel.support import NullTranslations
from flask import Flask, request, session
from flask.globals import _cv_app
from flask_babel import Domain
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal.core import japanese
from portal.core.reference.industries import industry
from portal.core.reference.municipalities import municipality

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


# --- the language and catalogue, resolved once per context ----------------------------------

class Resolved:
    """A language ("ja", "en") and its catalogue's lookups, bound once; one per catalogue and
    language, shared by the requests in that language. `markup` keeps what templates' `_()`
    without arguments gives (the escaped, formatted translation): once per language."""

    __slots__ = ("language", "translations", "gettext", "ngettext", "pgettext", "npgettext", "markup")

    def __init__(self, translations: NullTranslations, language: str):
        self.language = language
        self.translations = translations
        self.gettext = translations.ugettext
        self.ngettext = translations.ungettext
        self.pgettext = translations.upgettext
        self.npgettext = translations.unpgettext
        self.markup: dict[str, Markup] = {}


_SHARED: dict[tuple[NullTranslations, str], Resolved] = {}
MARKUP_LIMIT = 10_000  # templates translate literals; a bound all the same

# Outside any app context flask-babel translates nothing and has no locale (current_locale()
# has always said "ja" there).
_OUTSIDE = Resolved(NullTranslations(), "ja")
# flask-babel 4's slot for the context's translations: it never reads it, but `force_locale`
# saves it, sets it to None and restores it, and `refresh` deletes it — exactly the moments
# the memo must be dropped.
_SLOT = "babel_translations"


def babel_context() -> SimpleNamespace | None:
    """flask-babel's per-app-context namespace (`g._flask_babel`), made on first use; None
    outside an app context. What flask-babel's `_get_current_context` returns, read from the
    app context's context variable (Flask's own, behind the `g` proxy; Flask is pinned):
    through the proxy that function costs three proxy lookups (~3.5 µs) on every gettext,
    locale and domain lookup."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    space = app_context.g.__dict__.get("_flask_babel")
    if space is None:
        space = app_context.g._flask_babel = SimpleNamespace()
    return space


def resolved() -> Resolved:
    """The current context's language and catalogue: resolved on the first call in a request
    (or app context, or `force_locale` block), then two attribute lookups."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return _OUTSIDE
    space = app_context.g.__dict__.get("_flask_babel")
    memo = getattr(space, _SLOT, None) if space is not None else None
    return memo if memo is not None else _resolve()


def _resolve() -> Resolved:
    # flask-babel's own resolution (the locale selector, a forced locale, its catalogue cache),
    # which also makes its per-context namespace.
    translations = flask_babel.get_translations()
    key = (translations, str(flask_babel.get_locale() or "ja"))
    memo = _SHARED.get(key)
    if memo is None:
        memo = _SHARED[key] = Resolved(*key)
    setattr(babel_context(), _SLOT, memo)
    return memo


def current_locale() -> str:
    """"ja" or "en": the language of the request (or of the `force_locale` block)."""
    return resolved().language


class MemoDomain(Domain):
    """flask-babel's default domain, its lookups going to the memo: every `gettext`, `ngettext`
    and lazy string imported from flask_babel ends here (through `get_domain()`)."""

    def gettext(self, string, **variables):
        text = resolved().gettext(string)
        return text % variables if variables else text

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return resolved().ngettext(singular, plural, num) % variables

    def pgettext(self, context, string, **variables):
        text = resolved().pgettext(context, string)
        return text % variables if variables else text

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return resolved().npgettext(context, singular, plural, num) % variables


# Jinja's "newstyle" gettext (what flask-babel installs), minus its layers: Jinja wraps the
# callable in a function that calls it through the template context, and `_` is an alias that
# looks `gettext` up and calls it through the context again. Same results: under autoescape the
# translation is trusted as markup and the arguments are escaped; the text is always
# %-formatted, with or without arguments ("100%%" reads "100%"). Without arguments the result
# depends on the language alone, so it is kept (Resolved.markup).

@pass_eval_context
def _jinja_gettext(eval_ctx, string: str, /, **variables) -> str:
    memo = resolved()
    if variables or not eval_ctx.autoescape:
        text = memo.gettext(string)
        return (Markup(text) if eval_ctx.autoescape else text) % variables
    try:
        return memo.markup[string]
    except KeyError:
        value = Markup(memo.gettext(string)) % {}
        if len(memo.markup) < MARKUP_LIMIT:
            memo.markup[string] = value
        return value


@pass_eval_context
def _jinja_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = resolved().ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _jinja_pgettext(eval_ctx, context: str, string: str, /, **variables) -> str:
    variables.setdefault("context", context)
    text = resolved().pgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _jinja_npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = resolved().npgettext(context, singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def _install(app: Flask) -> None:
    """After `babel.init_app`: flask-babel's context lookup made cheap, the memo behind its
    default domain, and the templates' gettext."""
    from portal.core.extensions import babel

    # The same namespace, found without the proxy. flask-babel calls `_get_current_context`
    # through its module globals (get_domain, get_locale, refresh, force_locale…), so this is
    # the one place that makes each of them cheap; the version is pinned (requirements.txt) and
    # tests/core/test_i18n.py checks the two agree.
    flask_babel._get_current_context = babel_context

    if not isinstance(babel.__dict__.get("domain_instance"), MemoDomain):
        # Babel.domain_instance is a cached property: this sets what it would have built.
        babel.domain_instance = MemoDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals.update(_=_jinja_gettext, gettext=_jinja_gettext, ngettext=_jinja_ngettext,
                                 pgettext=_jinja_pgettext, npgettext=_jinja_npgettext)


# --- dates ------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _babel_locale(language: str) -> Locale:
    return Locale.parse(language)


@lru_cache(maxsize=4096)
def format_day(day: date, pattern: str, language: str) -> str:
    """Babel's `format_date` of `day` ("medium" or a CLDR pattern such as "EEEE d MMMM y") in
    `language`, kept: a page shows the same few days many times, and Babel takes 4–5 µs a call."""
    return babel_dates.format_date(day, pattern, locale=_babel_locale(language))


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
    if value is None:
        return ""
    day = _day_of(value)
    if western:
        return japanese.wareki_with_western(day, weekday=weekday)
    return japanese.wareki_with_weekday(day) if weekday else japanese.wareki(day)


def seireki(value: date | datetime | None) -> str:
    """「2026年12月21日」 whatever the page's language: the western date in Japanese text, where a
    document gives it beside the 和暦."""
    return japanese.seireki(_day_of(value)) if value is not None else ""


def wareki_datetime(value: datetime | None) -> str:
    """「令和8年12月21日（月）23時59分」 (JST) whatever the page's language: for Japanese mails,
    PDFs and plain text."""
    return japanese.wareki_datetime(jst(value)) if value is not None else ""


def display_date(value: date | datetime | None, western: bool = False, short: bool = False) -> str:
    """A date as people read it. Japanese: 「令和8年12月21日（月）」 — `western` adds the western
    year 「令和8年（2026年）12月21日（月）」, `short` leaves out the day of the week (a table's
    column); English: "Dec 21, 2026". A timestamp is read in JST."""
    if value is None:
        return ""
    language = current_locale()
    if language == "ja":
        return wareki(value, weekday=not short, western=western)
    return format_day(_day_of(value), "medium", language)


def display_time(value: datetime | None) -> str:
    """A time of day in JST: 「9時05分」 in Japanese, "9:05 JST" in English."""
    if value is None:
        return ""
    local = jst(value)
    return japanese.clock(local) if current_locale() == "ja" else f"{local.hour}:{local.minute:02d} JST"


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
    if not code:
        return "—"
    try:
        found = municipality(code)
    except KeyError:
        return code
    return found.full_name_ja if current_locale() == "ja" else found.name("en")


def industry_name(code: str | None) -> str:
    try:
        return f"{code} {industry(code).name(current_locale())}"
    except KeyError:
        return code or "—"


def postal_code(code: str | None) -> str:
    return japanese.format_postal_code(code) if code else ""


def fiscal_year_name(year: int) -> str:
    """令和6年度 on a Japanese page, "Fiscal 2024" on an English one."""
    return japanese.wareki_fiscal_year(year) if current_locale() == "ja" else _("Fiscal %(year)s", year=year)


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
    _install(app)
