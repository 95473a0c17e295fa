"""Moving an undecided application to a later cohort (the secretariat), so that the earlier
cohort can be decided: the application keeps its state and revisions, the applicant is mailed,
and every refusal is a clear message."""
from __future__ import annotations

from sqlalchemy import select
from support import csrf_token

from portal.applications import operations
from portal.applications.models import Application, ApplicationRevision
from portal.cohorts import operations as cohorts
from portal.cohorts.models import Cohort, CohortState
from portal.core.audit import AuditEntry
from portal.core.extensions import db

QUEUE = "/staff/review/"


def _move(client, application_id: int, data: dict):
    token = csrf_token(client, QUEUE)
    return client.post(f"/staff/review/{application_id}/move", data={"csrf_token": token, **data})


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _close(app, cohort_id: int) -> None:
    with app.app_context():
        cohorts.move_cohort(db.session.get(Cohort, cohort_id), CohortState.CLOSED)
        db.session.commit()


def test_moving_unblocks_the_decision_and_keeps_the_revisions(app, make_cohort, make_submitted, secretariat,
                                                              staff_client, mails, load):
    early, later = make_cohort(2), make_cohort(3, state="planned")
    application_id = make_submitted(early, state="under_review")
    recommended_id = make_submitted(early, state="under_review")
    with app.test_request_context():
        operations.recommend(db.session.get(Application, recommended_id), True, None)
        db.session.commit()
    _close(app, early)
    with app.app_context():
        assert cohorts.decision_preview(db.session.get(Cohort, early))["undecided"] == 1
    client = staff_client(secretariat)
    client.get("/?lang=en")
    page = client.get(f"/staff/review/{application_id}").get_data(as_text=True)
    assert 'id="move-form"' in page and "Cohort 3" in page
    before = len(mails())
    response = _move(client, application_id, {"version": load(application_id).version, "cohort_id": later,
                                              "reason": "第2期の審査に間に合わないため"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert any("moved" in text for text in _flashes(client))

    application = load(application_id)
    assert application.cohort_id == later and application.state == "under_review"
    with app.test_request_context():
        assert cohorts.decision_preview(db.session.get(Cohort, early))["undecided"] == 0
        assert cohorts.decision_preview(db.session.get(Cohort, later))["undecided"] == 1
        revisions = db.session.scalars(select(ApplicationRevision).where(
            ApplicationRevision.application_id == application_id)).all()
        assert [r.number for r in revisions] == [1]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "application.moved")).one()
        assert entry.changes == {"cohort": [2, 3], "reason": "第2期の審査に間に合わないため"}
        decision = cohorts.decide_cohort(db.session.get(Cohort, early), early_date(), None)
        assert decision.registered == 1 and not decision.already_decided
        owner_email = db.session.get(Application, application_id).organisation.owner.email
        db.session.commit()
    sent = [m for m in mails()[before:] if m.recipient == owner_email]
    assert len(sent) == 1 and "3" in sent[0].subject and "2" in sent[0].body


def early_date():
    from portal.core.i18n import today_jst

    return today_jst()


def test_a_reviewer_may_not_move(make_cohort, make_submitted, reviewer, staff_client, load):
    early, later = make_cohort(2), make_cohort(3, state="planned")
    application_id = make_submitted(early)
    client = staff_client(reviewer)
    assert 'id="move-form"' not in client.get(f"/staff/review/{application_id}").get_data(as_text=True)
    response = _move(client, application_id, {"version": load(application_id).version, "cohort_id": later,
                                              "reason": "r"})
    assert response.status_code == 403
    assert load(application_id).cohort_id == early


def test_a_draft_cannot_be_moved(app, make_cohort, make_submitted, secretariat, staff_client, load):
    early, later = make_cohort(2), make_cohort(3, state="planned")
    draft_id = make_submitted(early, state="draft")
    response = _move(staff_client(secretariat), draft_id, {"version": load(draft_id).version, "cohort_id": later,
                                                          "reason": "r"})
    assert response.status_code == 404  # a draft has no review page
    with app.test_request_context():
        application = db.session.get(Application, draft_id)
        try:
            operations.move_to_cohort(application, db.session.get(Cohort, later), None, "r")
        except operations.ApplicationError as error:
            assert error.code == "not_movable"
        else:
            raise AssertionError("a draft was moved")
    assert load(draft_id).cohort_id == early


def test_an_earlier_or_decided_cohort_or_no_reason_is_refused_with_a_message(
        app, make_cohort, make_submitted, secretariat, staff_client, mails, load):
    earlier, current, decided = make_cohort(1, state="closed"), make_cohort(2), make_cohort(4, state="closed")
    with app.app_context():  # decided (without applications)
        db.session.get(Cohort, decided).state = CohortState.DECIDED
        db.session.commit()
    application_id = make_submitted(current)
    client = staff_client(secretariat)
    client.get("/?lang=en")
    before = len(mails())
    for target, text in ((earlier, "only to a later cohort"), (current, "only to a later cohort"),
                         (decided, "already been decided")):
        response = _move(client, application_id, {"version": load(application_id).version, "cohort_id": target,
                                                  "reason": "r"})
        assert response.status_code == 302
        assert any(text in message for message in _flashes(client)), _flashes(client)
    later = make_cohort(5, state="planned")
    response = _move(client, application_id, {"version": load(application_id).version, "cohort_id": later,
                                              "reason": "  "})
    assert response.status_code == 302
    assert any("Give the reason" in message for message in _flashes(client)), _flashes(client)
    stale = _move(client, application_id, {"version": load(application_id).version - 1, "cohort_id": later,
                                           "reason": "r"})
    assert stale.status_code == 302
    assert any("changed by someone else" in message for message in _flashes(client))
    assert load(application_id).cohort_id == current and len(mails()) == before


def test_the_organisation_with_an_application_in_the_target_is_refused(app, make_cohort, make_submitted,
                                                                       make_application, load):
    early, later = make_cohort(2), make_cohort(3)
    application_id = make_submitted(early)
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        owner_id = application.organisation.owner.id
    make_application(owner_id, later)
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        try:
            operations.move_to_cohort(application, db.session.get(Cohort, later), None, "r")
        except operations.ApplicationError as error:
            assert error.code == "move_target_exists"
        else:
            raise AssertionError("moved next to a live application")
        db.session.rollback()
    assert load(application_id).cohort_id == early


def test_the_move_form_has_ids_of_its_own_next_to_the_rejection_form(app, make_cohort, make_submitted, secretariat,
                                                                     staff_client):
    """The label 「移動の理由」 focuses the move's reason, not the rejection's (issue #19): the
    move form's fields keep their names but have ids no other form on the page uses."""
    import re

    early = make_cohort(2)
    make_cohort(3, state="planned")
    application_id = make_submitted(early, state="under_review")
    page = staff_client(secretariat).get(f"/staff/review/{application_id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="move-form".*?</form>', page, re.DOTALL).group(0)
    assert re.search(r'<label for="move-reason"', form) and re.search(r'<textarea[^>]*id="move-reason"[^>]*name="reason"|<textarea[^>]*name="reason"[^>]*id="move-reason"', form)
    assert re.search(r'<label for="move-cohort"', form) and 'name="cohort_id"' in form
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
