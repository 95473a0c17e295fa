"""Fixtures for the progress-report tests (builders live in report_helpers)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.i18n import today_jst
from report_helpers import add_period, add_registrant


@pytest.fixture
def registrant(app, make_user, make_organisation):
    """An owner of an organisation with an active registration: {"user", "organisation", "registration"}."""
    user = make_user(email="owner@example.jp")
    organisation = make_organisation(user)
    return {"user": user, "organisation": organisation, "registration": add_registrant(app, user, organisation)}


@pytest.fixture
def open_period(app):
    today = today_jst()
    return add_period(app, today.year, today - timedelta(days=5), today + timedelta(days=20))


# These tests read the report pages and mails in English (their assertions quote the English
# source strings); the browser journey reads them in Japanese, and the catalogue test proves the
# Japanese is complete.
@pytest.fixture
def make_user(make_user):
    def build(*args, locale: str = "en", **kwargs) -> int:
        return make_user(*args, locale=locale, **kwargs)

    return build


@pytest.fixture
def client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
