"""Builders for application tests: an open cohort, an applicant with an organisation, a
complete draft."""
from datetime import datetime, timedelta, timezone

import pytest

from support import login
from portal.core.extensions import db

JST = timezone(timedelta(hours=9))


def _complete_content(actions_per_area: int = 1) -> dict:
    """Everything a submission needs, as the steps store it."""
    from portal.applications.checklist import load_checklist
    from portal.applications.content import DECLARATIONS

    checklist = load_checklist("1")
    actions = []
    for area, goal in (("economy", 8), ("society", 5), ("environment", 13)):
        for n in range(actions_per_area):
            actions.append({"area": area, "description": f"{area} の取組 {n + 1}", "goals": [goal],
                            "targets": [f"{goal}.1"], "indicator": "指標", "unit": "t",
                            "current_value": "10", "target_value": "5"})
    return {
        "vision": "2030年には地域で最も信頼される会社になる。",
        "actions": actions,
        "checklist": {"version": "1", "basic": [i.id for i in checklist.basic],
                      "challenge": [i.id for i in checklist.challenge[:5]]},
        "declarations": {key: True for key in DECLARATIONS},
        "partners": {"institutions": [], "consent": False},
    }


@pytest.fixture
def complete_content():
    """complete_content(actions_per_area=1) -> the content of a draft ready to submit."""
    return _complete_content


@pytest.fixture
def make_cohort(app):
    """make_cohort(number=3, state="open", opens=-10 days, closes=+20 days) -> cohort id."""
    from portal.cohorts import operations
    from portal.cohorts.models import CohortState

    def build(number: int = 3, state: str = "open", opens_in_days: int = -10, closes_in_days: int = 20) -> int:
        now = datetime.now(JST)
        with app.app_context():
            cohort = operations.plan_cohort(number, now + timedelta(days=opens_in_days),
                                            now + timedelta(days=closes_in_days))
            for step in {"planned": [], "open": ["open"], "closed": ["open", "closed"]}[state]:
                operations.move_cohort(cohort, CohortState(step))
            db.session.commit()
            return cohort.id

    return build


@pytest.fixture
def applicant(client, make_user, make_organisation):
    """A signed-in, verified owner of an organisation: (user id, organisation id)."""
    user_id = make_user(email="owner@example.jp")
    organisation_id = make_organisation(user_id)
    login(client, user_id)
    return user_id, organisation_id


@pytest.fixture
def make_application(app):
    """make_application(user_id, cohort_id, content=None) -> application id (a draft)."""
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts.models import Cohort

    def build(user_id: int, cohort_id: int, content: dict | None = None) -> int:
        with app.test_request_context():
            user = db.session.get(User, user_id)
            application = operations.start_application(user.organisation, db.session.get(Cohort, cohort_id), user)
            for section, value in (content or {}).items():
                operations.save_section(application, section, value, user)
            db.session.commit()
            return application.id

    return build
