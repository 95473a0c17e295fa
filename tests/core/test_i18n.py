"""Japanese first, English complete: the switch, the catalogues, dates."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from support import login

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
