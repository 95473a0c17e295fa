"""Fixtures for claim tests: registrations imported from before the portal (no members, no
representative, no contact) and a claimant account."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from claim_helpers import CORPORATION, GROUP, SOLE
from portal.core.extensions import db
from support import login


@pytest.fixture
def imported(app):
    """Cohort 1 imported from a file: KS01-0001 a corporation, -0002 a group, -0003 a sole
    proprietor. Returns {"cohort": id, "corporation": registration id, …}."""
    from portal.registrations.importer import import_rows
    from portal.registrations.models import Registration

    with app.test_request_context():
        import_rows([CORPORATION, GROUP, SOLE], 1, date.today() - timedelta(days=200))
        db.session.commit()
        rows = {r.number: r for r in db.session.scalars(db.select(Registration))}
        return {"cohort": rows["KS01-0001"].cohort_id, "corporation": rows["KS01-0001"].id,
                "group": rows["KS01-0002"].id, "sole": rows["KS01-0003"].id}


@pytest.fixture
def claimant(app, make_user, client):
    """A verified applicant without an organisation, signed in on `client`."""
    user_id = make_user(email="claimant@example.jp", name="引継 太郎", locale="en")
    login(client, user_id)
    return user_id
