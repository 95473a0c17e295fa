"""The applicant's panel (templates/organisations/show.html): a draft to finish before its
cohort closes, a correction requested, a renewal due, a progress report due, a seminar today
or tomorrow. For the member's own organisation; each provider runs one query (the renewal
provider a second one, for the cohorts, only when a renewal is due)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, select

from portal.core import deadlines
from portal.core.extensions import db
from portal.core.i18n import current_locale, display_date, fiscal_year_name, jst
from portal.todo import INFO, NORMAL, URGENT, Item

# A deadline this close (days, JST) makes an item urgent.
SOON_DAYS = 7
# Applications that wait for the applicant: a draft and a return for correction.
WAITING_FOR_APPLICANT = ("draft", "returned")


def _organisation_id(user) -> int | None:
    membership = getattr(user, "membership", None)
    return membership.organisation_id if membership is not None else None


def _urgency(deadline: date | None, today: date) -> str:
    return URGENT if deadline is not None and (deadline - today).days <= SOON_DAYS else NORMAL


def applications(user, now: datetime) -> list[Item]:
    """A draft in a cohort that takes applications (until its close) or will (from its
    opening); an application returned for correction (until its correction deadline, if any)."""
    from portal.applications.models import Application

    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return []
    today = deadlines.on_day(now)
    found = db.session.scalars(select(Application).where(
        Application.organisation_id == organisation_id, Application.state.in_(WAITING_FOR_APPLICANT))
        .order_by(Application.id)).all()
    items = []
    for application in found:
        cohort = application.cohort
        link = url_for("applications.status", application_id=application.id)
        renewal = application.kind == "renewal"
        if application.state == "returned":
            day = application.correction_deadline
            if day is not None and day < today:
                continue  # past its deadline: it can no longer be resubmitted
            items.append(Item(f"returned-{application.id}",
                              _("Correct and resubmit your renewal application (%(cohort)s)", cohort=cohort.title)
                              if renewal else
                              _("Correct and resubmit your application (%(cohort)s)", cohort=cohort.title),
                              link, deadline=day, when=deadlines.until(day, sentence=True) if day else None,
                              urgency=_urgency(day, today) if day else URGENT))
        elif cohort.accepts_applications(now):
            closes = cohort.closes_at
            items.append(Item(f"draft-{application.id}",
                              _("Finish and submit your renewal application (%(cohort)s)", cohort=cohort.title)
                              if renewal else
                              _("Finish and submit your application (%(cohort)s)", cohort=cohort.title),
                              link, deadline=closes, when=deadlines.until(closes),
                              urgency=_urgency(deadlines.last_day(closes), today)))
        elif cohort.state in ("planned", "open") and now < cohort.opens_at:
            items.append(Item(f"draft-{application.id}",
                              _("Prepare your draft: applications for %(cohort)s are accepted %(window)s",
                                cohort=cohort.title, window=deadlines.window(cohort.opens_at, cohort.closes_at)),
                              link, deadline=cohort.closes_at, urgency=INFO))
    return items


def renewals(user, now: datetime) -> list[Item]:
    """A registration in its renewal window (from six months before the term ends) with no
    renewal application yet: the renewal cohort to use (open now, else the next planned) and its
    window. A renewal already started shows as a draft (`applications`)."""
    from portal.applications.models import Application
    from portal.cohorts.models import Cohort
    from portal.registrations.models import Registration
    from portal.registrations.terms import may_renew_on, renewal_window

    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return []
    today = deadlines.on_day(now)
    started = select(Application.id).where(
        Application.registration_id == Registration.id, Application.kind == "renewal",
        Application.state.not_in(("withdrawn", "rejected", "approved")))
    due = [r for r in db.session.scalars(select(Registration).where(
        Registration.organisation_id == organisation_id, Registration.state == "active",
        Registration.valid_until <= renewal_window_end(today), ~started.exists()).order_by(Registration.id))
        if may_renew_on(r, today)]
    if not due:
        return []
    cohorts = db.session.scalars(select(Cohort).where(Cohort.state.in_(("planned", "open")))
                                 .order_by(Cohort.number)).all()
    items = []
    for registration in due:
        later = [c for c in cohorts if c.number > registration.cohort.number
                 and (c.accepts_applications(now) or now < c.opens_at)]
        cohort = later[0] if later else None
        if cohort is None:
            when = _("The renewal cohort has not been announced yet.")
        else:
            when = _("Apply in %(cohort)s: %(window)s", cohort=cohort.title,
                     window=deadlines.window(cohort.opens_at, cohort.closes_at))
        last = renewal_window(registration.valid_until)[1]
        items.append(Item(f"renewal-{registration.id}",
                          _("Renew registration %(number)s: its term ends on %(day)s",
                            number=registration.number, day=display_date(registration.valid_until)),
                          url_for("applications.renew", registration_id=registration.id),
                          deadline=cohort.closes_at if cohort else last, when=when,
                          urgency=_renewal_urgency(registration, cohort, now, today)))
    return items


def _renewal_urgency(registration, cohort, now: datetime, today: date) -> str:
    """Urgent when the renewal cohort closes within a week, or the term ends within a month."""
    if cohort is not None and cohort.accepts_applications(now):
        if _urgency(deadlines.last_day(cohort.closes_at), today) == URGENT:
            return URGENT
    return URGENT if (registration.valid_until - today).days <= 31 else NORMAL


def renewal_window_end(today: date) -> date:
    """Registrations ending by this day may be in their renewal window today."""
    from portal.registrations.terms import RENEWAL_WINDOW_MONTHS, add_months

    return add_months(today, RENEWAL_WINDOW_MONTHS)


def reports(user, now: datetime) -> list[Item]:
    """A progress report due: a reporting period open today, a registration of the organisation
    active today, and no report for the period yet."""
    from portal.registrations.models import Registration
    from portal.registrations.queries import active_on
    from portal.reports.models import ProgressReport, ReportPeriod

    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return []
    today = deadlines.on_day(now)
    filed = select(ProgressReport.id).where(ProgressReport.period_id == ReportPeriod.id,
                                            ProgressReport.registration_id == Registration.id)
    rows = db.session.execute(
        select(ReportPeriod, Registration.id, Registration.number).join(Registration, and_(
            Registration.organisation_id == organisation_id, active_on(today)))
        .where(ReportPeriod.opens_on <= today, ReportPeriod.closes_on >= today, ~filed.exists())
        .order_by(ReportPeriod.closes_on, Registration.id)).all()
    return [Item(f"report-{period.id}-{registration_id}",
                 _("File your %(fiscal_year)s progress report (%(number)s)",
                   fiscal_year=fiscal_year_name(period.fiscal_year), number=number),
                 url_for("reports.file", registration_id=registration_id, period_id=period.id),
                 deadline=period.closes_on, when=deadlines.until(period.closes_on, sentence=True),
                 urgency=_urgency(period.closes_on, today))
            for period, registration_id, number in rows]


def seminars(user, now: datetime) -> list[Item]:
    """A seminar the organisation has seats at (confirmed), today or tomorrow (JST), not over."""
    from portal.seminars.models import Seminar, SeminarSignup, SeminarState, SignupState
    from portal.seminars.presentation import time_range

    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return []
    today = deadlines.on_day(now)
    rows = db.session.execute(
        select(Seminar, SeminarSignup.id).join(SeminarSignup, SeminarSignup.seminar_id == Seminar.id)
        .where(SeminarSignup.organisation_id == organisation_id, SeminarSignup.state == SignupState.CONFIRMED,
               Seminar.state == SeminarState.SCHEDULED, Seminar.starts_at < deadlines.start_of(today + timedelta(days=2)),
               Seminar.ends_at > now)
        .order_by(Seminar.starts_at)).all()
    items = []
    for seminar, _signup in rows:
        title = seminar.title(current_locale())
        starts_today = jst(seminar.starts_at).date() <= today
        items.append(Item(f"seminar-{seminar.id}",
                          _("Seminar today: %(title)s", title=title) if starts_today
                          else _("Seminar tomorrow: %(title)s", title=title),
                          url_for("seminars.show", seminar_id=seminar.id), deadline=seminar.starts_at,
                          when=time_range(seminar.starts_at, seminar.ends_at), urgency=URGENT))
    return items


PROVIDERS: list = [applications, renewals, reports, seminars]
