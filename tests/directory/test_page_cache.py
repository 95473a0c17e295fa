"""Public directory pages are kept for a minute for visitors who are not signed in: the same
page for the same address and language, no query; a change reaches them when it expires;
signed-in users, language switches and other languages never get someone else's page."""
from __future__ import annotations

import pytest

from portal.core import page_cache
from portal.core.extensions import db
from portal.registrations import operations as registrations
from support import counted, login


@pytest.fixture
def caching(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_SECONDS", 60)
    page_cache.store.clear()
    yield
    page_cache.store.clear()


def _later(monkeypatch, seconds):
    now = page_cache.time.monotonic()
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now + seconds)


def test_a_visitor_gets_the_kept_page_without_a_query(app, client, registrants, caching):
    first = client.get("/registrants?q=熊本")
    assert first.headers["X-Page-Cache"] == "miss"
    with counted(app) as statements:
        again = client.get("/registrants?q=熊本")
    assert statements == []
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    assert again.mimetype == "text/html"
    # Each answer still carries its own request id and the security headers.
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert "default-src" in again.headers["Content-Security-Policy"]


def test_a_change_reaches_visitors_when_the_page_expires_and_members_at_once(
        app, client, registrants, registration, staff_user, make_user, caching, monkeypatch):
    assert client.get("/registrants/KS02-0001").status_code == 200
    with app.test_request_context():
        registrations.withdraw_registration(registration("KS02-0001"), staff_user(), "")
        db.session.commit()
    assert client.get("/registrants/KS02-0001").headers["X-Page-Cache"] == "hit"  # within the minute

    signed_in = app.test_client()
    login(signed_in, make_user())
    assert signed_in.get("/registrants/KS02-0001").status_code == 404  # made for them, at once

    _later(monkeypatch, 61)
    assert client.get("/registrants/KS02-0001").status_code == 404


def test_languages_are_kept_apart_and_a_language_switch_is_not_kept(client, registrants, caching):
    japanese = client.get("/registrants", headers={"Accept-Language": "ja"})
    english = client.get("/registrants", headers={"Accept-Language": "en"})
    assert japanese.headers["X-Page-Cache"] == english.headers["X-Page-Cache"] == "miss"
    assert "登録事業者" in japanese.get_data(as_text=True)
    assert "registered organisations" in english.get_data(as_text=True)
    assert japanese.get_data() != english.get_data()

    switched = client.get("/registrants?lang=en")
    assert "X-Page-Cache" not in switched.headers and "Set-Cookie" in switched.headers
    # The remembered choice is honoured, and that page is English too.
    assert client.get("/registrants").get_data() == english.get_data()


def test_signed_in_users_and_not_found_pages_are_never_kept(app, client, registrants, make_user, caching):
    assert "X-Page-Cache" not in client.get("/registrants/KS99-0001").headers
    assert client.get("/registrants/KS99-0001").status_code == 404
    login(client, make_user())
    page = client.get("/registrants")
    assert "X-Page-Cache" not in page.headers
    assert 'action="/logout"' in page.get_data(as_text=True)


def test_at_most_the_configured_number_of_pages_is_kept(app, client, registrants, caching, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_ENTRIES", 2)
    for query in ("?q=a", "?q=b", "?q=c"):
        client.get(f"/registrants{query}")
    assert len(page_cache.store) == 2
    assert client.get("/registrants?q=c").headers["X-Page-Cache"] == "hit"
    assert client.get("/registrants?q=a").headers["X-Page-Cache"] == "miss"  # the oldest went first
