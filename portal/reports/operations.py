"""Progress-report operations: the only place reporting periods, reports and reminders change.

Each operation checks what it is asked, changes the data, writes the audit log and queues the
mails it names, in each recipient's language (sent after commit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core import audit, deadlines
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.links import external_url
from portal.core.outbox import queue_mail
from portal.registrations.models import Registration
from portal.registrations.queries import active_on
from portal.reports import queries
from portal.reports.models import ActionStatus, ProgressReport, ReportLine, ReportPeriod, ReportReminder

VALUE_LENGTH = 200
COMMENT_LENGTH = 2000


class ReportError(ValueError):
    """An operation that is not allowed now; `code` names why, `details` fill the message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


ERRORS = {
    "not_open_yet": _l("This reporting period opens on %(date)s: reports can be filed from then."),
    "closed": _l("This reporting period is over: reports were accepted %(deadline)s. They can no longer be "
                 "filed or changed."),
    "no_actions": _l("There are no key actions to report on: the registration has no approved application "
                     "in the portal."),
    "not_a_number": _l("Enter a number (for example 120 or 3.5): this indicator's baseline and target are numbers."),
    "missing_value": _l("Enter the indicator's current value."),
    "bad_status": _l("Choose a status."),
    "too_long": _l("This is too long."),
    "year_taken": _l("A reporting period for fiscal %(year)s already exists."),
    "actions_changed": _l("The key actions of this registration changed since the form was opened (a renewal "
                          "was approved): please check the form and send it again."),
    "window_order": _l("The closing day must not be before the opening day."),
}


def error_text(error: ReportError) -> str:
    return str(ERRORS[error.code] % error.details) if error.details else str(ERRORS[error.code])


def open_period(fiscal_year: int, opens_on: date, closes_on: date, actor) -> ReportPeriod:
    """Open a reporting period for a fiscal year (days in JST, both included). Audited; no mail
    (registrants hear of it from `send_reminders`)."""
    if closes_on < opens_on:
        raise ReportError("window_order")
    if db.session.scalar(select(ReportPeriod.id).where(ReportPeriod.fiscal_year == fiscal_year)) is not None:
        raise ReportError("year_taken", year=fiscal_year)
    period = ReportPeriod(fiscal_year=fiscal_year, opens_on=opens_on, closes_on=closes_on,
                          created_by_id=getattr(actor, "id", None))
    db.session.add(period)
    db.session.flush()
    audit.record("report_period.opened", period, {"fiscal_year": fiscal_year, "opens_on": str(opens_on),
                                                   "closes_on": str(closes_on)}, actor=actor)
    return period


@dataclass(frozen=True)
class Entry:
    """What was typed for one key action; `key`, when given, is the action the form showed."""

    value: str
    status: str
    comment: str | None = None
    key: str | None = None


def _check_window(period: ReportPeriod, today: date) -> None:
    if today < period.opens_on:
        raise ReportError("not_open_yet", date=deadlines.opening(period.opens_on))
    if today > period.closes_on:
        raise ReportError("closed", deadline=deadlines.until(period.closes_on, sentence=True))


def _lines(actions: list[dict], entries: list[Entry]) -> list[dict]:
    """The lines to store, or ReportError(code, position=…) for the first entry refused."""
    if not actions:
        raise ReportError("no_actions")
    if any(entry.key not in (None, action["key"]) for entry, action in zip(entries, actions)) \
            or len(entries) > len(actions):
        raise ReportError("actions_changed")
    lines = []
    for position, action in enumerate(actions):
        entry = entries[position] if position < len(entries) else Entry("", "")
        value = (entry.value or "").strip()
        if not value:
            raise ReportError("missing_value", position=position)
        if len(value) > VALUE_LENGTH or len(entry.comment or "") > COMMENT_LENGTH:
            raise ReportError("too_long", position=position)
        number = queries.parse_number(value)
        if queries.is_numeric(action) and number is None:
            raise ReportError("not_a_number", position=position)
        if entry.status not in {s.value for s in ActionStatus}:
            raise ReportError("bad_status", position=position)
        goals = ",".join(str(int(g)) for g in action.get("goals") or [])
        lines.append({"action_key": action["key"], "position": position, "area": str(action.get("area") or "")[:16],
                      "goals_key": f",{goals},", "value_text": value,
                      "value_number": number if queries.is_numeric(action) else None,
                      "status": ActionStatus(entry.status), "comment": (entry.comment or "").strip() or None})
    return lines


