"""A reporting period is kept as days in Japan and includes its whole last day: a report filed at
23:59 JST on the last day is accepted; one filed at 00:00 JST the next day — still the last day
in UTC — is refused with a message and nothing is stored. The pages say the last day is whole."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import JST
from portal.reports import views
from report_helpers import add_period, form_data
from support import csrf_token, login

OPENS_ON, CLOSES_ON = date(2030, 4, 1), date(2030, 5, 31)  # a Monday and a Friday


def _reports(app) -> int:
    from portal.reports.models import ProgressReport

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProgressReport))


def _file_at(client, monkeypatch, url, moment: datetime, loaded: datetime | None = None):
    """The form loaded at `loaded` (default: `moment`) and sent at `moment`."""
    monkeypatch.setattr(views, "utcnow", lambda: loaded or moment)
    token = csrf_token(client, url)
    monkeypatch.setattr(views, "utcnow", lambda: moment)
    return client.post(url, data=form_data(token=token))


def _page_at(client, monkeypatch, url, moment: datetime) -> str:
    monkeypatch.setattr(views, "utcnow", lambda: moment)
    return client.get(url).get_data(as_text=True)


def test_a_report_at_2359_on_the_last_day_is_accepted(app, client, registrant, monkeypatch):
    period = add_period(app, 2030, OPENS_ON, CLOSES_ON)
    login(client, registrant["user"])
    url = f"/reports/registrations/{registrant['registration']}/periods/{period}"
    page = _page_at(client, monkeypatch, url, datetime(2030, 5, 31, 23, 59, tzinfo=JST))
    assert "from Monday 1 April 2030 until Friday 31 May 2030 (the last day until 23:59 JST)" in page
    response = _file_at(client, monkeypatch, url, datetime(2030, 5, 31, 23, 59, tzinfo=JST))
    assert response.status_code == 302 and _reports(app) == 1


def test_a_report_at_midnight_after_the_last_day_is_refused(app, client, registrant, monkeypatch):
    period = add_period(app, 2030, OPENS_ON, CLOSES_ON)
    login(client, registrant["user"])
    url = f"/reports/registrations/{registrant['registration']}/periods/{period}"
    midnight = datetime(2030, 6, 1, 0, 0, tzinfo=JST)
    assert midnight.astimezone(timezone.utc).date() == CLOSES_ON  # still the last day in UTC
    response = _file_at(client, monkeypatch, url, midnight, loaded=datetime(2030, 5, 31, 23, 58, tzinfo=JST))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "reports were accepted until Friday 31 May 2030, 23:59 JST" in page
    assert _reports(app) == 0


def test_a_report_on_the_first_day_at_midnight_is_accepted(app, client, registrant, monkeypatch):
    """00:00 JST on the first day is still the day before in UTC: the period is open all the same."""
    period = add_period(app, 2030, OPENS_ON, CLOSES_ON)
    login(client, registrant["user"])
    url = f"/reports/registrations/{registrant['registration']}/periods/{period}"
    response = _file_at(client, monkeypatch, url, datetime(2030, 4, 1, 0, 0, tzinfo=JST))
    assert response.status_code == 302 and _reports(app) == 1

