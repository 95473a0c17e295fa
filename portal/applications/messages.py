"""What applicants and staff are told: error messages of the operations, and the timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.audit import AuditEntry
from portal.core.extensions import db

ERRORS = {
    "cohort_closed": _l("This cohort no longer accepts new applications."),
    "exists": _l("Your organisation already has an application in this cohort."),
    "not_editable": _l("This application cannot be changed now: it has been submitted and is being reviewed."),
    "too_many_files": _l("An application can have at most 5 files. Remove one first."),
    "file_type": _l("This file is not a PDF, PNG or JPEG file (its content was checked, not its name)."),
    "file_size": _l("The file is larger than 10 MB."),
    "file_empty": _l("The file is empty."),
    "unverified": _l("Please confirm your e-mail address first: use the link we sent you (or ask for a new one "
                     "on your account page)."),
    "not_submittable": _l("This application has already been submitted."),
    "outside_window": _l("Applications for this cohort can be submitted only while it is open."),
    "past_deadline": _l("The deadline for corrections has passed. Please contact the secretariat."),
    "incomplete": _l("Some information is still missing: see the list below."),
    "changed": _l("This application was changed or submitted meanwhile. Please check it."),
    "not_returnable": _l("Only a submitted application under review can be returned."),
    "deadline_past": _l("The correction deadline cannot be in the past."),
    "not_withdrawable": _l("This application can no longer be withdrawn."),
    "not_submitted": _l("Only a submitted application can be reviewed."),
    "not_under_review": _l("Only an application under review can be recommended."),
    "reason_required": _l("Give the reason for recommending rejection."),
    "not_recommended_rejection": _l("The reason for the applicant can be given only to an application recommended "
                                    "for rejection, before the cohort is decided."),
    "rejection_reason_unknown": _l("Choose the reason given to the applicant."),
    "rejection_message_too_long": _l("The text for the applicant can be at most 2000 characters."),
    "not_assignable": _l("A reviewer can be assigned only while the application is being reviewed (not to a draft, "
                         "or after the decision or a withdrawal)."),
    "not_a_reviewer": _l("Only an active reviewer or secretariat member can be assigned."),
    "already_assigned": _l("Another reviewer already has this application."),
    "not_recommended": _l("Only a recommended application can be taken back to review."),
    "not_verifiable": _l("The checklist can be checked only while the application is submitted or under review."),
    "unknown_checklist_item": _l("The check names a checklist item this application's checklist does not have. "
                                 "Please reload the page."),
    "note_too_long": _l("A note on a checklist item can be at most 1000 characters."),
    "not_commentable": _l("A draft cannot be commented on: it has not been submitted."),
    "comment_empty": _l("Write the comment first."),
    "comment_too_long": _l("A comment can be at most 4000 characters."),
    "not_movable": _l("Only an undecided application (submitted, under review, returned or recommended) of a "
                      "cohort not yet decided can be moved to another cohort."),
    "move_reason_required": _l("Give the reason for moving the application to another cohort."),
    "move_reason_too_long": _l("The reason can be at most 1000 characters."),
    "move_not_later": _l("An application can be moved only to a later cohort."),
    "move_target_decided": _l("That cohort has already been decided: choose a later cohort that is not decided."),
    "move_target_exists": _l("The organisation already has an application in that cohort."),
    "move_changed": _l("An application in the list was changed by someone else meanwhile, so nothing was moved. "
                       "Check the list again and repeat the move."),
    "move_nothing": _l("There are no applications to move."),
}


def error_text(error) -> str:
    return str(ERRORS.get(error.code, _l("This cannot be done now.")))


# The applicant's words for what happened.
EVENTS = {
    "application.started": _l("Draft started"),
    "application.submitted": _l("Submitted (revision %(revision)s) — received"),
    "application.review_started": _l("Review started"),
    "application.returned": _l("Correction requested"),
    "application.withdrawn": _l("Withdrawn"),
    "application.approved": _l("Registered"),
    "application.rejected": _l("Not registered"),
}


@dataclass(frozen=True)
class Event:
    at: datetime
    text: str


def timeline(application) -> list[Event]:
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "applications", AuditEntry.object_id == application.id,
               AuditEntry.action.in_(EVENTS))
        .order_by(AuditEntry.id)
    )
    return [Event(e.created_at, str(EVENTS[e.action] % {"revision": e.changes.get("revision", "")}))
            for e in entries]
