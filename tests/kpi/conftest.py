"""The KPI tests' dataset, built the way real data arrives: the importer derives where each
entity is from its address."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kpi_helpers import COHORTS, REVOKED, WITHDRAWN, row
from sqlalchemy import select

from portal.core.extensions import db


@pytest.fixture
def dataset(app):
    """Cohorts 1–4 imported, one registration withdrawn, one revoked, and cohort 5 planned (not
    decided, so never in the report)."""
    from portal.cohorts import operations as cohorts
    from portal.registrations import operations
    from portal.registrations.importer import import_rows
    from portal.registrations.models import Registration

    with app.test_request_context():
        serial = iter(range(1, 1000))
        for number, decided_on, rows in COHORTS:
            import_rows([row(next(serial), *spec) for spec in rows], number, decided_on)
        now = datetime.now(UTC)
        cohorts.plan_cohort(5, now + timedelta(days=30), now + timedelta(days=60))
        db.session.commit()
        withdrawn = db.session.scalar(select(Registration).where(Registration.number == WITHDRAWN[0]))
        operations.withdraw_registration(withdrawn, None, "事業を終了", today=WITHDRAWN[1])
        revoked = db.session.scalar(select(Registration).where(Registration.number == REVOKED[0]))
        operations.revoke_registration(revoked, None, "要件を満たさなくなった", today=REVOKED[1])
        db.session.commit()

