"""Two people acting on the same application at the same moment: nothing is counted twice and
nobody's work is overwritten silently."""
from __future__ import annotations

import threading

from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select
from support import csrf_token, login

from portal.applications import operations
from portal.applications.messages import ERRORS
from portal.applications.models import Application, ApplicationRevision
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.outbox import OutboxMail

TIMEOUT = 30


def _run_together(targets):
    """Run each target in its own thread; re-raise the first exception a thread met."""
    failures = []

    def wrap(target):
        def run():
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if failures:
        raise failures[0]


def test_two_simultaneous_submissions_make_one_revision(app, applicant, make_cohort, make_application,
                                                       complete_content, monkeypatch):
    from portal.accounts.models import User

    user_id = applicant[0]
    application_id = make_application(user_id, make_cohort(), complete_content())
    loaded = threading.Barrier(2, timeout=TIMEOUT)
    checked = threading.Barrier(2, timeout=TIMEOUT)
    original_missing = operations.missing

    def missing_then_wait(application):
        # Both submissions have passed every check before either claims the application.
        found = original_missing(application)
        checked.wait()
        return found

    monkeypatch.setattr(operations, "missing", missing_then_wait)
    outcomes: list = []

    def submit():
        with app.test_request_context():
            try:
                application = db.session.get(Application, application_id)
                user = db.session.get(User, user_id)
                assert application.state == "draft"
                loaded.wait()
                try:
                    revision = operations.submit_application(application, user)
                except operations.ApplicationError as error:
                    db.session.rollback()
                    outcomes.append(error.code)
                else:
                    db.session.commit()
                    outcomes.append(revision.number)
            finally:
                db.session.remove()

    _run_together([submit, submit])

    assert sorted(outcomes, key=str) == [1, "changed"]  # one succeeded, the other was told
    assert "changed" in ERRORS
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state == "submitted" and application.revision_count == 1
        assert db.session.scalar(select(func.count()).select_from(ApplicationRevision)
                                 .where(ApplicationRevision.application_id == application_id)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "application.submitted")) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                                 .where(OutboxMail.recipient == "owner@example.jp")) == 1


def test_two_people_saving_the_same_step_at_once(app, client, applicant, make_user, make_cohort,
                                                 make_application, complete_content, monkeypatch):
    """The second save is refused and says so; the first one's text is kept."""
    from portal.organisations.models import Membership

    application_id = make_application(applicant[0], make_cohort(), complete_content())
    colleague_id = make_user(email="colleague@example.jp")
    with app.app_context():
        db.session.add(Membership(organisation_id=applicant[1], user_id=colleague_id))
        db.session.commit()
    colleague = app.test_client()
    login(colleague, colleague_id)
    path = f"/applications/{application_id}/steps/vision"
    mine, theirs = csrf_token(client, path), csrf_token(colleague, path)
    with app.app_context():
        audited = db.session.scalar(select(func.max(AuditEntry.id)))

    original_save = operations.save_section
    first: list = []

    def save_while_the_colleague_saves(application, section, value, user):
        # The owner's request has loaded the draft; the colleague's save commits right now.
        if not first:
            first.append(None)
            replies = []
            _run_together([lambda: replies.append(colleague.post(
                path, data={"vision": "同僚が書いたビジョン", "go": "stay", "csrf_token": theirs}))])
            assert replies[0].status_code == 302
        return original_save(application, section, value, user)

    monkeypatch.setattr(operations, "save_section", save_while_the_colleague_saves)
    response = client.post(path, data={"vision": "私が書いたビジョン", "go": "next", "csrf_token": mine})

    assert response.status_code == 302 and response.headers["Location"].endswith(path)  # back to the same step
    with app.test_request_context(), force_locale("ja"):
        told = str(escape(gettext("Someone else saved this application meanwhile. "
                                  "Please check the page and save again.")))
    page = client.get(path).get_data(as_text=True)
    assert told in page
    assert "同僚が書いたビジョン" in page
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.content["vision"] == "同僚が書いたビジョン"
        saved = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "application.saved",
                                                            AuditEntry.object_id == application_id,
                                                            AuditEntry.id > audited)).all()
        assert [(entry.actor_id, entry.changes) for entry in saved] == [(colleague_id, {"section": "vision"})]


def test_a_second_submit_is_told_the_application_was_already_submitted(app, client, applicant, make_cohort,
                                                                       make_application, complete_content):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    token = csrf_token(client, f"/applications/{application_id}/steps/confirm")  # both clicks carry this page's token
    assert client.post(f"/applications/{application_id}/submit", data={"csrf_token": token}).status_code == 302

    again = client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})

    assert again.status_code in (302, 409)
    page = client.get(again.headers["Location"]).get_data(as_text=True) if again.status_code == 302 \
        else again.get_data(as_text=True)
    with app.test_request_context(), force_locale("ja"):
        assert str(escape(str(ERRORS["not_submittable"]))) in page
    with app.app_context():
        assert db.session.get(Application, application_id).revision_count == 1
