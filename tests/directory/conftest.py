"""Registrants for the directory's tests, made the way the portal makes them: imported with
`portal.registrations.importer.import_rows` (in bulk, or a few written by hand so that each
filter and search has a known answer), or registered through an application and a cohort
decision (to have key actions)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from directory_data import ACTIONS, COHORT_2, COHORT_3, EXPIRED, LATER, LISTED, LONG_AGO, RECENT, TODAY, VISION
from sqlalchemy import delete, select

from portal.core.extensions import db


@pytest.fixture
def imported(app):
    """imported(rows, cohort, decided_on=RECENT) -> ImportResult, committed."""
    from portal.registrations.importer import import_rows

    def run(rows: list[dict[str, str]], cohort: int, decided_on: date = RECENT):
        with app.test_request_context():
            result = import_rows(rows, cohort, decided_on)
            db.session.commit()
            return result

    return run


@pytest.fixture
def registrants(imported):
    """The hand-written registrants above: one expired, ten listed."""
    imported(EXPIRED, 1, LONG_AGO)
    imported(COHORT_2, 2, RECENT)
    imported(COHORT_3, 3, LATER)
    return LISTED


@pytest.fixture
def registration(app):
    """registration(number) -> the Registration, in the caller's app context."""
    from portal.registrations.models import Registration

    def find(number: str):
        return db.session.scalar(select(Registration).where(Registration.number == number))

    return find


@pytest.fixture
def staff_user(app, make_user):
    """A secretariat member, for revocations and changes of consent."""
    from portal.accounts.models import User

    user_id = make_user("secretariat")

    def get():
        return db.session.get(User, user_id)

    return get


@pytest.fixture
def applied(app, make_user, make_organisation):
    """applied(cohort=7) -> registration number of a registrant made the real way: an application
    with the 2030 vision and the key actions above, reviewed, recommended, and its cohort decided 30 days ago."""
    from support import minimal_content

    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.core.outbox import OutboxMail
    from portal.registrations.models import Registration

    def build(cohort_number: int = 7) -> str:
        now = datetime.now(UTC)
        owner_id = make_user()
        organisation_id = make_organisation(owner_id, kind="group", corporate_number=None, name="水の郷くまもと会",
                                            name_kana="ミズノサトクマモトカイ")
        reviewer_id = make_user("reviewer")
        content = {**minimal_content(), "vision": VISION, "actions": ACTIONS}
        with app.test_request_context():
            cohort = cohorts.plan_cohort(cohort_number, now - timedelta(days=60), now - timedelta(days=40))
            cohorts.move_cohort(cohort, CohortState.OPEN)
            owner, reviewer = db.session.get(User, owner_id), db.session.get(User, reviewer_id)
            application = applications.start_application(owner.organisation, cohort, owner)
            for key, value in content.items():
                applications.save_section(application, key, value, owner)
            applications.submit_application(application, owner, now=now - timedelta(days=50))
            applications.start_review(application, reviewer)
            applications.recommend(application, True, reviewer, "")
            cohorts.move_cohort(cohort, CohortState.CLOSED)
            secretariat = User(email=f"decider-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
            db.session.add(secretariat)
            cohorts.decide_cohort(db.session.get(Cohort, cohort.id), TODAY - timedelta(days=30), secretariat)
            db.session.execute(delete(OutboxMail))
            db.session.commit()
            return db.session.scalar(select(Registration.number)
                                     .where(Registration.organisation_id == organisation_id))

    return build
