"""Builders for the progress-report tests: a registrant with an approved application whose key
actions have numeric (and one text) indicators, and reporting periods opened by the operation."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from portal.core.extensions import db

_numbers = itertools.count(1)

ACTIONS = [
    {"area": "economy", "description": "地元雇用を増やす", "goals": [8], "targets": [], "indicator": "地元採用者数",
     "unit": "人", "current_value": "10", "target_value": "30"},
    {"area": "society", "description": "防災訓練", "goals": [11, 3], "targets": [], "indicator": "訓練の実施",
     "unit": "", "current_value": "未実施", "target_value": "毎年実施"},
    {"area": "environment", "description": "CO2削減", "goals": [13], "targets": [], "indicator": "CO2排出量",
     "unit": "t", "current_value": "120", "target_value": "60"},
]


def add_registrant(app, user_id: int, organisation_id: int, municipality_code: str = "43101") -> int:
    """An active registration of the organisation, with an approved application: its id."""
    from portal.applications.models import Application
    from portal.applications.workflow import ApplicationState
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.registrations.models import Registration

    serial = next(_numbers)
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(50 + serial, now - timedelta(days=400), now - timedelta(days=380))
        cohort.state = CohortState.DECIDED
        registration = Registration(number=f"KS50-{serial:04d}", cohort_id=cohort.id, sequence=serial,
                                    organisation_id=organisation_id, registered_on=date.today() - timedelta(days=300),
                                    valid_until=date.today() + timedelta(days=700),
                                    municipality_code=municipality_code, in_city=True)
        db.session.add(registration)
        db.session.flush()
        db.session.add(Application(organisation_id=organisation_id, cohort_id=cohort.id,
                                   state=ApplicationState.APPROVED, registration_id=registration.id,
                                   content={"vision": "v", "actions": ACTIONS}))
        db.session.commit()
        return registration.id


def add_period(app, fiscal_year: int, opens_on: date, closes_on: date) -> int:
    from portal.reports import operations

    with app.test_request_context():
        period = operations.open_period(fiscal_year, opens_on, closes_on, None)
        db.session.commit()
        return period.id


def form_data(values=("15", "実施した", "100"), statuses=("on_track", "achieved", "behind"), token="") -> dict:
    data = {"csrf_token": token}
    for i, (value, status) in enumerate(zip(values, statuses)):
        data[f"value_{i}"] = value
        data[f"status_{i}"] = status
        data[f"comment_{i}"] = f"コメント{i}"
    return data
