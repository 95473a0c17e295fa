"""Cohort operations: the only place cohorts change."""
from __future__ import annotations

from datetime import date, datetime

from portal.cohorts.models import TRANSITIONS, Cohort, CohortState
from portal.core import audit
from portal.core.extensions import db


class CohortError(ValueError):
    """A cohort operation that is not allowed in the cohort's present state."""


def plan_cohort(
    number: int,
    opens_at: datetime,
    closes_at: datetime,
    checklist_version: str = "1",
    decision_planned_on: date | None = None,
    actor=None,
) -> Cohort:
    """Create cohort `number` in state planned, with its JST application window (stored UTC)."""
    if closes_at <= opens_at:
        raise CohortError("the window must close after it opens")
    cohort = Cohort(
        number=number,
        opens_at=opens_at,
        closes_at=closes_at,
        checklist_version=checklist_version,
        decision_planned_on=decision_planned_on,
    )
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.planned", cohort, {"number": number}, actor=actor)
    return cohort


def move_cohort(cohort: Cohort, to: CohortState, actor=None) -> None:
    """Move a cohort along the transition table (deciding has its own operation)."""
    if to not in TRANSITIONS[cohort.state] or to == CohortState.DECIDED:
        raise CohortError(f"a {cohort.state} cohort cannot become {to}")
    audit.record("cohort.state", cohort, {"state": [cohort.state.value, to.value]}, actor=actor)
    cohort.state = to
