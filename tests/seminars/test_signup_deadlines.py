"""Seminar sign-up by days: the secretariat enters the first and the last day of sign-up; the
portal stores 00:00 JST on the first day and 00:00 JST after the last, shows the last day's last
minute, and gives the stored close back as the last day when the seminar is edited. A sign-up one
minute before the cutoff is accepted, one a minute after it is refused and nothing is stored."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from support import csrf_token
from portal.core import deadlines
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.seminars import operations, views
from portal.seminars.models import Seminar, SeminarSignup

from seminar_helpers import jst_at

NEW = "/staff/seminars/new"


def _form(**changes) -> dict:
    """A seminar on Tuesday 15 January 2030, sign-up from 1 December 2029 to Sunday 13 January."""
    return {"title_ja": "脱炭素経営セミナー", "title_en": "Decarbonising your business", "description_ja": "省エネの進め方。",
            "description_en": "", "starts_at": "2030-01-15 14:00", "ends_at": "2030-01-15 16:00",
            "venue": "くまもと県民交流館パレア", "online_url": "", "capacity": "30", "seats_per_organisation": "2",
            "signup_first_day": "2029-12-01", "signup_last_day": "2030-01-13", "audience": "registrants", **changes}


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def _stored(app, seminar_id) -> Seminar:
    with app.app_context():
        seminar = db.session.get(Seminar, seminar_id)
        db.session.expunge(seminar)
        return seminar


def _signups(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SeminarSignup))


def _last_day_shown(page: str) -> str:
    match = re.search(r'<input[^>]*id="signup_last_day"[^>]*>', page)
    assert match, "no last-day field"
    return re.search(r'value="([^"]*)"', match.group()).group(1)


def test_the_last_day_entered_closes_sign_up_at_midnight_after_it_and_reads_back(app, client_of, secretariat):
    client = client_of(secretariat, lang="en")
    response = _post(client, NEW, _form())
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    seminar_id = int(response.headers["Location"].rsplit("/", 1)[1])
    seminar = _stored(app, seminar_id)
    assert seminar.signup_opens_at.astimezone(JST) == datetime(2029, 12, 1, 0, 0, tzinfo=JST)
    assert seminar.signup_closes_at.astimezone(JST) == datetime(2030, 1, 14, 0, 0, tzinfo=JST)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "from Saturday 1 December 2029 until Sunday 13 January 2030, 23:59 JST" in page
    edit = f"/staff/seminars/{seminar_id}/edit"
    assert _last_day_shown(client.get(edit).get_data(as_text=True)) == "2030-01-13"

    # Saving another change leaves the window where it was.
    assert _post(client, edit, _form(capacity="40", version="1")).status_code == 302
    after = _stored(app, seminar_id)
    assert (after.capacity, after.signup_closes_at) == (40, seminar.signup_closes_at)


def test_the_last_day_must_be_before_the_seminar_day_and_not_before_the_first(app, client_of, secretariat):
    client = client_of(secretariat, lang="en")
    for changes, message in (
            ({"signup_last_day": "2030-01-15"}, "The last day of sign-up must be before the day of the seminar."),
            ({"signup_last_day": "2029-11-30"}, "The last day of sign-up cannot be before its first day.")):
        response = _post(client, NEW, _form(**changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="signup_last_day-error"' in page
        assert html.escape(message, quote=False) in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Seminar)) == 0


def test_a_close_set_at_a_time_of_day_is_kept_until_its_day_is_changed(app, client_of, secretariat, make_seminar,
                                                                      registrants):
    """A seminar scheduled before days were entered (sign-up until 17:00 the day before) shows that
    day as its last; saving the form without touching it keeps 17:00; changing it moves the close
    to midnight after the new day."""
    seminar_id = make_seminar(starts_in_days=10, signup_closes_at=jst_at(9, 17))
    client = client_of(secretariat, lang="en")
    edit = f"/staff/seminars/{seminar_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    last_day = jst_at(9).date()
    assert _last_day_shown(page) == last_day.isoformat()

    start = jst_at(10, 14).strftime("%Y-%m-%d %H:%M")
    data = _form(starts_at=start, ends_at=jst_at(10, 16).strftime("%Y-%m-%d %H:%M"),
                 signup_first_day=jst_at(-1).date().isoformat(), signup_last_day=last_day.isoformat(), version="1")
    assert _post(client, edit, {**data, "capacity": "12"}).status_code == 302
    assert _stored(app, seminar_id).signup_closes_at == jst_at(9, 17)

    (registrant,) = registrants(1)
    reader = client_of(registrant["user"], lang="en")
    with app.test_request_context(), force_locale("en"):
        day = deadlines.opening(last_day)
    assert f"Open for sign-up until {day}, 17:00 JST" in reader.get(f"/seminars/{seminar_id}").get_data(as_text=True)

    earlier = jst_at(8).date()
    assert _post(client, edit, {**data, "signup_last_day": earlier.isoformat(), "version": "2"}).status_code == 302
    assert _stored(app, seminar_id).signup_closes_at == deadlines.close_after(earlier)


def _clock(monkeypatch, moment: datetime) -> None:
    """The seminar pages and operations read `moment` as the present (as the claim tests do)."""
    monkeypatch.setattr(views, "utcnow", lambda: moment)
    monkeypatch.setattr(operations, "utcnow", lambda: moment)


def test_a_sign_up_a_minute_before_the_cutoff_is_accepted_and_a_minute_after_refused(app, registrants, make_seminar,
                                                                                     client_of, monkeypatch):
    last_day = jst_at(5).date()
    cutoff = deadlines.close_after(last_day)
    seminar_id = make_seminar(starts_in_days=10, signup_closes_at=cutoff)
    early, late = registrants(2)
    path = f"/seminars/{seminar_id}/signup"
    early_client, late_client = client_of(early["user"], lang="en"), client_of(late["user"], lang="en")
    tokens = {id(c): csrf_token(c, path) for c in (early_client, late_client)}

    _clock(monkeypatch, cutoff - timedelta(minutes=1))
    response = early_client.post(path, data={"csrf_token": tokens[id(early_client)], "seats": "1", "names-0": "熊本 一郎"})
    assert response.status_code == 302 and _signups(app) == 1
    assert "Your seats are confirmed" in early_client.get(response.headers["Location"]).get_data(as_text=True)

    _clock(monkeypatch, cutoff + timedelta(minutes=1))
    response = late_client.post(path, data={"csrf_token": tokens[id(late_client)], "seats": "1", "names-0": "阿蘇 花子"})
    assert response.status_code == 302
    page = late_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sign-up for this seminar has closed." in page and 'data-status="closed"' in page
    assert _signups(app) == 1


def test_the_registrant_reads_the_last_day_and_its_last_minute(app, registrants, make_seminar, client_of):
    last_day = jst_at(5).date()
    seminar_id = make_seminar(starts_in_days=10, signup_closes_at=deadlines.close_after(last_day))
    (registrant,) = registrants(1)
    client = client_of(registrant["user"], lang="en")
    with app.test_request_context(), force_locale("en"):
        day = deadlines.opening(last_day)
    for path in (f"/seminars/{seminar_id}", "/seminars/"):
        assert f"Open for sign-up until {day}, 23:59 JST" in client.get(path).get_data(as_text=True)
