"""Progress reports in SQL: key actions to report on, a registration's reports and trend, a
period's response rate, overdue registrants and shares on track (a constant number of queries)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.keys import keyed
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.core.extensions import db
from portal.organisations.models import Organisation
from portal.registrations.models import Registration
from portal.registrations.queries import active_on
from portal.reports.models import ActionStatus, ProgressReport, ReportLine, ReportPeriod

WARDS = ("43101", "43102", "43103", "43104", "43105")
GOALS = range(1, 18)
# "On track" in the staff figures counts the actions reported on track or already achieved.
ON_TRACK = (ActionStatus.ON_TRACK, ActionStatus.ACHIEVED)


def parse_number(text) -> float | None:
    """A number as people type it (全角 digits, thousands commas, a trailing %), else None."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").rstrip("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def is_numeric(action: dict) -> bool:
    """An indicator is numeric when its baseline and its 2030 target are both numbers."""
    return all(parse_number(action.get(key)) is not None for key in ("current_value", "target_value"))


def key_actions(registration_id: int) -> list[dict]:
    """The key actions in force: those of the registration's latest approved application (a
    renewal's, once one is approved), each with its key (none: [])."""
    content = db.session.scalar(
        select(Application.content)
        .where(Application.registration_id == registration_id, Application.state == ApplicationState.APPROVED)
        .order_by(Application.id.desc()).limit(1))
    return keyed((content or {}).get("actions"))


def actions_by_key(registration_id: int) -> dict[str, dict]:
    """Every key action the registration has had, by key, each as last approved: those in force
    in their order, then those a renewal retired (what an earlier report's lines refer to)."""
    contents = db.session.scalars(
        select(Application.content)
        .where(Application.registration_id == registration_id, Application.state == ApplicationState.APPROVED)
        .order_by(Application.id.desc())).all()
    found: dict[str, dict] = {}
    for content in contents:  # the latest first: an action's latest version wins
        for action in keyed((content or {}).get("actions")):
            found.setdefault(action["key"], action)
    return found


def periods() -> list[ReportPeriod]:
    return list(db.session.scalars(select(ReportPeriod).order_by(ReportPeriod.fiscal_year.desc())))


def open_periods(day: date) -> list[ReportPeriod]:
    return list(db.session.scalars(select(ReportPeriod).where(
        ReportPeriod.opens_on <= day, ReportPeriod.closes_on >= day).order_by(ReportPeriod.fiscal_year)))


def report_for(period_id: int, registration_id: int) -> ProgressReport | None:
    return db.session.scalar(
        select(ProgressReport).where(ProgressReport.period_id == period_id,
                                     ProgressReport.registration_id == registration_id)
        .options(selectinload(ProgressReport.lines)))


def reports_of_registration(registration_id: int) -> list[ProgressReport]:
    """A registration's reports, oldest period first, with their lines and periods."""
    return list(db.session.scalars(
        select(ProgressReport).join(ReportPeriod)
        .where(ProgressReport.registration_id == registration_id)
        .options(joinedload(ProgressReport.period), selectinload(ProgressReport.lines))
        .order_by(ReportPeriod.fiscal_year)).unique())


def reports_of(organisation_id: int) -> list[tuple[ProgressReport, list[dict]]]:
    """Every report filed for the organisation's registrations, newest period first, each with
    the key actions it reports on (the partner page; its caller checks the consent)."""
    reports = list(db.session.scalars(
        select(ProgressReport).join(ReportPeriod).join(Registration)
        .where(Registration.organisation_id == organisation_id)
        .options(joinedload(ProgressReport.period), selectinload(ProgressReport.lines))
        .order_by(ReportPeriod.fiscal_year.desc(), ProgressReport.id)).unique())
    actions = {registration_id: actions_by_key(registration_id)
               for registration_id in {report.registration_id for report in reports}}
    return [(report, actions[report.registration_id]) for report in reports]


def latest_statuses(registration_id: int) -> dict[str, ActionStatus]:
    """Each key action's status in the registration's latest report: {action key: status}."""
    reports = reports_of_registration(registration_id)
    return {line.action_key: line.status for line in reports[-1].lines} if reports else {}


def achievements(registration_id: int) -> dict[str, bool]:
    """For the renewal's first draft: {action key: achieved?} where the latest report says
    "achieved" (True) or "stopped" (False); other statuses leave the answer to the registrant."""
    known = {ActionStatus.ACHIEVED: True, ActionStatus.STOPPED: False}
    return {key: known[status] for key, status in latest_statuses(registration_id).items() if status in known}


Point = tuple[int, str, float | None, ActionStatus]  # (fiscal year, text, number, status)


def history(registration_id: int) -> dict[str, list[Point]]:
    """Each key action's reported values, oldest year first: {action key: points}."""
    found: dict[str, list[Point]] = {}
    for report in reports_of_registration(registration_id):
        for line in report.lines:
            found.setdefault(line.action_key, []).append(
                (report.period.fiscal_year, line.value_text, line.value_number, line.status))
    return found


@dataclass(frozen=True)
class Trend:
    action: dict
    position: int | None  # its place among the actions in force; None: retired by a renewal
    numeric: bool
    points: list[Point]

    @property
    def key(self) -> str:
        return self.action["key"]


def trends(registration_id: int) -> list[Trend]:
    """Each key action in force with its yearly reported values, followed by key, so a renewal
    that reordered or edited the actions keeps each one's history; then the actions a renewal
    retired that had been reported on."""
    points = history(registration_id)
    current = key_actions(registration_id)
    found = [Trend(action, index, is_numeric(action), points.get(action["key"], []))
             for index, action in enumerate(current)]
    in_force = {action["key"] for action in current}
    for key, action in actions_by_key(registration_id).items():
        if key not in in_force and points.get(key):
            found.append(Trend(action, None, is_numeric(action), points[key]))
    return found


# --- staff figures ---------------------------------------------------------------------------

def as_of(period: ReportPeriod, today: date) -> date:
    """The day whose active registrations are expected to report: today, or the period's end."""
    return min(today, period.closes_on)


def response_rate(period: ReportPeriod, today: date) -> tuple[int, int]:
    """(registrations expected to report, of which reported) — one query."""
    reported = and_(ProgressReport.registration_id == Registration.id, ProgressReport.period_id == period.id)
    expected, done = db.session.execute(
        select(func.count(Registration.id), func.count(ProgressReport.id))
        .select_from(Registration).outerjoin(ProgressReport, reported)
        .where(active_on(as_of(period, today)))).one()
    return expected, done


def not_reported(period: ReportPeriod, today: date) -> list:
    """Active registrations without a report in the period: rows of (id, number, organisation
    name, municipality code) — one query."""
    reported = select(ProgressReport.registration_id).where(ProgressReport.period_id == period.id)
    return list(db.session.execute(
        select(Registration.id, Registration.number, Organisation.name, Organisation.municipality_code)
        .join(Organisation, Organisation.id == Registration.organisation_id)
        .where(active_on(as_of(period, today)), Registration.id.not_in(reported))
        .order_by(Registration.number)))


def _on_track():
    return case((ReportLine.status.in_(list(ON_TRACK)), 1), else_=0)


def shares_by_goal(period: ReportPeriod) -> list[tuple[int, int, int]]:
    """(goal, key actions reported, of which on track) for each goal with any — one query."""
    columns = []
    for goal in GOALS:
        tied = ReportLine.goals_key.like(f"%,{goal},%")
        columns += [func.sum(case((tied, 1), else_=0)), func.sum(case((and_(tied, _on_track() == 1), 1), else_=0))]
    row = db.session.execute(
        select(*columns).select_from(ReportLine).join(ProgressReport)
        .where(ProgressReport.period_id == period.id)).one()
    return [(goal, int(row[2 * i] or 0), int(row[2 * i + 1] or 0))
            for i, goal in enumerate(GOALS) if row[2 * i]]


def shares_by_ward(period: ReportPeriod) -> list[tuple[str, int, int]]:
    """(ward code, key actions reported, of which on track) for Kumamoto City's wards, where each
    registrant is now (the decision's place may be years old) — one query."""
    rows = db.session.execute(
        select(Organisation.municipality_code, func.count(ReportLine.id), func.sum(_on_track()))
        .select_from(ReportLine).join(ProgressReport).join(Registration)
        .join(Organisation, Organisation.id == Registration.organisation_id)
        .where(ProgressReport.period_id == period.id, Organisation.municipality_code.in_(WARDS))
        .group_by(Organisation.municipality_code).order_by(Organisation.municipality_code))
    return [(code, int(total), int(on_track or 0)) for code, total, on_track in rows]


def export_rows(period: ReportPeriod, today: date):
    """One row per registration expected to report: whether and when it did, and its statuses
    counted — one query."""
    reported = and_(ProgressReport.registration_id == Registration.id, ProgressReport.period_id == period.id)
    counts = [func.sum(case((ReportLine.status == status, 1), else_=0)).label(status.value)
              for status in ActionStatus]
    return select(Registration.number, Organisation.name.label("organisation"), Organisation.municipality_code,
                  ProgressReport.filed_at, ProgressReport.updated_at, *counts) \
        .select_from(Registration).join(Organisation, Organisation.id == Registration.organisation_id) \
        .outerjoin(ProgressReport, reported).outerjoin(ReportLine, ReportLine.report_id == ProgressReport.id) \
        .where(active_on(as_of(period, today))) \
        .group_by(Registration.id, Registration.number, Organisation.name, Organisation.municipality_code,
                  ProgressReport.filed_at, ProgressReport.updated_at) \
        .order_by(Registration.number)
