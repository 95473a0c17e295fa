"""Withdrawing an application (取下げ), and renewing a registration from what was approved."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select
from support import csrf_token, login

from portal.applications import operations
from portal.applications.messages import ERRORS
from portal.applications.models import Application, ApplicationKind, ApplicationRevision
from portal.applications.workflow import ApplicationState
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.terms import add_months


def ja(app, message: str, **values) -> str:
    with app.test_request_context(), force_locale("ja"):
        return str(escape(gettext(message, **values)))


def error(app, code: str) -> str:
    with app.test_request_context(), force_locale("ja"):
        return str(escape(str(ERRORS[code])))


def stored(app, application_id) -> Application:
    with app.app_context():
        application = db.session.get(Application, application_id)
        db.session.expunge(application)
        return application


def applications_of(app, organisation_id) -> list[Application]:
    with app.app_context():
        rows = db.session.scalars(select(Application).where(Application.organisation_id == organisation_id)
                                  .order_by(Application.id)).all()
        db.session.expunge_all()
        return rows


def submit(client, application_id):
    token = csrf_token(client, f"/applications/{application_id}/steps/confirm")
    return client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})


def add_member(app, make_user, organisation_id, email) -> int:
    from portal.organisations.models import Membership

    user_id = make_user(email=email)
    with app.app_context():
        db.session.add(Membership(organisation_id=organisation_id, user_id=user_id))
        db.session.commit()
    return user_id


# --- withdrawal ----------------------------------------------------------------------------------

def test_withdrawal_needs_the_confirmation_then_mails_the_members(app, client, applicant, make_user, make_cohort,
                                                                  make_application, complete_content, mails):
    user_id, organisation_id = applicant
    add_member(app, make_user, organisation_id, "colleague@example.jp")
    cohort_id = make_cohort()
    application_id = make_application(user_id, cohort_id, complete_content())
    assert submit(client, application_id).status_code == 302
    path = f"/applications/{application_id}/withdraw"
    assert f'href="{path}"' in client.get(f"/applications/{application_id}").get_data(as_text=True)
    mailed = len(mails())

    response = client.post(path, data={"reason": "事業計画を見直すため", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ja(app, "Tick the box to confirm.") in page and 'id="confirm-error"' in page
    assert "事業計画を見直すため" in page  # the reason typed is kept
    assert stored(app, application_id).state == "submitted" and len(mails()) == mailed

    response = client.post(path, data={"reason": "事業計画を見直すため", "confirm": "y",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{application_id}")
    assert stored(app, application_id).state == "withdrawn"
    subject = ja(app, "Your application was withdrawn")
    for member in ("owner@example.jp", "colleague@example.jp"):
        [mail] = [m for m in mails(member) if m.subject.endswith(subject)]
        assert f"http://portal.test/applications/{application_id}" in mail.body
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.withdrawn"))
        assert entry.actor_id == user_id and entry.changes["reason"] == "事業計画を見直すため"
        assert entry.changes["state"] == ["submitted", "withdrawn"]

    # Withdrawn, it cannot be withdrawn again; a new application in the same cohort can be started.
    assert f'href="{path}"' not in client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"confirm": "y", "csrf_token": csrf_token(client, "/applications/new")}
                       ).status_code == 404
    response = client.post("/applications/new", data={"cohort_id": cohort_id,
                                                       "csrf_token": csrf_token(client, "/applications/new")})
    assert response.status_code == 302
    new_id = int(re.search(r"/applications/(\d+)/steps/profile$", response.headers["Location"]).group(1))
    assert [(a.id, a.cohort_id, a.state) for a in applications_of(app, organisation_id)] == [
        (application_id, cohort_id, "withdrawn"), (new_id, cohort_id, "draft")]


@pytest.mark.parametrize("state", ["withdrawn", "approved", "rejected"])
def test_a_decided_or_withdrawn_application_cannot_be_withdrawn(app, client, applicant, make_cohort,
                                                                make_application, state, mails):
    from portal.accounts.models import User

    application_id = make_application(applicant[0], make_cohort())
    with app.app_context():
        db.session.get(Application, application_id).state = ApplicationState(state)
        db.session.commit()
    path = f"/applications/{application_id}/withdraw"
    token = csrf_token(client, "/applications/new")

    assert client.get(path).status_code == 404
    assert client.post(path, data={"confirm": "y", "csrf_token": token}).status_code == 404
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(operations.ApplicationError) as refused:
            operations.withdraw_application(application, db.session.get(User, applicant[0]))
        assert refused.value.code == "not_withdrawable" and "not_withdrawable" in ERRORS
        db.session.rollback()
    assert stored(app, application_id).state == state and mails() == []


# --- renewal ---------------------------------------------------------------------------------

APPROVED_CHALLENGE = ["C02", "C07", "C12", "C17", "C22"]


def approved_content(complete_content) -> dict:
    content = complete_content()
    content["vision"] = "前回承認されたビジョン：地域の雇用を守る。"
    for action, text in zip(content["actions"], ("地元の若者を採用する", "女性の管理職を増やす", "太陽光発電を導入する")):
        action["description"] = text
    content["checklist"]["challenge"] = list(APPROVED_CHALLENGE)
    return content


@pytest.fixture
def make_registration(app, make_cohort, complete_content):
    """make_registration(organisation_id, valid_until) -> registration id, with an approved
    application of cohort 2 (and its revision 1) as the cohort decision would have left it."""
    from portal.cohorts.models import Cohort
    from portal.registrations.models import Registration

    sequence = iter(range(1, 100))

    def build(organisation_id: int, valid_until) -> int:
        with app.app_context():
            cohort = db.session.scalar(select(Cohort).where(Cohort.number == 2))
        cohort_id = cohort.id if cohort else make_cohort(number=2, state="closed", opens_in_days=-1000,
                                                         closes_in_days=-970)
        with app.app_context():
            n = next(sequence)
            registration = Registration(number=Registration.format_number(2, n), cohort_id=cohort_id, sequence=n,
                                        organisation_id=organisation_id, valid_until=valid_until,
                                        registered_on=add_months(valid_until, -36) + timedelta(days=1))
            db.session.add(registration)
            db.session.flush()
            content = approved_content(complete_content)
            submitted = datetime.now(UTC) - timedelta(days=900)
            application = Application(organisation_id=organisation_id, cohort_id=cohort_id, content=content,
                                      kind=ApplicationKind.NEW, state=ApplicationState.APPROVED, revision_count=1,
                                      submitted_at=submitted, registration_id=registration.id)
            db.session.add(application)
            db.session.flush()
            db.session.add(ApplicationRevision(application_id=application.id, number=1, submitted_at=submitted,
                                               content={**content, "kind": "new", "cohort": 2,
                                                        "checklist_version": "1", "attachments": []}))
            db.session.commit()
            return registration.id

    return build


def test_the_owner_renews_from_the_approved_revision(app, client, applicant, make_cohort, make_registration,
                                                     complete_content):
    from portal.applications.checklist import load_checklist

    registration_id = make_registration(applicant[1], add_months(today_jst(), 3))
    cohort_id = make_cohort(number=3)
    path = f"/applications/renew/{registration_id}"

    page = client.get(path).get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert options == [str(cohort_id)]  # the later cohort only, not the one that registered it
    response = client.post(path, data={"cohort_id": cohort_id, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    application_id = int(re.search(r"/applications/(\d+)/steps/report$", response.headers["Location"]).group(1))

    renewal = stored(app, application_id)
    approved = approved_content(complete_content)
    assert (renewal.kind, renewal.state, renewal.cohort_id, renewal.registration_id) == (
        "renewal", "draft", cohort_id, registration_id)
    assert renewal.content["vision"] == approved["vision"]
    # The checklist answers (version 1) read as answers to the renewal cohort's version 2: same items.
    assert renewal.content["checklist"] == {**approved["checklist"], "version": "2"}
    # The key actions come with their keys (answers stored without one read as p1, p2, … by place).
    assert renewal.content["actions"] == [{**a, "key": f"p{n}"} for n, a in enumerate(approved["actions"], 1)]
    commitments = renewal.content["commitments"]
    assert [c["id"] for c in commitments] == ["p1", "p2", "p3", *APPROVED_CHALLENGE]

    report_path = f"/applications/{application_id}/steps/report"
    report = client.get(report_path).get_data(as_text=True)
    for action in approved["actions"]:
        assert action["description"] in report
    checklist = load_checklist("1")
    for item_id in APPROVED_CHALLENGE:
        assert str(escape(checklist.item(item_id).text_ja)) in report
    for commitment in commitments:
        assert f'id="achieved_{commitment["id"]}"' in report

    # Submitting needs every commitment reported achieved or not.
    declarations = {key: "y" for key in approved["declarations"]}
    declarations_path = f"/applications/{application_id}/steps/declarations"
    assert client.post(declarations_path, data={**declarations, "go": "stay",
                                                "csrf_token": csrf_token(client, declarations_path)}).status_code == 302
    answers = {f"achieved_{c['id']}": "yes" for c in commitments[:-1]}
    answers.update({f"comment_{c['id']}": "達成しました" for c in commitments})
    assert client.post(report_path, data={**answers, "go": "stay",
                                          "csrf_token": csrf_token(client, report_path)}).status_code == 302
    response = submit(client, application_id)
    assert response.status_code == 302
    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    assert error(app, "incomplete") in confirm
    assert f'href="{report_path}#achieved_{commitments[-1]["id"]}"' in confirm
    assert len(re.findall(r'href="[^"]*/steps/report#', confirm)) == 1
    assert stored(app, application_id).state == "draft"

    answers[f"achieved_{commitments[-1]['id']}"] = "no"
    assert client.post(report_path, data={**answers, "go": "stay",
                                          "csrf_token": csrf_token(client, report_path)}).status_code == 302
    assert submit(client, application_id).status_code == 302
    renewal = stored(app, application_id)
    assert renewal.state == "submitted" and renewal.revision_count == 1
    with app.app_context():
        revision = db.session.scalar(select(ApplicationRevision).where(
            ApplicationRevision.application_id == application_id))
        assert revision.content["kind"] == "renewal"
        assert [(r["id"], r["achieved"]) for r in revision.content["report"]] == [
            *((c["id"], True) for c in commitments[:-1]), (commitments[-1]["id"], False)]


@pytest.mark.parametrize("months", [5, -5])
def test_renewal_is_open_from_six_months_before_to_six_months_after_the_term(app, client, applicant, make_cohort,
                                                                             make_registration, months):
    registration_id = make_registration(applicant[1], add_months(today_jst(), months))
    make_cohort(number=3)
    assert client.get(f"/applications/renew/{registration_id}").status_code == 200


@pytest.mark.parametrize("months", [-7, 8])
def test_a_registration_outside_the_renewal_window_cannot_be_renewed(app, client, applicant, make_cohort,
                                                                     make_registration, months):
    registration_id = make_registration(applicant[1], add_months(today_jst(), months))
    cohort_id = make_cohort(number=3)
    path = f"/applications/renew/{registration_id}"

    assert client.get(path).status_code == 404
    token = csrf_token(client, "/applications/new")
    assert client.post(path, data={"cohort_id": cohort_id, "csrf_token": token}).status_code == 404
    assert [a.kind for a in applications_of(app, applicant[1])] == ["new"]


def test_another_organisations_registration_cannot_be_renewed(app, client, applicant, make_user, make_organisation,
                                                             make_cohort, make_registration):
    other_id = make_user(email="other@example.jp")
    other_organisation = make_organisation(other_id, kind="group", corporate_number=None, name="別の団体")
    registration_id = make_registration(other_organisation, add_months(today_jst(), 3))
    cohort_id = make_cohort(number=3)
    path = f"/applications/renew/{registration_id}"
    owner = app.test_client()
    login(owner, other_id)
    assert owner.get(path).status_code == 200  # its own organisation may

    assert client.get(path).status_code == 404
    token = csrf_token(client, "/applications/new")
    assert client.post(path, data={"cohort_id": cohort_id, "csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)
                                 .where(Application.kind == ApplicationKind.RENEWAL)) == 0
