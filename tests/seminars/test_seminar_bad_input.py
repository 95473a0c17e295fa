"""What people get wrong, through the pages: zero, negative or too many seats, a name missing,
signing up outside the window, twice, or for a cancelled seminar; the secretariat's seminar that
ends before it starts, and the like. A clear message every time, never a server error."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from pages import structure_problems
from support import csrf_token
from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.seminars import operations
from portal.seminars.models import Seminar, SeminarSignup

from seminar_helpers import jst_at, translated


def _message(app, code: str, **details) -> str:
    """The refusal's text as the page shows it (Japanese, escaped)."""
    with app.test_request_context(), force_locale("ja"):
        return html.escape(operations.error_text(operations.SeminarError(code, **details)), quote=False)


def _post_signup(client, seminar_id, seats, names=(), token=None):
    path = f"/seminars/{seminar_id}/signup"
    data = {"csrf_token": token or csrf_token(client, path), "seats": seats}
    data.update({f"names-{i}": name for i, name in enumerate(names)})
    return client.post(path, data=data)


def _signups(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SeminarSignup))


@pytest.mark.parametrize("seats, names, expected", [
    ("0", ("A",), "Enter 1 or more seats."),
    ("-2", ("A",), "Enter 1 or more seats."),
    ("abc", ("A",), "Enter a whole number (e.g. 3)."),
    ("", ("A",), "Enter the number of seats."),
    ("4", ("A", "B", "C"), "Each organisation may book at most %(limit)s seats for this seminar."),
    ("2", ("A",), "Enter a name for each seat: %(seats)s seats, %(names)s names."),
    ("1", ("A", "B"), "You entered %(names)s names for %(seats)s seats: enter as many seats as names."),
])
def test_bad_seats_and_names_are_refused_at_the_field(app, registrants, make_seminar, client_of, seats, names,
                                                       expected):
    (a,) = registrants(1)
    seminar_id = make_seminar(seats_per_organisation=3)
    client = client_of(a["user"])
    response = _post_signup(client, seminar_id, seats, names)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    values = {"limit": 3, "seats": seats, "names": len(names)}
    message = translated(app, "ja", expected, **{k: v for k, v in values.items() if f"%({k})s" in expected})
    assert html.escape(message, quote=False) in page
    assert 'class="error-summary"' in page and not structure_problems(page)
    for name in names:  # what was typed is kept
        assert f'value="{name}"' in page
    assert _signups(app) == 0


def test_a_forged_number_of_name_fields_changes_nothing(app, registrants, make_seminar, client_of):
    (a,) = registrants(1)
    seminar_id = make_seminar(seats_per_organisation=2)
    client = client_of(a["user"])
    response = _post_signup(client, seminar_id, "5", [f"N{i}" for i in range(50)])
    assert response.status_code == 200
    assert _signups(app) == 0


def test_outside_the_window_twice_or_cancelled_the_page_says_why(app, registrants, make_seminar, client_of, sign_up,
                                                                  secretariat):
    a, b = registrants(2)
    client = client_of(a["user"])
    not_yet = make_seminar(signup_opens_at=jst_at(2, 9))
    closed = make_seminar(starts_in_days=5, signup_opens_at=jst_at(-5, 9), signup_closes_at=jst_at(-1, 9))
    twice = make_seminar()
    cancelled = make_seminar()
    sign_up(twice, a["user"])
    with app.test_request_context():
        operations.cancel_seminar(db.session.get(Seminar, cancelled), db.session.get(User, secretariat), "中止")
        db.session.commit()
        from portal.core.deadlines import opening

        with force_locale("ja"):
            opens = opening(jst_at(2, 9))

    token = csrf_token(client, f"/seminars/{twice}")
    for seminar_id, code, details in ((not_yet, "not_open_yet", {"date": opens}), (closed, "closed", {}),
                                      (twice, "already", {}), (cancelled, "cancelled", {})):
        for attempt in (lambda: client.get(f"/seminars/{seminar_id}/signup"),
                        lambda: _post_signup(client, seminar_id, "1", ("A",), token=token)):
            response = attempt()
            assert response.status_code == 302, (code, response.status_code)
            shown = client.get(response.headers["Location"])
            assert shown.status_code == 200
            assert _message(app, code, **details) in shown.get_data(as_text=True), code
    assert _signups(app) == 1


