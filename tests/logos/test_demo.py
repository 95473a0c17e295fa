"""`flask seed-demo` leaves logo permits in every state, once."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.logos.models import LogoPermit, LogoUse
from portal.logos.workflow import PermitState


def test_seed_demo_has_permits_in_every_state_and_is_idempotent(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        states = set(db.session.scalars(select(LogoPermit.state)))
        count = db.session.scalar(select(func.count()).select_from(LogoPermit))
        assert states == set(PermitState)
        assert db.session.scalar(select(func.count()).select_from(LogoUse)) == 1
        numbers = db.session.scalars(select(LogoPermit.number).where(LogoPermit.number.is_not(None))).all()
        assert len(numbers) == 3 and all(n.startswith("KFS-") for n in numbers)
        # The logo is the city's: every demo decision was taken by city@example.jp.
        from portal.accounts.models import User

        deciders = set(db.session.scalars(select(User.email).join(LogoPermit, LogoPermit.decided_by_id == User.id)))
        assert deciders == {"city@example.jp"}
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LogoPermit)) == count