def file_report(registration: Registration, period: ReportPeriod, entries: list[Entry], actor,
                today: date, now: datetime | None = None) -> tuple[ProgressReport, bool]:
    """File (or, when one exists, edit) the registration's report for the period: one line per
    key action of its latest approved application, each on its action's key. Returns (report,
    created). Refuses outside the period's window, values that are not numbers where the
    indicator is numeric, and entries for actions other than those in force (a renewal approved
    since the form was shown).
    Audited; mails the person who filed a confirmation. `now` (default: the present) is when
    it was filed (the demo data backdates its reports)."""
    now = now or utcnow()
    _check_window(period, today)
    lines = _lines(queries.key_actions(registration.id), entries)
    report = queries.report_for(period.id, registration.id)
    created = report is None
    if created:
        try:
            with db.session.begin_nested():  # two members filing at once: the second edits
                report = ProgressReport(period_id=period.id, registration_id=registration.id,
                                        filed_by_id=getattr(actor, "id", None), filed_at=now)
                db.session.add(report)
        except IntegrityError:
            report = queries.report_for(period.id, registration.id)
            created = False
    existing = {line.action_key: line for line in report.lines}
    changes = {}
    for values in lines:
        line = existing.pop(values["action_key"], None)
        if line is None:
            report.lines.append(ReportLine(**values))
            changes[values["action_key"]] = [None, values["value_text"], values["status"].value]
        else:
            changed = audit.diff(line, values)
            if changed:
                changes[values["action_key"]] = changed
    for line in existing.values():  # key actions no longer in the application
        report.lines.remove(line)
    report.updated_at = now
    report.filed_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("progress_report.filed" if created else "progress_report.edited", report, changes, actor=actor)
    if actor is not None and getattr(actor, "email", None):
        queue_mail(actor.email, "reports/mail/filed.txt", actor.locale, user=actor, period=period,
                   organisation=registration.organisation, created=created,
                   link=external_url("reports.show", report_id=report.id))
    return report, created


@dataclass(frozen=True)
class Reminded:
    registrations: int
    mails: int


def send_reminders(today: date) -> Reminded:
    """Remind the members of every registration active today that has not reported in a period
    open today. Each registration is reminded once per period (a `ReportReminder` row, unique
    per period and registration), so the command is safe to run daily."""
    registrations = mails = 0
    for period in queries.open_periods(today):
        reported = select(ProgressReport.registration_id).where(ProgressReport.period_id == period.id)
        reminded = select(ReportReminder.registration_id).where(ReportReminder.period_id == period.id)
        due = db.session.scalars(
            select(Registration).where(active_on(today), Registration.id.not_in(reported),
                                       Registration.id.not_in(reminded)).order_by(Registration.id)).all()
        for registration in due:
            try:
                with db.session.begin_nested():
                    db.session.add(ReportReminder(period_id=period.id, registration_id=registration.id))
            except IntegrityError:  # another run claimed it
                continue
            registrations += 1
            for membership in registration.organisation.memberships:
                person = membership.user
                if not person.active:
                    continue
                queue_mail(person.email, "reports/mail/reminder.txt", person.locale, user=person, period=period,
                           organisation=registration.organisation,
                           link=external_url("reports.file", registration_id=registration.id, period_id=period.id))
                mails += 1
            audit.record("progress_report.reminded", registration, {"period": period.fiscal_year})
    return Reminded(registrations, mails)