def test_the_operation_refuses_what_the_form_would_have_caught(app, registrants, make_seminar):
    """The operation checks again (the demo and other callers do not go through the form)."""
    (a,) = registrants(1)
    seminar_id = make_seminar(seats_per_organisation=2)
    with app.test_request_context():
        user = db.session.get(User, a["user"])
        seminar = db.session.get(Seminar, seminar_id)
        for seats, names, code in ((0, [], "seats"), (-1, ["A"], "seats"), (3, ["A", "B", "C"], "over_limit"),
                                   (2, ["A", " "], "names"), (1, ["A" * 101], "names")):
            with pytest.raises(operations.SeminarError) as error:
                operations.sign_up(seminar, user, seats, names)
            assert error.value.code == code
            db.session.rollback()


def test_someone_elses_sign_up_is_not_found(app, registrants, make_seminar, client_of, sign_up):
    a, b = registrants(2)
    seminar_id = make_seminar()
    signup_id = sign_up(seminar_id, a["user"])
    other = client_of(b["user"])
    assert other.get(f"/seminars/signups/{signup_id}/cancel").status_code == 404
    assert other.get(f"/seminars/signups/{signup_id}/calendar.ics").status_code == 404
    assert other.get("/seminars/signups/999999/cancel").status_code == 404


def test_cancelling_after_the_start_is_refused_with_a_message(app, registrants, make_seminar, client_of, sign_up):
    (a,) = registrants(1)
    seminar_id = make_seminar(starts_in_days=1, signup_closes_at=jst_at(1, 12))
    signup_id = sign_up(seminar_id, a["user"])
    with app.app_context():  # the seminar began an hour ago
        seminar = db.session.get(Seminar, seminar_id)
        now = utcnow()
        seminar.signup_opens_at, seminar.signup_closes_at = now - timedelta(days=3), now - timedelta(days=2)
        seminar.starts_at, seminar.ends_at = now - timedelta(hours=1), now + timedelta(hours=1)
        db.session.commit()
    client = client_of(a["user"])
    path = f"/seminars/signups/{signup_id}/cancel"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert _message(app, "started") in client.get(response.headers["Location"]).get_data(as_text=True)


# --- the secretariat's seminar form ----------------------------------------------------------------

def _seminar_form(**changes) -> dict:
    data = {"title_ja": "脱炭素経営セミナー", "title_en": "Decarbonising your business",
            "description_ja": "省エネと再エネの進め方。", "description_en": "",
            "starts_at": jst_at(20, 14).strftime("%Y-%m-%dT%H:%M"), "ends_at": jst_at(20, 16).strftime("%Y-%m-%dT%H:%M"),
            "venue": "くまもと県民交流館パレア", "online_url": "", "capacity": "30", "seats_per_organisation": "2",
            "signup_first_day": jst_at(0).date().isoformat(),
            "signup_last_day": jst_at(19).date().isoformat(), "audience": "registrants"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, field, expected", [
    ({"ends_at": jst_at(20, 13).strftime("%Y-%m-%dT%H:%M")}, "ends_at", "The seminar must end after it starts."),
    ({"ends_at": jst_at(20, 14).strftime("%Y-%m-%dT%H:%M")}, "ends_at", "The seminar must end after it starts."),
    ({"signup_last_day": jst_at(21).date().isoformat()}, "signup_last_day",
     "The last day of sign-up must be before the day of the seminar."),
    ({"signup_last_day": jst_at(20).date().isoformat()}, "signup_last_day",
     "The last day of sign-up must be before the day of the seminar."),
    ({"signup_last_day": jst_at(-1).date().isoformat()}, "signup_last_day",
     "The last day of sign-up cannot be before its first day."),
    ({"signup_last_day": ""}, "signup_last_day", "Enter the last day of sign-up."),
    ({"signup_last_day": "2026-02-30"}, "signup_last_day", "Enter a date (e.g. 2026-12-20)."),
    ({"signup_first_day": "来週"}, "signup_first_day", "Enter a date (e.g. 2026-12-20)."),
    ({"starts_at": jst_at(-1, 14).strftime("%Y-%m-%dT%H:%M"), "ends_at": jst_at(-1, 16).strftime("%Y-%m-%dT%H:%M"),
      "signup_last_day": jst_at(-2).date().isoformat(), "signup_first_day": jst_at(-3).date().isoformat()},
     "starts_at", "A new seminar must start in the future."),
    ({"capacity": "0"}, "capacity", "Enter a number of seats from 1 to %(max)s."),
    ({"capacity": "-5"}, "capacity", "Enter a number of seats from 1 to %(max)s."),
    ({"capacity": "1", "seats_per_organisation": "2"}, "seats_per_organisation",
     "Seats per organisation cannot be more than the capacity."),
    ({"seats_per_organisation": "0"}, "seats_per_organisation", "Enter a number from %(min)s to %(max)s."),
    ({"seats_per_organisation": "11"}, "seats_per_organisation", "Enter a number from %(min)s to %(max)s."),
    ({"venue": ""}, "venue", "Give the venue, the online link, or both."),
    ({"online_url": "meet dot example"}, "online_url", "Enter the full link, starting with https://."),
    ({"online_url": "javascript://example.com/%0Aalert(1)"}, "online_url",
     "Enter the full link, starting with https://."),
    ({"starts_at": "来週"}, "starts_at", "Enter a date and time (e.g. 2026-10-01 09:00)."),
    ({"title_en": ""}, "title_en", "Enter the title in English."),
    ({"audience": "martians"}, "audience", "Not a valid choice."),
])
def test_a_bad_seminar_is_refused_at_the_field(app, client_of, secretariat, changes, field, expected):
    client = client_of(secretariat)
    path = "/staff/seminars/new"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **_seminar_form(**changes)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert f'href="#{field}"' in page  # the summary links to the field
    if "%(" in expected:
        message = translated(app, "ja", expected, min=1, max=10_000 if field == "capacity" else 10)
    elif expected == "Not a valid choice.":
        message = None  # WTForms' own message
    else:
        message = translated(app, "ja", expected)
    if message:
        assert html.escape(message, quote=False) in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Seminar)) == 0


