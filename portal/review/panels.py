"""The review page's checking panels: the check of each checklist item and the comments (internal
or to the applicant), and the return note they suggest. The review page (views) and the
actions that save them (checks) both use this module; it holds no routes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import User
from portal.applications import operations
from portal.applications.checklist import Checklist, load_checklist
from portal.applications.models import Application, ReviewComment
from portal.core.extensions import db
from portal.core.i18n import current_locale
from portal.review.forms import CommentForm, VerificationForm, verification_form

# The step whose return note the checklist's check fills in.
CHECKLIST_STEP = "checklist"


def checklist_of(application: Application) -> Checklist:
    """The checklist version the application is checked against: its cohort's."""
    return load_checklist(application.cohort.checklist_version)


@dataclass(frozen=True)
class Comment:
    id: int
    at: datetime
    body: str
    to_applicant: bool
    author: str | None


def comments(application: Application) -> list[Comment]:
    """Every comment on the application, oldest first, with its author's name (one query)."""
    rows = db.session.execute(
        select(ReviewComment, User.name).outerjoin(User, User.id == ReviewComment.author_id)
        .where(ReviewComment.application_id == application.id).order_by(ReviewComment.id)).all()
    return [Comment(c.id, c.created_at, c.body, c.to_applicant, name) for c, name in rows]


def applicant_messages(application: Application) -> list[ReviewComment]:
    """The messages the applicant may read: comments sent to the applicant, oldest first.
    Internal comments never leave this query."""
    return list(db.session.scalars(
        select(ReviewComment).where(ReviewComment.application_id == application.id,
                                    ReviewComment.to_applicant.is_(True))
        .order_by(ReviewComment.id)))


def needs_correction_note(application: Application, checklist: Checklist | None = None) -> str:
    """The return note for the checklist step from the saved check: one line per item marked
    "needs correction", in checklist order (the item's id, which the applicant sees next to
    it, and the reviewer's note; the item's own text when there is no note)."""
    verification = application.verification or {}
    if not verification:
        return ""
    checklist = checklist or checklist_of(application)
    locale = current_locale()
    lines = []
    for item in checklist.items:
        result = verification.get(item.id)
        if not result or result.get("ok"):
            continue
        note = (result.get("note") or "").strip()
        if note:
            lines.append(_("%(item)s: %(note)s", item=item.id, note=note))
        else:
            lines.append(_("%(item)s: %(text)s", item=item.id, text=item.text(locale)))
    return "\n".join(lines)


def return_defaults(application: Application, steps) -> dict[str, str]:
    """Form data that prefills the return-for-correction form from the check of the checklist."""
    if not any(step.id == CHECKLIST_STEP for step in steps):
        return {}
    note = needs_correction_note(application)
    return {"note_" + CHECKLIST_STEP: note} if note else {}


def panels(application: Application, given: dict[str, Any]) -> dict[str, Any]:
    """What the review page shows of the check and the comments; a form passed in `given`
    ("verify", "comment") is shown again as it was posted (with its errors)."""
    checklist = checklist_of(application)
    verify: VerificationForm | None = None
    if application.state in operations.VERIFIABLE:
        verify = given.get("verify") or verification_form(
            checklist, application.verification, formdata=None, data={"version": str(application.version)})
    verification = application.verification or {}
    return {
        "checklist": checklist,
        "verification": verification,
        "verify_form": verify,
        "flagged": [item for item in checklist.items
                    if item.id in verification and not verification[item.id].get("ok")],
        "comments": comments(application),
        "comment_form": given.get("comment") or CommentForm(formdata=None),
    }
