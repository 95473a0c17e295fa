"""Japanese first, English complete: the switch, the catalogues, dates."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from support import csrf_token, login

ROOT = Path(__file__).resolve().parents[2]


def lang_of(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def test_japanese_by_default_and_the_switch_is_remembered(client):
    assert lang_of(client.get("/")) == "ja"
    assert "熊本県SDGs登録制度" in client.get("/").get_data(as_text=True)
    assert lang_of(client.get("/?lang=en")) == "en"
    assert lang_of(client.get("/login")) == "en"
    assert lang_of(client.get("/login?lang=ja")) == "ja"
    assert lang_of(client.get("/")) == "ja"


def test_the_browser_language_is_used_until_the_user_chooses(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})) == "en"
    assert lang_of(client.get("/", headers={"Accept-Language": "fr"})) == "ja"


def test_a_signed_in_user_gets_their_preference(client, make_user):
    login(client, make_user(locale="en"))
    assert lang_of(client.get("/account")) == "en"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_catalogues_are_complete_and_keep_placeholders(lang):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}, "run `flask translate update`"
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"untranslated: {message.id!r}"
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            found = set(re.findall(r"%\(\w+\)s", string))
            # Only a plural's count may be left out (Japanese needs no plural form to show it).
            assert wanted - {"%(num)s"} <= found <= wanted, f"placeholders differ: {message.id!r}"


def test_dates_in_jst_and_the_japanese_calendar(app):
    with app.test_request_context("/?lang=ja"):
        app.preprocess_request()
        render = app.jinja_env.from_string("{{ t | datetime }} / {{ d | date }} / {{ d | wareki }}").render
        # 15:30 UTC on 31 March is already 1 April in Japan.
        text = render(t=datetime(2024, 3, 31, 15, 30, tzinfo=timezone.utc), d=date(2019, 5, 1))
    assert text == "令和6年4月1日（月）0時30分 / 令和元年5月1日（水） / 令和元年5月1日"


def test_dates_in_japanese_text_never_iso(app):
    """Japanese text reads 令和X年X月X日（曜） and 23時59分, the western year beside the era's where
    asked; a table's short form drops the weekday; English keeps English dates."""
    moment = datetime(2026, 12, 21, 0, 5, tzinfo=timezone.utc)  # 9:05 in Japan
    template = ("{{ d | date(western=True) }}|{{ d | date(short=True) }}|{{ t | time }}|"
                "{{ t | datetime(short=True) }}|{{ t | wareki_datetime }}|{{ d | wareki(weekday=True) }}|{{ d | seireki }}")
    with app.test_request_context("/?lang=ja"):
        app.preprocess_request()
        ja = app.jinja_env.from_string(template).render(t=moment, d=date(2026, 12, 21))
    assert ja == ("令和8年（2026年）12月21日（月）|令和8年12月21日|9時05分|令和8年12月21日9時05分|"
                  "令和8年12月21日（月）9時05分|令和8年12月21日（月）|2026年12月21日")
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        en = app.jinja_env.from_string(template).render(t=moment, d=date(2026, 12, 21))
        assert app.jinja_env.from_string("{{ t | datetime }}").render(t=moment) == "Dec 21, 2026, 9:05 JST"
    # The 和暦 filters stay Japanese on an English page (they serve Japanese documents and mails).
    assert en == "Dec 21, 2026|Dec 21, 2026|9:05 JST|Dec 21, 2026, 9:05 JST|令和8年12月21日（月）9時05分|令和8年12月21日（月）|2026年12月21日"


def test_switching_language_keeps_the_page_and_its_query(client):
    """A filtered list, or a sign-in page with its `next`, stays as it was in the other language."""
    page = client.get("/login?next=/staff/review/%3Fcohort%3D3").get_data(as_text=True)
    assert 'href="/login?next=%2Fstaff%2Freview%2F%3Fcohort%3D3&amp;lang=en"' in page
    page = client.get("/registrants?q=%E7%86%8A&goal=7&lang=en").get_data(as_text=True)
    assert 'href="/registrants?q=%E7%86%8A&amp;goal=7&amp;lang=ja"' in page


