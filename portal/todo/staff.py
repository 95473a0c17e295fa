"""The staff panel (templates/core/staff_home.html): what reviewers and the secretariat have
waiting, each a count linking to the list that shows it. Each provider runs one query."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from portal.core.extensions import db
from portal.core.permissions import may
from portal.review.queue import ACTIONABLE, ACTIONABLE_STATES
from portal.todo import INFO, NORMAL, URGENT, Item


def _queue_link(rows, **args) -> str:
    """The review queue filtered to what the rows have in common: their cohort when they share
    one, and their state — or the queue's actionable states, which every row is in (explicit
    arguments, whatever the queue's defaults)."""
    cohorts = {row.cohort_id for row in rows}
    states = {row.state for row in rows}
    if len(cohorts) == 1:
        args["cohort"] = next(iter(cohorts))
    args["state"] = str(next(iter(states))) if len(states) == 1 else ACTIONABLE
    return url_for("review.queue", **args)


def applications(user, now: datetime) -> list[Item]:
    """Mine (assigned to me, to act on), unassigned (received, nobody's yet) and resubmitted
    (corrected after a return, to read again) — one query, grouped."""
    from portal.applications.models import Application

    rows = db.session.execute(select(Application.cohort_id, Application.state, Application.reviewer_id,
                          Application.revision_count, func.count().label("n"))
                   .where(Application.state.in_(ACTIONABLE_STATES))
                   .group_by(Application.cohort_id, Application.state, Application.reviewer_id,
                             Application.revision_count)).all()
    mine = [r for r in rows if r.reviewer_id == user.id]
    unassigned = [r for r in rows if r.reviewer_id is None and r.state == "submitted"]
    resubmitted = [r for r in rows if r.revision_count > 1 and (r.reviewer_id in (None, user.id)
                                                               or may(user, "application.assign"))]
    items = []
    if mine:
        count = sum(r.n for r in mine)
        items.append(Item("staff-mine", ngettext("%(num)s application assigned to you to review",
                                                 "%(num)s applications assigned to you to review", count),
                          _queue_link(mine, reviewer="mine"), count=count, urgency=URGENT))
    if unassigned:
        count = sum(r.n for r in unassigned)
        items.append(Item("staff-unassigned", ngettext("%(num)s received application without a reviewer",
                                                       "%(num)s received applications without a reviewer", count),
                          _queue_link(unassigned, reviewer="unassigned"), count=count))
    if resubmitted:
        count = sum(r.n for r in resubmitted)
        items.append(Item("staff-resubmitted", ngettext("%(num)s corrected application resubmitted",
                                                        "%(num)s corrected applications resubmitted", count),
                          _queue_link(resubmitted), count=count))
    return items


def change_notices(user, now: datetime) -> list[Item]:
    """Change notices filed and waiting for the secretariat."""
    from portal.registrations.models import ChangeNotice, ChangeNoticeState

    if not may(user, "registration.manage"):
        return []
    count = db.session.scalar(select(func.count()).select_from(ChangeNotice).where(ChangeNotice.state == ChangeNoticeState.FILED))
    if not count:
        return []
    return [Item("staff-change-notices", ngettext("%(num)s change notice waiting", "%(num)s change notices waiting",
                                                  count),
                 url_for("staff_registrations.notices", state=ChangeNoticeState.FILED.value), count=count)]


def logo_requests(user, now: datetime) -> list[Item]:
    """Logo requests waiting for a decision: the city decides; the prefecture's staff only
    read the count."""
    if not may(user, "logos.view"):
        return []
    from portal.logos.models import LogoPermit
    from portal.logos.workflow import PermitState

    count = db.session.scalar(select(func.count()).select_from(LogoPermit).where(LogoPermit.state == PermitState.SUBMITTED))
    if not count:
        return []
    link = url_for("staff_logos.index", list="waiting")
    if may(user, "logo.manage"):
        return [Item("logo-requests", ngettext("%(num)s logo request waiting for your decision",
                                               "%(num)s logo requests waiting for your decision", count),
                     link, count=count)]
    return [Item("logo-requests", ngettext("%(num)s logo request waiting for the city's decision",
                                           "%(num)s logo requests waiting for the city's decision", count),
                 link, count=count, urgency=INFO)]


def claims(user, now: datetime) -> list[Item]:
    """Claims of imported registrations waiting for the secretariat."""
    from portal.claims.models import ClaimState, RegistrationClaim

    if not may(user, "claims.manage"):
        return []
    count = db.session.scalar(select(func.count()).select_from(RegistrationClaim)
                      .where(RegistrationClaim.state == ClaimState.WAITING))
    if not count:
        return []
    return [Item("staff-claims", ngettext("%(num)s claim of an imported registration waiting",
                                          "%(num)s claims of imported registrations waiting", count),
                 url_for("staff_claims.index"), count=count)]


def cohorts(user, now: datetime) -> list[Item]:
    """Cohorts to close (open, their window over) and to decide (closed): the secretariat."""
    from portal.cohorts.models import Cohort, CohortState
    from portal.core.i18n import display_date

    if not may(user, "staff.cohorts"):
        return []
    found = db.session.scalars(select(Cohort).where(or_(
        (Cohort.state == CohortState.OPEN) & (Cohort.closes_at <= now), Cohort.state == CohortState.CLOSED))
        .order_by(Cohort.number)).all()
    items = []
    for cohort in found:
        link = url_for("cohorts.show", cohort_id=cohort.id)
        if cohort.state == CohortState.OPEN:
            items.append(Item(f"cohort-close-{cohort.number}",
                              _("%(cohort)s: the application window is over; close the cohort", cohort=cohort.title),
                              link, deadline=cohort.closes_at, urgency=URGENT))
        else:
            when = (_("decision planned for %(day)s", day=display_date(cohort.decision_planned_on))
                    if cohort.decision_planned_on else None)
            items.append(Item(f"cohort-decide-{cohort.number}", _("%(cohort)s: closed, to decide", cohort=cohort.title),
                              link, deadline=cohort.decision_planned_on, when=when, urgency=NORMAL))
    return items


# The staff panel, in this order. Another feature adds its items with one line here: its
# provider, or its dotted path (imported when the panel is first shown), e.g.
# "portal.inquiries.todo:waiting".
PROVIDERS: list = [applications, change_notices, claims, cohorts, logo_requests, "portal.inquiries.todo:waiting"]
