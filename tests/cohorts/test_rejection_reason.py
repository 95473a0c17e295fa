"""A rejection tells the applicant why. The reviewer's reason for recommending rejection stays
internal; before the cohort is decided, the secretariat gives the applicant's reason on the review
page — a standard reason and, if it likes, its own words — and the decision waits until every
rejection has one. The decision mail states it, and a registration's mail states the number."""
from sqlalchemy import select

from support import csrf_token, login
from portal.applications.models import Application
from portal.cohorts.models import Cohort
from portal.core.audit import AuditEntry
from portal.core.extensions import db


def _load(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge(obj)
        return obj


def _give(client, application_id: int, **data):
    page = f"/staff/review/{application_id}"
    version = _load(client.application, Application, application_id).version
    return client.post(f"{page}/rejection-reason",
                       data={"version": version, "csrf_token": csrf_token(client, page), **data})


def _decide(client, cohort_id: int):
    page = f"/staff/cohorts/{cohort_id}"
    return client.post(f"{page}/decide", data={"decided_on": "2026-12-20", "confirm": "y",
                                               "csrf_token": csrf_token(client, page)})


def test_the_secretariat_gives_the_reason_and_the_decision_mail_states_it(app, client, build_cohort, make_user,
                                                                          mails):
    cohort_id, ids = build_cohort(approve=1, reject=1, reasons=False)
    rejected = next(i for i in ids if _load(app, Application, i).state == "recommended_rejection")
    approved = next(i for i in ids if i != rejected)
    login(client, make_user("secretariat"))

    # Without a reason for the applicant the cohort cannot be decided, and the page says why.
    page = client.get(f"/staff/cohorts/{cohort_id}?lang=en").get_data(as_text=True)
    assert 'id="decision-blocked-reasons"' in page and 'id="decision-form"' not in page
    assert _decide(client, cohort_id).status_code == 302
    assert _load(app, Cohort, cohort_id).state == "closed"

    # The review page offers the form; a choice is required and nothing is stored without one.
    review = client.get(f"/staff/review/{rejected}?lang=en").get_data(as_text=True)
    assert 'id="rejection-reason-form"' in review and 'id="rejection-reason-missing"' in review
    response = _give(client, rejected, reason="", message="補足")
    assert response.status_code == 200 and "Choose the reason given to the applicant." in response.get_data(as_text=True)
    response = _give(client, rejected, reason="made-up", message="")
    assert response.status_code == 200 and 'id="rejection-reason-reason-error"' in response.get_data(as_text=True)
    response = _give(client, rejected, reason="criteria", message="あ" * 2001)
    assert response.status_code == 200 and 'id="rejection-reason-message-error"' in response.get_data(as_text=True)
    assert _load(app, Application, rejected).rejection_reason is None

    response = _give(client, rejected, reason="actions_not_concrete",
                     message="次期の申請では、取組ごとに指標と2030年の目標値をご記入ください。")
    assert response.status_code == 302
    stored = _load(app, Application, rejected)
    assert stored.rejection_reason == "actions_not_concrete"
    assert stored.rejection_message == "次期の申請では、取組ごとに指標と2030年の目標値をご記入ください。"
    assert stored.recommendation_reason == "理由"  # the reviewer's own stays as it was, internal
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.rejection_reason_given"))

    assert _decide(client, cohort_id).status_code == 302
    assert _load(app, Cohort, cohort_id).state == "decided"
    [rejection] = [m for m in mails() if m.body.count("次期の申請では、取組ごとに指標と2030年の目標値をご記入ください。")]
    with app.test_request_context():
        from flask_babel import force_locale

        from portal.applications.rejection import REASONS

        with force_locale(rejection.locale):
            assert str(REASONS["actions_not_concrete"]) in rejection.body
    assert "理由\n" not in rejection.body  # the internal recommendation reason is not sent
    [registered] = [m for m in mails() if "KS07-0001" in m.body]
    registration_page = f"http://portal.test/registrations/"
    assert registration_page in registered.body
    assert _load(app, Application, approved).state == "approved"


def test_only_the_secretariat_and_only_for_a_recommended_rejection(app, client, build_cohort, make_user):
    cohort_id, ids = build_cohort(approve=1, reject=1, reasons=False)
    rejected = next(i for i in ids if _load(app, Application, i).state == "recommended_rejection")
    approved = next(i for i in ids if i != rejected)

    login(client, make_user("reviewer"))
    review = client.get(f"/staff/review/{rejected}?lang=en").get_data(as_text=True)
    assert 'id="rejection-reason-form"' not in review  # a reviewer reads that it is missing, no more
    assert _give(client, rejected, reason="criteria").status_code == 403

    login(client, make_user("secretariat"))
    assert 'id="rejection-reason-form"' not in client.get(f"/staff/review/{approved}").get_data(as_text=True)
    response = _give(client, approved, reason="criteria")
    assert response.status_code == 302
    assert _load(app, Application, approved).rejection_reason is None


def test_taking_the_recommendation_back_clears_the_reason(app, client, build_cohort, make_user):
    cohort_id, ids = build_cohort(approve=0, reject=1, reasons=True)
    [rejected] = ids
    assert _load(app, Application, rejected).rejection_reason == "criteria"
    login(client, make_user("secretariat"))
    page = f"/staff/review/{rejected}"
    response = client.post(f"{page}/reset", data={"version": _load(app, Application, rejected).version,
                                                   "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    stored = _load(app, Application, rejected)
    assert stored.state == "under_review" and stored.rejection_reason is None and stored.rejection_message is None
