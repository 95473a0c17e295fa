"""Every PDF the portal makes, checked as a person would before handing it over: all text inside
the page and the Japanese font embedded (tests/pdf_checks.py).

The documents are the demo data's (`flask seed-demo`: a decided cohort with registrants, permits,
seminars, imported cohorts without owners, the KPI figures), fetched once through the HTTP stack
as the people who download them, then checked one by one.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pdf_checks import assert_fit_to_hand_over, require_poppler
from support import csrf_token, login

# The self-check's result is printed in the reader's language (English words are longer); the
# other documents are Japanese whatever the page's language.
DOCUMENTS = ("certificate", "logo_permit", "application_copy", "claim_letters", "kpi_report", "attendance_sheet",
             "selfcheck_result", "selfcheck_result_en", "approval_list")


def _user_id(email: str) -> int:
    from portal.accounts.models import User
    from portal.core.extensions import db

    return db.session.scalar(select(User.id).where(User.email == email))


def _as(app, email: str):
    client = app.test_client()
    with app.app_context():
        login(client, _user_id(email))
    return client


def _pdf(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.get_data()


def _fetch_all(app) -> dict[str, bytes]:
    from portal.applications.models import Application, ApplicationRevision
    from portal.core.extensions import db
    from portal.logos.models import LogoPermit
    from portal.organisations.models import Membership, Organisation
    from portal.registrations.models import Registration
    from portal.seminars.models import Seminar

    with app.app_context():
        # The registrant with the longest name: the one most likely to run off the certificate.
        registration_id, registrant = db.session.execute(
            select(Registration.id, Membership.user_id)
            .join(Membership, Membership.organisation_id == Registration.organisation_id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .order_by(func.length(Organisation.name).desc(), Registration.id)).first()
        permit = db.session.scalar(select(LogoPermit).where(LogoPermit.number.is_not(None)).order_by(LogoPermit.id))
        permit_id, permit_holder = permit.id, permit.requested_by_id
        revision = db.session.execute(select(ApplicationRevision.application_id, ApplicationRevision.number,
                                             Application.organisation_id)
                                      .join(Application, Application.id == ApplicationRevision.application_id)
                                      .order_by(ApplicationRevision.id)).first()
        revision_owner = db.session.scalar(select(Membership.user_id).where(
            Membership.organisation_id == revision.organisation_id))
        seminar_id = db.session.scalar(select(Seminar.id).order_by(Seminar.id))
        # The decided cohort with the most decided applications: its 決裁 list.
        from portal.cohorts.models import Cohort

        decided_cohort = db.session.scalar(
            select(Application.cohort_id).join(Cohort, Cohort.id == Application.cohort_id)
            .where(Application.state.in_(("approved", "rejected")), Cohort.imported.is_(False))
            .group_by(Application.cohort_id).order_by(func.count().desc(), Application.cohort_id))
        unclaimed_cohort = db.session.scalar(
            select(Registration.cohort_id).outerjoin(Membership, Membership.organisation_id == Registration.organisation_id)
            .where(Membership.id.is_(None)).order_by(Registration.cohort_id))

    secretariat, city = _as(app, "secretariat@example.jp"), _as(app, "city@example.jp")
    found = {"certificate": _pdf(_client_of(app, registrant).get(f"/registrations/{registration_id}/certificate.pdf"))}
    found["logo_permit"] = _pdf(_client_of(app, permit_holder).get(f"/logos/{permit_id}/permit.pdf"))
    found["application_copy"] = _pdf(_client_of(app, revision_owner).get(
        f"/applications/{revision.application_id}/revisions/{revision.number}/copy.pdf?lang=ja"))
    found["kpi_report"] = _pdf(city.get("/staff/kpi/report.pdf"))
    found["attendance_sheet"] = _pdf(secretariat.get(f"/staff/seminars/{seminar_id}/attendance-sheet.pdf"))
    found["approval_list"] = _pdf(secretariat.get(f"/staff/cohorts/{decided_cohort}/approval-list.pdf"))
    path = f"/staff/claims/cohorts/{unclaimed_cohort}/letters"
    found["claim_letters"] = _pdf(secretariat.post(path, data={"csrf_token": csrf_token(secretariat, "/staff/claims/?lang=ja")}))
    visitor = app.test_client()
    _answer_the_self_check(visitor)
    found["selfcheck_result"] = _pdf(visitor.get("/self-check/result.pdf?lang=ja"))
    found["selfcheck_result_en"] = _pdf(visitor.get("/self-check/result.pdf?lang=en"))
    return found


def _answer_the_self_check(client) -> None:
    """Tick every item the self-check's pages offer, page after page, up to the result."""
    number = 1
    while True:
        path = f"/self-check/{number}"
        page = client.get(path).get_data(as_text=True)
        data = {"csrf_token": csrf_token(client, path), "go": "next"}
        data.update({name: "y" for name in re.findall(r'id="((?:basic|challenge)_[\w-]+)"', page)})
        response = client.post(path, data=data)
        assert response.status_code == 302
        if response.headers["Location"].endswith("/self-check/result"):
            return
        number += 1


def _client_of(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        login(client, user_id)
    return client


@pytest.fixture(scope="module")
def documents(app) -> dict[str, bytes]:
    """The demo's documents, made once for the module (the tables are emptied after each test,
    the bytes stay)."""
    require_poppler()
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    return _fetch_all(app)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_document_fits_its_page_with_the_japanese_font_embedded(documents, name):
    assert_fit_to_hand_over(documents[name])
