"""Kumamoto City's staff: their own menu, the KPI report and its targets, the logo permits; none
of the prefecture's registration cycle and no applicant's private pages."""
from __future__ import annotations

import pytest
from flask import url_for

from support import ORGANISATION, login

from portal.core.extensions import db
from portal.core.roles import Role

PREFECTURE_ONLY = ("core.staff_home", "review.queue", "organisations.staff_index", "staff_registrations.index",
                   "cohorts.index", "staff_partners.index", "staff_seminars.index", "staff_reports.index",
                   "staff_claims.index", "staff_accounts.index", "system.index")


@pytest.fixture
def city_client(app, make_user):
    client = app.test_client()
    login(client, make_user("city", email="city@example.jp", name="熊本市 職員"))
    assert client.get("/?lang=en").status_code == 200
    return client


def _url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_the_city_is_not_prefectural_staff_but_signs_in_with_a_second_factor():
    assert Role.CITY.value == "city"
    assert not Role.CITY.is_staff
    assert Role.CITY.needs_second_factor


def test_the_city_menu_leads_to_the_kpi_its_targets_and_the_logo_permits(city_client):
    response = city_client.get("/city/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in ("/staff/kpi/", "/staff/kpi/targets", "/staff/logos/", "/registrants"):
        assert f'href="{path}' in page, path
    assert 'href="/staff/"' not in page  # the prefecture's menu is not theirs
    assert city_client.get("/staff/kpi/").status_code == 200
    assert city_client.get("/staff/kpi/report.csv").status_code == 200
    assert city_client.get("/staff/kpi/targets").status_code == 200
    logos = city_client.get("/staff/logos/").get_data(as_text=True)
    assert 'href="/city/"' in logos  # the breadcrumb goes back to their own menu


def test_the_city_sees_nothing_of_the_registration_cycle(app, city_client, make_user, make_organisation):
    for endpoint in PREFECTURE_ONLY:
        assert city_client.get(_url(app, endpoint)).status_code == 403, endpoint
    organisation = make_organisation(make_user(email="owner@example.jp"))
    assert city_client.get(_url(app, "organisations.show", organisation_id=organisation)).status_code == 404
    for path in ("/", "/registrants", "/opendata/registrants.csv", "/logos/"):
        assert city_client.get(path).status_code == 200, path


def test_a_permits_page_names_the_organisation_without_linking_its_private_page(app, city_client, make_user,
                                                                                  make_organisation):
    from portal.accounts.models import User
    from portal.core.i18n import today_jst
    from portal.logos import operations

    owner = make_user(email="owner@example.jp")
    organisation = make_organisation(owner)
    today = today_jst()
    with app.test_request_context():
        user = db.session.get(User, owner)
        data = {**operations.prefill(user), "activity": "名刺", "goals": [12], "media": ["website"],
                "variants": ["color-mark"], "starts_on": today, "ends_on": today.replace(year=today.year + 1)}
        permit = operations.new_request(user, data)
        operations.save_request(permit, data, user, agreed=True)
        operations.submit_request(permit, user)
        db.session.commit()
        permit_id = permit.id
    page = city_client.get(f"/staff/logos/{permit_id}").get_data(as_text=True)
    assert f'action="/staff/logos/{permit_id}/approve"' in page
    assert f'href="/organisations/{organisation}"' not in page
    assert ORGANISATION["name"] in page