# --- the language and catalogue, resolved once per request (portal.core.i18n.resolved) ----------

def _in(app, lang: str, text: str) -> str:
    """`text` as the catalogue of `lang` gives it (read outside any request of the test)."""
    from babel.support import Translations

    return Translations.load(str(ROOT / "translations"), [lang]).ugettext(text)


def test_a_mail_in_another_language_leaves_the_page_in_its_own(app, client, make_user, mails):
    """A Japanese page that mails an English-speaking user: the mail is English (rendered under
    force_locale), the page answered after it Japanese, and so is the next page."""
    make_user(email="english@example.jp", locale="en")
    client.get("/?lang=ja")
    token = csrf_token(client, "/password/forgot")
    page = client.post("/password/forgot", data={"email": "english@example.jp", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert lang_of(page) == "ja"
    assert _in(app, "ja", "Please check your e-mail") in html
    assert "Please check your e-mail" not in html
    mail = mails(to="english@example.jp")[-1]
    assert mail.subject == "[Kumamoto Prefecture SDGs Registration System] Setting a new password"
    assert "We received a request to set a new password" in mail.body
    following = client.get("/password/forgot")
    assert lang_of(following) == "ja" and "Forgot" not in following.get_data(as_text=True)


def test_force_locale_and_refresh_switch_every_way_of_translating(app):
    """Inside a Japanese request: templates' `_`, Python's gettext, lazy strings, dates and
    current_locale() all follow force_locale (nested too) and come back after it; refresh()
    re-reads the language."""
    from flask import session
    from flask_babel import force_locale, gettext, lazy_gettext, refresh

    from portal.core.i18n import current_locale, display_date

    label = lazy_gettext("Please check your e-mail")
    template = app.jinja_env.from_string("{{ _('Please check your e-mail') }}|{{ d | date(short=True) }}")
    day = date(2026, 12, 21)
    ja = _in(app, "ja", "Please check your e-mail")

    def everything() -> tuple:
        return current_locale(), gettext("Please check your e-mail"), str(label), template.render(d=day)

    japanese = ("ja", ja, ja, f"{ja}|令和8年12月21日")
    english = ("en", "Please check your e-mail", "Please check your e-mail", "Please check your e-mail|Dec 21, 2026")
    with app.test_request_context("/"):  # no ?lang=, no session yet: Japanese
        app.preprocess_request()
        assert everything() == japanese
        with force_locale("en"):
            assert everything() == english
            with force_locale("ja"):
                assert everything() == japanese
            assert everything() == english
        assert everything() == japanese
        session["lang"] = "en"
        refresh()  # the language is chosen again (by select_locale: the session now says "en")
        assert everything() == english
    with app.app_context():  # a CLI command or a mail outside any request
        with force_locale("ja"):
            assert current_locale() == "ja" and gettext("Please check your e-mail") == ja
            assert display_date(day) == "令和8年12月21日（月）"
        with force_locale("en"):
            assert display_date(day) == "Dec 21, 2026"


def test_the_language_and_catalogue_are_resolved_once_per_request(app, client, make_user, monkeypatch):
    """A staff page makes hundreds of translations (templates' `_`, lazy labels, dates): the
    locale selector runs once, flask-babel's catalogue lookup once, per request."""
    import flask_babel

    from portal.core import i18n

    counts = {"selector": 0, "get_translations": 0, "domain": 0, "lookups": 0}

    def counting(key, function):
        def counted(*args, **kwargs):
            counts[key] += 1
            return function(*args, **kwargs)
        return counted

    configuration = app.extensions["babel"]
    monkeypatch.setattr(configuration, "locale_selector", counting("selector", configuration.locale_selector))
    monkeypatch.setattr(flask_babel, "get_translations", counting("get_translations", flask_babel.get_translations))
    monkeypatch.setattr(flask_babel.Domain, "get_translations",
                        counting("domain", flask_babel.Domain.get_translations))
    monkeypatch.setattr(i18n, "resolved", counting("lookups", i18n.resolved))

    login(client, make_user("reviewer"))
    for lang in ("ja", "en"):
        for key in counts:
            counts[key] = 0
        page = client.get(f"/staff/review/?lang={lang}")
        assert page.status_code == 200 and lang_of(page) == lang
        assert counts["lookups"] > 50, counts  # the page does translate a lot
        assert (counts["selector"], counts["get_translations"], counts["domain"]) == (1, 1, 1), counts


def test_templates_translate_as_jinjas_newstyle_gettext(app):
    """The gettext installed for templates gives what Jinja's own newstyle gettext (what
    flask-babel installs) gives: the translation kept as markup, the arguments escaped, always
    %-formatted, with and without autoescape."""
    from babel.support import Translations
    from jinja2 import Environment

    from portal.core.i18n import MARKUP_LIMIT  # noqa: F401  (the cache is bounded)

    catalogue = Translations.load(str(ROOT / "translations"), ["ja"])
    source = ("{{ _('Please check your e-mail') }}|{{ _('100%% sure') }}|{{ _('<b>%(x)s</b>', x='<i>') }}|"
              "{{ _('Revision %(number)s', number=3) }}|{{ ngettext('%(num)s file', '%(num)s files', 2) }}|"
              "{{ ngettext('%(num)s item', '%(num)s items', 1, what='<x>') }}|{{ gettext('Fiscal %(year)s', year=2026) }}")
    for autoescape in (True, False):
        reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
        reference.install_gettext_callables(gettext=catalogue.ugettext, ngettext=catalogue.ungettext, newstyle=True)
        expected = reference.from_string(source).render()
        with app.test_request_context("/?lang=ja"):
            app.preprocess_request()
            ours = app.jinja_env.overlay(autoescape=autoescape).from_string(source)
            assert ours.render() == expected
            assert ours.render() == expected  # and again, from what the first render kept


def test_english_dates_are_babels_medium_dates(app):
    """`date` on an English page (and the deadlines' long form) is Babel's own formatting, kept
    per day: the same text for every day of several years, leap days and timestamps in JST."""
    from datetime import timedelta

    from babel.dates import format_date

    from portal.core import deadlines
    from portal.core.i18n import display_date, display_datetime

    days = [date(2023, 12, 25) + timedelta(days=n) for n in range(0, 3 * 366, 1)]
    days += [date(1989, 1, 7), date(2000, 2, 29), date(2100, 12, 31), date(1, 1, 1) + timedelta(days=700_000)]
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        for day in days:
            assert display_date(day) == format_date(day, "medium", locale="en")
            assert display_date(day, short=True) == format_date(day, "medium", locale="en")
            assert deadlines._day(day) == format_date(day, "EEEE d MMMM y", locale="en")
        moment = datetime(2024, 2, 28, 15, 30, tzinfo=timezone.utc)  # 29 Feb in Japan
        assert display_date(moment) == "Feb 29, 2024"
        assert display_datetime(moment) == "Feb 29, 2024, 0:30 JST"


def test_flask_babels_context_is_found_without_the_proxy(app):
    """flask-babel's per-context namespace, as portal.core.i18n finds it, is the one flask-babel
    itself made (g._flask_babel), None outside an app context."""
    import flask_babel
    from flask import g

    from portal.core.i18n import babel_context

    assert flask_babel._get_current_context is babel_context
    assert babel_context() is None
    with app.app_context():
        space = babel_context()
        assert space is g._flask_babel and babel_context() is space
    with app.app_context():
        assert babel_context() is not space  # one per app context
