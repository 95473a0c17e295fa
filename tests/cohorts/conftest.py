"""Cohorts: a closed cohort with applications recommended for approval or rejection."""
from datetime import datetime, timedelta, timezone

import pytest

from support import minimal_content
from portal.accounts.models import User
from portal.applications import operations as applications
from portal.cohorts import operations
from portal.cohorts.models import CohortState
from portal.core.extensions import db


@pytest.fixture
def build_cohort(app, make_user, make_organisation):
    """build_cohort(approve=3, reject=1, undecided=0, reasons=True) -> (cohort id, application ids in
    submission order); `reasons`: the secretariat has given each rejection its reason for the applicant."""

    content = minimal_content(13)
    reviewer_id = make_user("reviewer")

    def build(approve: int = 3, reject: int = 1, undecided: int = 0, number: int = 7, reasons: bool = True):
        now = datetime.now(timezone.utc)
        owners = [make_user() for _ in range(approve + reject + undecided)]
        for index, owner in enumerate(owners):
            make_organisation(owner, corporate_number=None, kind="group", name=f"団体{index}")
        with app.test_request_context():
            cohort = operations.plan_cohort(number, now - timedelta(days=10), now + timedelta(days=10))
            operations.move_cohort(cohort, CohortState.OPEN)
            reviewer = db.session.get(User, reviewer_id)
            ids = []
            for index, owner_id in enumerate(owners):
                owner = db.session.get(User, owner_id)
                application = applications.start_application(owner.organisation, cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                # Later applications submitted earlier: numbers follow submission, not creation.
                applications.submit_application(application, owner, now=now - timedelta(minutes=index))
                ids.append(application.id)
                if index < approve + reject:
                    applications.start_review(application, reviewer)
                    applications.recommend(application, index < approve, reviewer, "" if index < approve else "理由")
                    if index >= approve and reasons:  # the secretariat's reason for the applicant
                        applications.give_rejection_reason(application, "criteria", "", reviewer)
            operations.move_cohort(cohort, CohortState.CLOSED)
            db.session.commit()
            return cohort.id, list(reversed(ids))

    return build


@pytest.fixture
def secretariat(app, client, make_user):
    """The client, signed in as the secretariat and reading English pages (`?lang=en`)."""
    from support import login

    login(client, make_user("secretariat"))
    assert client.get("/?lang=en").status_code == 200
    return client
