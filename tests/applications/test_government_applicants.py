"""The application refuses a national or local government body: its profile step refuses the
法人番号 with the reason, and a profile that holds one (stored before the rule) cannot be
submitted; the start of an application says who may apply."""
from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy import select

from support import ORGANISATION, csrf_token
from portal.applications.models import Application
from portal.core.extensions import db
from portal.core.forms import GOVERNMENT_NUMBER_MESSAGE
from portal.organisations.models import Organisation

LOCAL = "7000020430005"  # 熊本県
NATIONAL = "7000012050002"  # 国税庁


def _step(application_id: int) -> str:
    return f"/applications/{application_id}/steps/profile"


def test_the_profile_step_refuses_a_government_number(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    path = _step(application_id)
    data = {**{k: str(v) for k, v in ORGANISATION.items()}, "corporate_number": NATIONAL, "go": "next",
            "csrf_token": csrf_token(client, path)}
    response = client.post(path + "?lang=en", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert str(GOVERNMENT_NUMBER_MESSAGE).split(" They")[0] in text
    [field] = re.findall(r'<input[^>]*id="corporate_number"[^>]*>', text)
    assert 'aria-invalid="true"' in field
    with app.app_context():
        assert db.session.get(Organisation, applicant[1]).corporate_number == ORGANISATION["corporate_number"]


def test_a_government_number_already_stored_stops_the_submission(app, client, applicant, make_cohort,
                                                                  make_application, complete_content):
    with app.app_context():
        db.session.get(Organisation, applicant[1]).corporate_number = LOCAL  # entered before the rule
        db.session.commit()
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    confirm = f"/applications/{application_id}/steps/confirm"
    response = client.post(f"/applications/{application_id}/submit", data={"csrf_token": csrf_token(client, confirm)})
    assert response.status_code == 302 and response.headers["Location"].endswith(confirm)
    page = client.get(confirm).get_data(as_text=True)
    with app.test_request_context(), force_locale("ja"):
        message = str(GOVERNMENT_NUMBER_MESSAGE)
    assert message in page
    assert f'href="{_step(application_id)}#corporate_number"' in page
    with app.app_context():
        application = db.session.scalar(select(Application).where(Application.id == application_id))
        assert application.state == "draft" and application.revision_count == 0


def test_the_start_of_an_application_says_who_may_apply(client, applicant, make_cohort):
    make_cohort()
    text = client.get("/applications/new?lang=en").get_data(as_text=True)
    assert 'id="eligibility"' in text and "cannot apply" in text
