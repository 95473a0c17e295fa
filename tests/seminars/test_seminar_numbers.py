"""Numbers past anything sensible — a 24-digit capacity or seat count, a forged version — are a
message on the page, never a server error, and nothing is stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support import csrf_token
from portal.core.extensions import db
from portal.seminars.models import Seminar, SeminarSignup

from seminar_helpers import jst_at

HUGE = "123456789012345678901234"  # 24 digits


def _seminar_form(**changes) -> dict:
    return {"title_ja": "脱炭素経営セミナー", "title_en": "Decarbonising your business",
            "description_ja": "省エネと再エネの進め方。", "description_en": "",
            "starts_at": jst_at(20, 14).strftime("%Y-%m-%dT%H:%M"), "ends_at": jst_at(20, 16).strftime("%Y-%m-%dT%H:%M"),
            "venue": "くまもと県民交流館パレア", "online_url": "", "capacity": "30", "seats_per_organisation": "2",
            "signup_first_day": jst_at(0).date().isoformat(),
            "signup_last_day": jst_at(19).date().isoformat(), "audience": "registrants", **changes}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("changes, message", [
    ({"capacity": HUGE}, "Enter a number of seats from 1 to 10000."),
    ({"capacity": "-" + HUGE}, "Enter a number of seats from 1 to 10000."),
    ({"seats_per_organisation": HUGE}, "Enter a number from 1 to 10."),
])
def test_a_seminar_with_a_huge_number_is_a_message(app, client_of, secretariat, changes, message):
    client = client_of(secretariat, lang="en")
    response = client.post("/staff/seminars/new", data={"csrf_token": csrf_token(client, "/staff/seminars/new"),
                                                       **_seminar_form(**changes)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and 'class="error-summary"' in page
    assert _count(app, Seminar) == 0


def test_a_sign_up_for_a_huge_number_of_seats_is_a_message(app, registrants, make_seminar, client_of):
    (a,) = registrants(1)
    seminar_id = make_seminar(seats_per_organisation=3)
    client = client_of(a["user"], lang="en")
    path = f"/seminars/{seminar_id}/signup"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "seats": HUGE, "names-0": "A"})
    assert response.status_code == 200
    assert "An organisation may book at most 10 seats." in response.get_data(as_text=True)
    assert _count(app, SeminarSignup) == 0


@pytest.mark.parametrize("version", ["²", HUGE])
def test_a_forged_version_on_the_edit_page_is_not_a_500(app, client_of, secretariat, make_seminar, version):
    seminar_id = make_seminar()
    client = client_of(secretariat, lang="en")
    path = f"/staff/seminars/{seminar_id}/edit"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "version": version,
                                       **_seminar_form(capacity="12")})
    assert response.status_code in (200, 302)
