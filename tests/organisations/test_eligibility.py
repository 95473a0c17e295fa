"""Who may apply: corporations, groups and sole proprietors with an office in Kumamoto Prefecture,
not the national government nor local governments. The pages say so, and a government body's
法人番号 is refused wherever one is entered, with the reason; incorporated administrative agencies
and national university corporations have ordinary numbers and are accepted."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from support import ORGANISATION, csrf_token, login
from portal.core.extensions import db
from portal.organisations.models import Organisation

NATIONAL = "7000012050002"  # 国税庁
LOCAL = "7000020430005"  # 熊本県
# The form incorporated administrative agencies and national university corporations have: a 法人
# registered at a 法務局 (here 熊本's, 3300), kind 05; an ordinary number.
UNIVERSITY = "9330005003386"
REFUSED = "This is the corporate number of a national or local government body."


def post_profile(client, path="/organisations/new", **changes):
    data = {**{k: str(v) for k, v in ORGANISATION.items()}, **changes, "csrf_token": csrf_token(client, path)}
    return client.post(path + "?lang=en", data=data)


def stored(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        return [(o.name, o.corporate_number) for o in db.session.scalars(select(Organisation))]


@pytest.fixture
def newcomer(client, make_user):
    user_id = make_user(email="newcomer@example.jp")
    login(client, user_id)
    client.get("/?lang=en")
    return user_id


@pytest.mark.parametrize("number", [NATIONAL, LOCAL, "７０００-０２０４-３０００５"], ids=["national", "local", "typed"])
def test_a_government_number_is_refused_on_the_new_profile(app, client, newcomer, number):
    response = post_profile(client, corporate_number=number, name="熊本県庁")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    [field] = re.findall(r'<input[^>]*id="corporate_number"[^>]*>', text)
    assert REFUSED in text and "cannot register" in text
    assert 'aria-invalid="true"' in field and 'class="error-summary"' in text
    assert 'href="#corporate_number"' in text  # the summary leads to the field
    assert stored(app) == []


def test_a_government_number_is_refused_when_the_profile_is_edited(app, client, newcomer, make_organisation):
    organisation_id = make_organisation(newcomer)
    path = f"/organisations/{organisation_id}/edit"
    response = post_profile(client, path, corporate_number=LOCAL)
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert stored(app) == [(ORGANISATION["name"], ORGANISATION["corporate_number"])]


@pytest.mark.parametrize("number", [UNIVERSITY, "1180301018771"], ids=["national_university_form", "company"])
def test_ordinary_numbers_are_accepted(app, client, newcomer, number):
    response = post_profile(client, corporate_number=number, name="国立大学法人テスト大学")
    assert response.status_code == 302
    assert stored(app) == [("国立大学法人テスト大学", number)]


def test_a_claim_with_a_government_number_is_refused_with_the_reason(app, client, newcomer):
    path = "/claim/request"
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path + "?lang=en", data={
        "csrf_token": csrf_token(client, path), "number": "KS01-0001", "corporate_number": LOCAL,
        "representative_title": "知事", "representative_name": "熊本 太郎", "contact_name": "担当",
        "contact_phone": "096-000-0000", "contact_email": "a@example.jp"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/self-check", "/organisations/new"])
def test_the_pages_say_who_may_apply(client, newcomer, path):
    text = client.get(path + "?lang=en").get_data(as_text=True)
    notice = text[text.index('id="eligibility"'):]
    notice = notice[:notice.index("</div>")]
    assert "Corporations, groups and sole proprietors with an office in Kumamoto Prefecture" in notice
    assert "The national government and local governments" in notice and "cannot apply" in notice
