"""`active_period`, the bounds of `active_on` that the KPI counts many days with in one pass, says
the same as `active_on` itself on every edge: the first and last day of a term, the day a
withdrawal or revocation took effect and the days either side, a withdrawal without a date, a
registration still marked active with an end date, a renewal."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select, update

from portal.core.extensions import db
from portal.demo.historical import historical_rows
from portal.registrations.importer import import_rows
from portal.registrations.models import Registration, RegistrationState
from portal.registrations.queries import active_on, active_period

DECIDED_ON = date(2021, 8, 25)
# (state, registered_on, valid_until, ended_on) of each registration
CASES = [
    (RegistrationState.ACTIVE, DECIDED_ON, date(2024, 8, 24), None),
    (RegistrationState.ACTIVE, DECIDED_ON, date(2027, 8, 24), None),  # renewed
    (RegistrationState.ACTIVE, DECIDED_ON, date(2024, 8, 24), date(2023, 6, 1)),  # an end date, still active
    (RegistrationState.WITHDRAWN, DECIDED_ON, date(2024, 8, 24), date(2023, 6, 1)),
    (RegistrationState.WITHDRAWN, DECIDED_ON, date(2024, 8, 24), None),  # no date: ended throughout
    (RegistrationState.REVOKED, DECIDED_ON, date(2024, 8, 24), date(2023, 1, 10)),
    (RegistrationState.REVOKED, DECIDED_ON, date(2024, 8, 24), DECIDED_ON),  # on its first day
    (RegistrationState.REVOKED, DECIDED_ON, date(2024, 8, 24), date(2024, 8, 24)),  # on its last day
    (RegistrationState.WITHDRAWN, DECIDED_ON, date(2024, 8, 24), date(2024, 8, 25)),  # the day after
    (RegistrationState.WITHDRAWN, DECIDED_ON, date(2024, 8, 24), date(2025, 3, 31)),  # long after
    (RegistrationState.ACTIVE, date(2022, 3, 31), date(2025, 3, 30), None),  # registered on a year end
    (RegistrationState.REVOKED, date(2022, 3, 31), date(2025, 3, 30), date(2023, 3, 31)),  # ended on one
]


def test_active_period_agrees_with_active_on_on_every_edge_day(app):
    with app.test_request_context():
        import_rows(historical_rows(len(CASES), 6, 1), 1, DECIDED_ON)
        ids = db.session.scalars(select(Registration.id).order_by(Registration.id)).all()
        for registration_id, (state, registered_on, valid_until, ended_on) in zip(ids, CASES):
            db.session.execute(update(Registration).where(Registration.id == registration_id).values(
                state=state, registered_on=registered_on, valid_until=valid_until, ended_on=ended_on))
        db.session.commit()

        edges = {day for _, registered_on, valid_until, ended_on in CASES
                 for day in (registered_on, valid_until, ended_on) if day is not None}
        days = sorted({edge + timedelta(days=shift) for edge in edges for shift in (-1, 0, 1)})
        first, last, ends = active_period()
        seen_active = set()
        for day in days:
            by_rule = set(db.session.scalars(select(Registration.id).where(active_on(day))))
            by_bounds = set(db.session.scalars(select(Registration.id).where(
                and_(first <= day, day <= last, or_(ends.is_(None), ends > day)))))
            assert by_bounds == by_rule, day
            seen_active |= by_rule
        # Every case is active on some day but the two that never are.
        assert len(seen_active) == len(CASES) - 2
