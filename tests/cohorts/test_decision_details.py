"""The decision and the register's record: each registration it creates gets the first dated
version of its certified details, and a renewal extends the term without rewriting where the
registrant was when its cohort was decided."""
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select
from support import counted

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.applications.models import Application, ApplicationKind
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.location import derive_location
from portal.kpi.report import kpi_report
from portal.registrations import details
from portal.registrations.models import Registration, RegistrationDetails

DECIDED_ON = date(2026, 12, 20)
MOVED_ON = date(2027, 6, 1)  # the day the secretariat accepts the 変更届 of the move
RENEWED_ON = date(2029, 10, 1)
KIKUYO = ("8691102", "菊池郡菊陽町原水1-1")


def _decide(app, cohort_id, day):
    with app.test_request_context():
        secretariat = User(email=f"secretariat-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
        db.session.add(secretariat)
        result = operations.decide_cohort(db.session.get(Cohort, cohort_id), day, secretariat)
        db.session.commit()
        return result


def test_the_decision_writes_each_registrations_first_version(app, build_cohort):
    cohort_id, _ = build_cohort(approve=3, reject=1)
    _decide(app, cohort_id, DECIDED_ON)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegistrationDetails)) == 3
        for registration in db.session.scalars(select(Registration)):
            (version,) = details.history(registration.id)
            assert (version.valid_from, version.valid_until, version.change_notice_id) == (DECIDED_ON, None, None)
            assert details.values_of(version) == details.values_of(registration.organisation)
            assert (version.municipality_code, version.in_city) == (registration.municipality_code,
                                                                    registration.in_city)


def test_a_renewal_of_a_registrant_that_moved_leaves_its_first_cohort_unchanged(app, build_cohort, make_user):
    """Decided in 中央区, moved to 菊陽町 by an accepted 変更届, renewed later: the first cohort
    still counts it in the city at its decision; "active" counts follow the move."""
    cohort_id, by_submission = build_cohort(approve=1, reject=0, number=6)
    _decide(app, cohort_id, DECIDED_ON)
    with app.test_request_context():
        registration = db.session.scalar(select(Registration))
        organisation = registration.organisation
        found = derive_location(KIKUYO[1], KIKUYO[0])
        organisation.postal_code, organisation.address = KIKUYO
        organisation.municipality_code, organisation.in_city = found.municipality_code, found.in_city
        details.open_version(registration, details.values_of(organisation), MOVED_ON)
        db.session.commit()
        decided = kpi_report(RENEWED_ON)["cohorts"]
        assert [(c["number"], c["registered"], c["in_city"]) for c in decided] == [(6, 1, 1)]

        # The renewal, in a later cohort.
        reviewer = db.session.get(User, make_user("reviewer"))
        now = datetime.now(timezone.utc)
        later = operations.plan_cohort(10, now - timedelta(days=1), now + timedelta(days=10))
        operations.move_cohort(later, CohortState.OPEN)
        application = db.session.get(Application, by_submission[0])
        owner = application.organisation.owner
        renewal = applications.start_application(application.organisation, later, owner,
                                                 kind=ApplicationKind.RENEWAL, content=application.content,
                                                 registration=registration)
        applications.submit_application(renewal, owner)
        applications.start_review(renewal, reviewer)
        applications.recommend(renewal, True, reviewer)
        operations.move_cohort(later, CohortState.CLOSED)
        db.session.commit()
        later_id, registration_id = later.id, registration.id

    assert _decide(app, later_id, RENEWED_ON).renewed == 1
    with app.test_request_context():
        renewed = db.session.get(Registration, registration_id)
        assert renewed.valid_until == date(2032, 12, 19)
        # The decision's snapshot is kept, and the renewal opened no version of its own.
        assert (renewed.municipality_code, renewed.in_city) == ("43101", True)
        assert [(v.valid_from, v.valid_until, v.in_city) for v in details.history(registration_id)] == [
            (DECIDED_ON, MOVED_ON, True), (MOVED_ON, None, False)]
        report = kpi_report(RENEWED_ON)
        assert [(c["number"], c["registered"], c["in_city"]) for c in report["cohorts"]] == [(6, 1, 1), (10, 0, 0)]
        assert report["cohorts"][0] == decided[0]
        assert (report["active_total"], report["active_in_city"]) == (1, 0)
        assert kpi_report(MOVED_ON - timedelta(days=1))["active_in_city"] == 1


def test_the_first_versions_are_one_statement_whatever_the_number(app, build_cohort):
    counts = []
    for approve, number in ((2, 7), (25, 8)):
        cohort_id, _ = build_cohort(approve=approve, reject=1, number=number)
        with app.app_context(), counted(app) as statements:
            _decide(app, cohort_id, DECIDED_ON)
        counts.append(len(statements))
        assert sum("INSERT INTO registration_details" in s for s in statements) == 1
    assert counts[0] == counts[1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegistrationDetails)) == 27
