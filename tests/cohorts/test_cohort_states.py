"""The cohort transition table (the decision itself comes with the review workflow)."""
from datetime import datetime, timedelta, timezone

import pytest

from portal.cohorts import operations
from portal.cohorts.models import CohortState
from portal.core.extensions import db

START = datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=9)))


def test_a_cohort_opens_closes_and_may_reopen(ctx):
    cohort = operations.plan_cohort(5, START, START + timedelta(days=31))
    assert cohort.state == CohortState.PLANNED and not cohort.accepts_applications(START + timedelta(days=1))
    operations.move_cohort(cohort, CohortState.OPEN)
    assert cohort.accepts_applications(START + timedelta(days=1))
    assert not cohort.accepts_applications(START + timedelta(days=31))  # the window is JST, end exclusive
    operations.move_cohort(cohort, CohortState.CLOSED)
    operations.move_cohort(cohort, CohortState.OPEN)
    db.session.commit()
    assert cohort.opens_at == START.astimezone(timezone.utc)


@pytest.mark.parametrize("path", [
    [CohortState.CLOSED],  # planned cannot close
    [CohortState.OPEN, CohortState.DECIDED],  # open cannot be decided
    [CohortState.OPEN, CohortState.CLOSED, CohortState.DECIDED],  # deciding is its own operation
])
def test_transitions_outside_the_table_are_refused(ctx, path):
    cohort = operations.plan_cohort(6, START, START + timedelta(days=31))
    with pytest.raises(operations.CohortError):
        for state in path:
            operations.move_cohort(cohort, state)


def test_a_window_that_closes_before_it_opens_is_refused(ctx):
    with pytest.raises(operations.CohortError):
        operations.plan_cohort(7, START, START - timedelta(days=1))
