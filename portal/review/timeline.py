"""What happened to an application, as staff see it: everything the applicant's timeline shows
(portal.applications.messages.EVENTS) and the events only staff see (assignments,
recommendations, checks of the checklist), oldest first, each with who did it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.applications import messages
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.core import deadlines
from portal.core.audit import AuditEntry
from portal.core.extensions import db

S = ApplicationState

STAFF_EVENTS = {
    "application.reviewer_assigned": _l("Reviewer assigned: %(reviewer)s"),
    "application.recommended": _l("Recommended: %(state)s"),
    "application.recommendation_reset": _l("Recommendation taken back; under review again"),
    "application.checklist_verified": _l("Checklist checked"),
    "application.rejection_reason_given": _l("Reason for the applicant set"),
    "application.external_check_recorded": _l("Check outside the portal recorded: %(kind)s"),
}


@dataclass(frozen=True)
class StaffEvent:
    at: Any
    text: str
    actor: str | None
    internal: bool
    detail: str | None = None


def staff_timeline(application: Application) -> list[StaffEvent]:
    """The application's events with their actors (one query, and one more to name the
    reviewers of any assignment)."""
    actor = db.aliased(User)
    rows = db.session.execute(
        select(AuditEntry, actor.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == "applications", AuditEntry.object_id == application.id,
               AuditEntry.action.in_([*messages.EVENTS, *STAFF_EVENTS]))
        .order_by(AuditEntry.id)).all()
    assigned = {(e.changes or {}).get("reviewer", [None, None])[1] for e, _name in rows
                if e.action == "application.reviewer_assigned"} - {None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(assigned))).all()) if assigned else {}
    events = []
    for entry, actor_name in rows:
        changes = entry.changes or {}
        if entry.action in messages.EVENTS:
            text = str(messages.EVENTS[entry.action] % {"revision": changes.get("revision", "")})
            detail = None
            if entry.action == "application.returned" and changes.get("deadline"):
                detail = _("Deadline: %(date)s", date=_deadline_text(changes["deadline"]))
            events.append(StaffEvent(entry.created_at, text, actor_name, False, detail))
            continue
        detail = None
        if entry.action == "application.reviewer_assigned":
            new = (changes.get("reviewer") or [None, None])[1]
            who = names.get(new, _("#%(id)s", id=new)) if new else _("nobody")
            text = str(STAFF_EVENTS[entry.action] % {"reviewer": who})
        elif entry.action == "application.recommended":
            target = (changes.get("state") or ["", ""])[1]
            title = ApplicationState(target).title if target in {s.value for s in S} else target
            text = str(STAFF_EVENTS[entry.action] % {"state": title})
            detail = changes.get("reason") or None
        elif entry.action == "application.checklist_verified":
            text = str(STAFF_EVENTS[entry.action])
            flagged = changes.get("needs_correction") or []
            if flagged:
                detail = _("Needs correction: %(items)s", items=", ".join(flagged))
        elif entry.action == "application.rejection_reason_given":
            from portal.applications.rejection import reason_text

            text = str(STAFF_EVENTS[entry.action])
            detail = reason_text((changes.get("rejection_reason") or [None, None])[1]) or None
        elif entry.action == "application.external_check_recorded":
            from portal.review.models import ExternalCheckKind, ExternalCheckResult

            kind, result = changes.get("kind"), changes.get("result")
            kind = ExternalCheckKind(kind).title if kind in {k.value for k in ExternalCheckKind} else kind
            text = str(STAFF_EVENTS[entry.action] % {"kind": kind})
            if result in {r.value for r in ExternalCheckResult}:
                detail = ExternalCheckResult(result).title
        else:
            text = str(STAFF_EVENTS[entry.action])
        events.append(StaffEvent(entry.created_at, text, actor_name, True, detail))
    return events


def _deadline_text(recorded: str) -> str:
    """The correction deadline the audit entry recorded (ISO), as the applicant was shown it."""
    try:
        return deadlines.until(date.fromisoformat(recorded))
    except (TypeError, ValueError):
        return str(recorded)
