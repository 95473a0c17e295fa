"""Demo progress reports: two past reporting periods in which the active registrants of the
decided demo cohort reported, and a current open period in which about half have (applicant2@'s
company has not, so that it can try). Through the operations; idempotent."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.organisations.models import Membership
from portal.registrations.models import Registration
from portal.registrations.queries import active_on
from portal.reports import operations, queries
from portal.reports.models import ReportPeriod

# Status of each key action, by (registration id + action index) % 8 (the same every year): mostly on track.
STATUSES = ("on_track", "on_track", "behind", "on_track", "achieved", "on_track", "behind", "stopped")


def _period(fiscal_year: int, opens_on: date) -> ReportPeriod:
    found = db.session.scalar(select(ReportPeriod).where(ReportPeriod.fiscal_year == fiscal_year))
    return found or operations.open_period(fiscal_year, opens_on, opens_on + timedelta(days=40), None)


def _jst_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=JST)


def _value(action: dict, step: int) -> str:
    """A value `step` quarters of the way from the baseline to the 2030 target (text as it is)."""
    if not queries.is_numeric(action):
        return "実施中" if step else "準備中"
    start, end = queries.parse_number(action["current_value"]), queries.parse_number(action["target_value"])
    value = start + (end - start) * 0.2 * step
    return str(int(round(value)))


def report_periods(today: date) -> list[tuple[ReportPeriod, int]]:
    """The demo's three reporting periods, each with how many years back it is (2, 1, 0)."""
    current_year = today.year if today.month >= 4 else today.year - 1
    opens = today - timedelta(days=10)
    return [(_period(current_year - back, opens - timedelta(days=365 * back)), back) for back in (2, 1, 0)]


def file_demo_report(registration: Registration, period: ReportPeriod, back: int, owner) -> None:
    """The registration's report in a period, filed five days after it opened: each key action in
    force then, a value `3 - back` fifths of the way to its target."""
    day = period.opens_on + timedelta(days=5)
    entries = []
    for position, action in enumerate(queries.key_actions(registration.id)):
        status = STATUSES[(registration.id + position) % len(STATUSES)]
        # 達成 only where the value reached the 2030 target: an achieved action reports its target.
        value = action["target_value"] if status == "achieved" and queries.is_numeric(action) else _value(action, 3 - back)
        entries.append(operations.Entry(value, status, ("目標値に達しました。" if status == "achieved"
                                                        else "計画どおり進めています。") if back else None))
    operations.file_report(registration, period, entries, owner, day, now=_jst_noon(day))


def seed_reports(today: date) -> None:
    for period, back in report_periods(today):
        day = period.opens_on + timedelta(days=5)
        # The story's registrants (with an account; not the imported ones, even once claimed).
        with_owner = select(Membership.organisation_id).where(Membership.is_owner)
        story = select(Cohort.id).where(Cohort.imported.is_(False))
        registrations = db.session.scalars(select(Registration).where(
            active_on(day), Registration.organisation_id.in_(with_owner), Registration.cohort_id.in_(story))
            .order_by(Registration.number))
        for registration in registrations:
            owner = registration.organisation.owner
            if owner is None or owner.email.startswith("applicant2") and back == 0:
                continue
            if back == 0 and registration.id % 2:  # the current period: about half have reported so far
                continue
            if queries.report_for(period.id, registration.id) is not None:
                continue
            if not queries.key_actions(registration.id):
                continue
            file_demo_report(registration, period, back, owner)