@pytest.mark.parametrize("changes, code", [
    ({"ends_at": jst_at(5, 13)}, "end_before_start"),
    ({"signup_closes_at": jst_at(5, 15)}, "window_after_start"),
    ({"capacity": 0}, "capacity"),
    ({"seats_per_organisation": 4, "capacity": 3}, "limit_range"),
    ({"venue": " ", "online_url": None}, "no_place"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"title_en": ""}, "incomplete"),
])
def test_the_operation_refuses_a_bad_seminar(app, secretariat, changes, code):
    from seminar_helpers import DEFAULTS

    with app.test_request_context():
        with pytest.raises(operations.SeminarError) as error:
            operations.create_seminar({**DEFAULTS, "starts_at": jst_at(5, 14), "ends_at": jst_at(5, 16),
                                       "signup_opens_at": jst_at(0), "signup_closes_at": jst_at(4), **changes},
                                      db.session.get(User, secretariat))
        assert error.value.code == code


def test_editing_below_the_confirmed_seats_or_over_a_newer_version_is_refused(app, registrants, make_seminar, sign_up,
                                                                               client_of, secretariat):
    a, b = registrants(2)
    seminar_id = make_seminar(capacity=5, seats_per_organisation=3)
    sign_up(seminar_id, a["user"], names=("A", "B", "C"))
    client = client_of(secretariat)
    path = f"/staff/seminars/{seminar_id}/edit"
    assert 'name="version" type="hidden" value="1"' in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    data = {**_seminar_form(), "starts_at": jst_at(10, 14).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": jst_at(10, 16).strftime("%Y-%m-%dT%H:%M"),
            "signup_first_day": jst_at(-1).date().isoformat(),
            "signup_last_day": jst_at(9).date().isoformat(), "seats_per_organisation": "2",
            "version": "1", "csrf_token": token}
    low = client.post(path, data={**data, "capacity": "2"})
    assert low.status_code == 200
    assert _message(app, "capacity_below_confirmed", seats=3) in low.get_data(as_text=True)

    saved = client.post(path, data={**data, "capacity": "6"})
    assert saved.status_code == 302
    stale = client.post(path, data={**data, "capacity": "7"})  # the form of version 1, now 2
    assert stale.status_code == 200 and _message(app, "changed") in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Seminar, seminar_id).capacity == 6
