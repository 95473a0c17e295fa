"""The cohort decision: one act, gapless numbers in submission order, idempotent, bulk."""
import threading
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from support import counted
from portal.accounts.models import User
from portal.applications import operations as applications
from portal.applications.models import Application
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.outbox import OutboxMail
from portal.registrations.models import Registration

DECIDED_ON = date(2026, 12, 20)


def _decide(app, cohort_id):
    with app.test_request_context():
        secretariat = User(email=f"secretariat-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
        db.session.add(secretariat)
        result = operations.decide_cohort(db.session.get(Cohort, cohort_id), DECIDED_ON, secretariat)
        db.session.commit()
        return result


def test_the_decision_registers_rejects_and_mails_once(app, build_cohort):
    cohort_id, by_submission = build_cohort(approve=3, reject=1)
    result = _decide(app, cohort_id)
    assert (result.registered, result.rejected, result.already_decided) == (3, 1, False)
    with app.app_context():
        registrations = db.session.scalars(select(Registration).order_by(Registration.sequence)).all()
        assert [r.number for r in registrations] == ["KS07-0001", "KS07-0002", "KS07-0003"]
        approved = [a for a in by_submission if db.session.get(Application, a).state == "approved"]
        # Numbers in order of first submission.
        assert [db.session.get(Application, a).registration_id for a in approved] == [r.id for r in registrations]
        assert {(r.registered_on, r.valid_until) for r in registrations} == {(DECIDED_ON, date(2029, 12, 19))}
        # The goals of the key actions and where the registrant is, for the directory and the KPI.
        assert [r.goals for r in registrations] == [[13]] * 3
        assert all((r.municipality_code, r.in_city) == (r.organisation.municipality_code, r.organisation.in_city)
                   and r.in_city for r in registrations)
        assert db.session.get(Cohort, cohort_id).state == "decided"
        subjects = [m.subject for m in db.session.scalars(select(OutboxMail))
                    if m.subject.endswith(("登録が決定しました", "申請の審査結果について"))]
        assert len(subjects) == 4

    again = _decide(app, cohort_id)
    assert again.already_decided
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Registration)) == 3


def test_undecided_applications_block_the_decision(app, build_cohort):
    cohort_id, _ = build_cohort(approve=1, reject=0, undecided=1)
    with pytest.raises(operations.CohortError, match="undecided"):
        _decide(app, cohort_id)
    with app.app_context():
        assert db.session.get(Cohort, cohort_id).state == "closed"
        assert db.session.scalar(select(db.func.count()).select_from(Registration)) == 0


def test_an_open_cohort_cannot_be_decided(app, ctx):
    now = datetime.now(timezone.utc)
    cohort = operations.plan_cohort(9, now, now + timedelta(days=5))
    operations.move_cohort(cohort, CohortState.OPEN)
    with pytest.raises(operations.CohortError, match="not_closed"):
        operations.decide_cohort(cohort, DECIDED_ON, None)


def _queries(app, cohort_id) -> int:
    """The statements of the decision itself: the outer app context outlives the count, so the
    mails queued are delivered after it (delivery is the outbox's cost, tested on its own)."""
    with app.app_context(), counted(app) as statements:
        _decide(app, cohort_id)
    return len(statements)


def test_the_decision_costs_the_same_number_of_queries_for_3_or_30(app, build_cohort):
    small = _queries(app, build_cohort(approve=2, reject=1, number=7)[0])
    large = _queries(app, build_cohort(approve=25, reject=5, number=8)[0])
    assert small == large
    assert large < 50


def test_two_decisions_at_once_make_one(app, build_cohort):
    cohort_id, _ = build_cohort(approve=4, reject=0)
    barrier = threading.Barrier(2)
    results = []

    def decide():
        barrier.wait()
        try:
            results.append(_decide(app, cohort_id))
        except Exception as error:  # a loser may also be told by the database
            results.append(error)

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        numbers = db.session.scalars(select(Registration.number).order_by(Registration.number)).all()
    assert numbers == ["KS07-0001", "KS07-0002", "KS07-0003", "KS07-0004"]
    assert sum(1 for r in results if isinstance(r, operations.Decision) and not r.already_decided) == 1


def test_a_draft_never_submitted_does_not_block_the_decision(app, build_cohort, make_user, make_organisation):
    cohort_id, _ = build_cohort(approve=1, reject=0, number=5)
    owner = make_user()
    make_organisation(owner, corporate_number=None, kind="group", name="下書きのみ")
    with app.test_request_context():
        user = db.session.get(User, owner)
        cohort = db.session.get(Cohort, cohort_id)
        cohort.state = CohortState.OPEN  # drafts are started while a cohort is open
        draft = applications.start_application(user.organisation, cohort, user)
        cohort.state = CohortState.CLOSED
        db.session.commit()
        draft_id = draft.id
    assert _decide(app, cohort_id).registered == 1
    with app.app_context():
        assert db.session.get(Application, draft_id).state == "draft"


def test_an_approved_renewal_extends_the_term_under_the_same_number(app, build_cohort, make_user,
                                                                    make_organisation):
    from portal.applications.models import ApplicationKind

    cohort_id, by_submission = build_cohort(approve=1, reject=0, number=6)
    _decide(app, cohort_id)
    reviewer_id = make_user("reviewer")
    with app.test_request_context():
        registration = db.session.scalar(select(Registration))
        original_end = registration.valid_until
        now = datetime.now(timezone.utc)
        later = operations.plan_cohort(10, now - timedelta(days=1), now + timedelta(days=10))
        operations.move_cohort(later, CohortState.OPEN)
        application = db.session.get(Application, by_submission[0])
        owner = application.organisation.owner
        content = {**application.content, "actions": [{**action, "goals": [7, 12]}
                                                      for action in application.content["actions"]]}
        renewal = applications.start_application(application.organisation, later, owner,
                                                 kind=ApplicationKind.RENEWAL, content=content,
                                                 registration=registration)
        applications.submit_application(renewal, owner)
        reviewer = db.session.get(User, reviewer_id)
        applications.start_review(renewal, reviewer)
        applications.recommend(renewal, True, reviewer)
        operations.move_cohort(later, CohortState.CLOSED)
        db.session.commit()
        later_id, registration_id, number = later.id, registration.id, registration.number
    result = _decide(app, later_id)
    assert (result.registered, result.renewed) == (0, 1)
    with app.app_context():
        renewed = db.session.get(Registration, registration_id)
        assert renewed.number == number
        assert renewed.valid_until == date(original_end.year + 3, original_end.month, original_end.day)
        assert renewed.goals == [7, 12]  # the renewed key actions' goals replace the old ones
        assert db.session.scalar(select(db.func.count()).select_from(Registration)) == 1


def test_a_cohort_with_nothing_to_decide_is_decided(app, ctx):
    now = datetime.now(timezone.utc)
    cohort = operations.plan_cohort(11, now - timedelta(days=3), now + timedelta(days=3))
    operations.move_cohort(cohort, CohortState.OPEN)
    operations.move_cohort(cohort, CohortState.CLOSED)
    result = operations.decide_cohort(cohort, DECIDED_ON, None)
    db.session.commit()
    assert (result.registered, result.rejected, result.already_decided) == (0, 0, False)
    assert db.session.get(Cohort, cohort.id).state == "decided"
