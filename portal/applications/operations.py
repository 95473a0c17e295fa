"""Application operations: the only place applications change. Each checks the workflow,
writes the audit log and queues the mails it names (sent after commit)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.applications import files
from portal.applications.checklist import load_checklist
from portal.applications.content import missing_items
from portal.applications.keys import assign_keys, keys_of
from portal.applications.models import Application, ApplicationKind, ApplicationRevision, Attachment
from portal.applications.snapshot import profile_of, snapshot
from portal.applications.workflow import EDITABLE, SUBMITTABLE, WITHDRAWABLE, ApplicationState
from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.core.links import external_url
from portal.core.outbox import queue_mail

S = ApplicationState


class ApplicationError(ValueError):
    """An application operation that is not allowed now; `code` names why."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


def start_application(organisation, cohort, user, kind: ApplicationKind = ApplicationKind.NEW,
                      content: dict | None = None, registration=None) -> Application:
    """Open a draft for `organisation` in `cohort` (any time before the cohort is closed)."""
    if cohort.state not in ("planned", "open"):
        raise ApplicationError("cohort_closed")
    live = db.session.scalar(select(Application.id).where(
        Application.organisation_id == organisation.id, Application.cohort_id == cohort.id,
        Application.state != S.WITHDRAWN))
    if live is not None:
        raise ApplicationError("exists", application_id=live)
    application = Application(organisation=organisation, cohort=cohort, kind=kind, content=content or {},
                              created_by_id=user.id, registration_id=registration.id if registration else None)
    try:
        with db.session.begin_nested():  # two clicks at once: the unique index decides
            db.session.add(application)
    except IntegrityError:
        live = db.session.scalar(select(Application.id).where(
            Application.organisation_id == organisation.id, Application.cohort_id == cohort.id,
            Application.state != S.WITHDRAWN))
        raise ApplicationError("exists", application_id=live) from None
    audit.record("application.started", application, {"cohort": cohort.number, "kind": kind.value}, actor=user)
    return application


def _require_editable(application: Application) -> None:
    if application.state not in EDITABLE:
        raise ApplicationError("not_editable")


def save_section(application: Application, section: str, value: Any, user) -> None:
    """Save one step's answers into the draft (only a draft, or what review returned). Key
    actions keep the keys they had (in this draft, or as the commitments of the registration a
    renewal renews) and new ones get new keys."""
    _require_editable(application)
    content = dict(application.content or {})
    if section == "actions":
        known = keys_of(content.get("actions")) + [c["key"] for c in content.get("commitments") or [] if c.get("key")]
        value = assign_keys(value, known)
    if content.get(section) == value:
        return
    content[section] = value
    application.content = content  # a new dict, so the JSON column sees the change
    audit.record("application.saved", application, {"section": section}, actor=user)


def add_attachment(application: Application, upload, user) -> Attachment:
    """Check and store an uploaded file (PDF, PNG or JPEG by content; 10 MB; 5 at most)."""
    _require_editable(application)
    if len(application.attachments) >= files.MAX_PER_APPLICATION:
        raise ApplicationError("too_many_files")
    try:
        stored = files.store(upload.stream)
    except files.FileRejected as rejected:
        raise ApplicationError(f"file_{rejected}") from None
    attachment = Attachment(application_id=application.id, original_name=(upload.filename or "file")[:255],
                            stored_name=stored.stored_name, content_type=stored.content_type, size=stored.size,
                            sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    db.session.expire(application, ["attachments"])
    audit.record("application.attachment_added", application,
                 {"attachment": attachment.id, "name": attachment.original_name}, actor=user)
    return attachment


def remove_attachment(application: Application, attachment: Attachment, user) -> None:
    """Take a file off the draft; earlier revisions keep it."""
    _require_editable(application)
    attachment.removed_at = utcnow()
    db.session.expire(application, ["attachments"])
    audit.record("application.attachment_removed", application, {"attachment": attachment.id}, actor=user)


def missing(application: Application) -> list:
    checklist = load_checklist(application.cohort.checklist_version)
    return missing_items(application.content or {}, profile_of(application.organisation), checklist,
                         application.kind.value, len(application.attachments))


def submit_application(application: Application, user, now: datetime | None = None) -> ApplicationRevision:
    """Freeze the draft as revision N+1 and mark the application submitted; mail the submitter.

    A returned application that has a reviewer goes back under review (the applicant sees
    審査中) with no second "start review"; without a reviewer it is submitted again.

    Refused unless the user is a verified member, the application is a draft (while the cohort
    is open) or returned (before its correction deadline), and nothing is missing. Two
    submissions at once make exactly one revision: the state change is a compare-and-set.
    """
    now = now or utcnow()
    if not user.email_verified:
        raise ApplicationError("unverified")
    if application.state not in SUBMITTABLE:
        raise ApplicationError("not_submittable")
    if application.state == S.DRAFT and not application.cohort.accepts_applications(now):
        raise ApplicationError("outside_window")
    if (application.state == S.RETURNED and application.correction_deadline
            and now.astimezone(JST).date() > application.correction_deadline):
        raise ApplicationError("past_deadline")
    problems = missing(application)
    if problems:
        raise ApplicationError("incomplete", missing=problems)

    previous = application.state
    # A corrected resubmission goes straight back to its reviewer, under review; without a
    # reviewer (or from a draft) it waits as submitted.
    target = S.UNDER_REVIEW if previous == S.RETURNED and application.reviewer_id else S.SUBMITTED
    claimed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.version == application.version,
               Application.state.in_(SUBMITTABLE))  # the version also pins the reviewer read above
        .values(state=target, revision_count=Application.revision_count + 1, submitted_at=now,
                version=Application.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ApplicationError("changed")
    frozen = snapshot(application)
    db.session.refresh(application)
    revision = ApplicationRevision(application_id=application.id, number=application.revision_count,
                                   submitted_at=now, submitted_by_id=user.id, content=frozen)
    db.session.add(revision)
    application.return_message = None if previous == S.DRAFT else application.return_message
    db.session.flush()
    audit.record("application.submitted", application,
                 {"state": [previous.value, target.value], "revision": revision.number}, actor=user)
    queue_mail(user.email, "applications/mail/submitted.txt", user.locale, user=user, application=application,
               revision=revision,
               link=external_url("applications.status", application_id=application.id))
    return revision


def return_for_correction(application: Application, message: str, notes: dict[str, str],
                          deadline: date | None, actor, today: date | None = None) -> None:
    """Send the application back to the applicant with a message, notes per step and an
    optional deadline; each member of the organisation is mailed."""
    if application.state not in (S.SUBMITTED, S.UNDER_REVIEW):
        raise ApplicationError("not_returnable")
    today = today or datetime.now(JST).date()
    if deadline is not None and deadline < today:
        raise ApplicationError("deadline_past")
    previous = application.state
    application.state = S.RETURNED
    application.return_message = message
    application.return_notes = {k: v for k, v in notes.items() if v}
    application.correction_deadline = deadline
    audit.record("application.returned", application,
                 {"state": [previous.value, S.RETURNED.value], "deadline": deadline.isoformat() if deadline else None},
                 actor=actor)
    _mail_members(application, "applications/mail/returned.txt")


def start_review(application: Application, actor) -> None:
    """Mark a submitted application as being reviewed (the applicant sees 審査中)."""
    if application.state != S.SUBMITTED:
        raise ApplicationError("not_submitted")
    application.state = S.UNDER_REVIEW
    audit.record("application.review_started", application,
                 {"state": [S.SUBMITTED.value, S.UNDER_REVIEW.value]}, actor=actor)


def withdraw_application(application: Application, user, reason: str = "") -> None:
    """Withdraw before the decision (取下げ); the members are mailed."""
    if application.state not in WITHDRAWABLE:
        raise ApplicationError("not_withdrawable")
    previous = application.state
    application.state = S.WITHDRAWN
    audit.record("application.withdrawn", application, {"state": [previous.value, S.WITHDRAWN.value],
                                                         "reason": reason}, actor=user)
    _mail_members(application, "applications/mail/withdrawn.txt")


def _mail_members(application: Application, template: str) -> None:
    """Mail the organisation's members whose address is verified: an unverified address may be a
    stranger's, typed in at sign-up, and the mail carries the organisation's self-chosen name."""
    for membership in application.organisation.memberships:
        member = membership.user
        if not member.email_verified:
            continue
        queue_mail(member.email, template, member.locale, user=member, application=application,
                   link=external_url("applications.status", application_id=application.id))


def start_renewal(registration, cohort, user) -> Application:
    """Open a renewal draft for `registration` in `cohort`, prefilled from its last approved
    revision, listing each earlier commitment (key actions and chosen challenge items) to be
    reported achieved or not."""
    from portal.applications.renewal import prefill

    content = prefill(registration, cohort.checklist_version)
    return start_application(registration.organisation, cohort, user, kind=ApplicationKind.RENEWAL,
                             content=content, registration=registration)


def recommend(application: Application, approve: bool, actor, reason: str = "") -> None:
    """The reviewer's recommendation for the cohort decision (staff only; the applicant keeps
    seeing 審査中 until the decision). A rejection needs a reason."""
    if application.state != S.UNDER_REVIEW:
        raise ApplicationError("not_under_review")
    if not approve and not reason.strip():
        raise ApplicationError("reason_required")
    target = S.RECOMMENDED_APPROVAL if approve else S.RECOMMENDED_REJECTION
    application.state = target
    application.recommendation_reason = reason.strip() or None
    audit.record("application.recommended", application,
                 {"state": [S.UNDER_REVIEW.value, target.value], "reason": reason}, actor=actor)


def give_rejection_reason(application: Application, reason: str, message: str, actor) -> None:
    """The secretariat sets what a rejection tells the applicant (不登録の理由), before the cohort
    is decided: a standard reason (a key of rejection.REASONS) and optional words of its own.
    The decision mail states it; the recommendation's reason stays internal to staff.

    Changes `rejection_reason` and `rejection_message`; sends no mail (the applicant hears it
    with the decision)."""
    from portal.applications.rejection import MESSAGE_MAX, REASONS

    if application.state != S.RECOMMENDED_REJECTION:
        raise ApplicationError("not_recommended_rejection")
    if reason not in REASONS:
        raise ApplicationError("rejection_reason_unknown")
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ApplicationError("rejection_message_too_long")
    previous = [application.rejection_reason, application.rejection_message]
    application.rejection_reason = reason
    application.rejection_message = message or None
    audit.record("application.rejection_reason_given", application,
                 {"rejection_reason": [previous[0], reason], "rejection_message": [previous[1], message or None]},
                 actor=actor)


# States in which an application is in the reviewers' hands (a reviewer can be assigned).
ASSIGNABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION})
RECOMMENDED = frozenset({S.RECOMMENDED_APPROVAL, S.RECOMMENDED_REJECTION})


def assign_reviewer(application: Application, reviewer, actor, only_if_unassigned: bool = False) -> bool:
    """Make `reviewer` (an active staff member; None: nobody) the application's reviewer.

    Changes `reviewer_id` only; sends no mail (the assignment is internal to staff). Refused
    once the application is decided or withdrawn, and, with `only_if_unassigned` (a reviewer
    taking an application for themselves), when someone else already has it. Assigning the
    current reviewer again changes nothing and returns False.
    """
    if application.state not in ASSIGNABLE:
        raise ApplicationError("not_assignable")
    if reviewer is not None and not (reviewer.role.is_staff and reviewer.active):
        raise ApplicationError("not_a_reviewer")
    new_id = reviewer.id if reviewer is not None else None
    if only_if_unassigned and application.reviewer_id not in (None, new_id):
        raise ApplicationError("already_assigned")
    if application.reviewer_id == new_id:
        return False
    previous = application.reviewer_id
    application.reviewer_id = new_id
    audit.record("application.reviewer_assigned", application, {"reviewer": [previous, new_id]}, actor=actor)
    return True


def reset_recommendation(application: Application, actor) -> None:
    """Take back a recommendation (for approval or rejection) before the cohort decision: the
    application is under review again and the recommendation's reason is cleared.

    Changes `state`, `recommendation_reason` and the reason for the applicant (a rejection's);
    sends no mail (recommendations are internal,
    the applicant saw 審査中 throughout).
    """
    if application.state not in RECOMMENDED:
        raise ApplicationError("not_recommended")
    previous = application.state
    application.state = S.UNDER_REVIEW
    application.recommendation_reason = None
    application.rejection_reason = application.rejection_message = None
    audit.record("application.recommendation_reset", application,
                 {"state": [previous.value, S.UNDER_REVIEW.value]}, actor=actor)


# --- review: checking the checklist, comments and messages ---------------------------------

VERIFIABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW})
VERIFICATION_NOTE_MAX = 1000
COMMENT_MAX = 4000


def verify_checklist(application: Application, results: dict[str, dict[str, Any]], actor) -> bool:
    """Save the reviewer's check of the checklist: `results` maps item ids of the cohort's
    checklist version to {"ok": bool, "note": str}; items left out are not checked (yet).

    `results` is the whole check as the form shows it, not a patch: it replaces what was saved.
    Changes `verification` only; sends no mail (internal to staff until a return for correction
    passes the notes on). Allowed while the application is submitted or under review. Returns
    False, recording nothing, when nothing changed.
    """
    if application.state not in VERIFIABLE:
        raise ApplicationError("not_verifiable")
    checklist = load_checklist(application.cohort.checklist_version)
    known = {item.id for item in checklist.items}
    unknown = sorted(set(results) - known)
    if unknown:
        raise ApplicationError("unknown_checklist_item", items=unknown)
    verification: dict[str, dict[str, Any]] = {}
    for item in checklist.items:  # checklist order, so the stored JSON reads like the form
        result = results.get(item.id)
        if result is None:
            continue
        note = str(result.get("note") or "").strip()
        if len(note) > VERIFICATION_NOTE_MAX:
            raise ApplicationError("note_too_long", item=item.id)
        verification[item.id] = {"ok": bool(result.get("ok")), "note": note}
    previous = dict(application.verification or {})
    if previous == verification:
        return False
    changed = {item_id: [previous.get(item_id), verification.get(item_id)]
               for item_id in sorted(set(previous) | set(verification))
               if previous.get(item_id) != verification.get(item_id)}
    application.verification = verification or None  # a new dict, so the JSON column sees the change
    audit.record("application.checklist_verified", application, {
        "items": changed,
        "needs_correction": [item_id for item_id, result in verification.items() if not result["ok"]]},
        actor=actor)
    return True


def add_review_comment(application: Application, author, body: str, to_applicant: bool):
    """A comment on an application under review (any state after submission): internal to
    staff, or, with `to_applicant`, a message the applicant sees on the application's page and
    that is mailed to each member of the organisation. Returns the ReviewComment."""
    from portal.applications.models import ReviewComment

    if application.state == S.DRAFT:
        raise ApplicationError("not_commentable")
    body = (body or "").strip()
    if not body:
        raise ApplicationError("comment_empty")
    if len(body) > COMMENT_MAX:
        raise ApplicationError("comment_too_long")
    comment = ReviewComment(application_id=application.id, author_id=author.id, body=body,
                            to_applicant=bool(to_applicant))
    db.session.add(comment)
    db.session.flush()
    audit.record("application.comment_added", application,
                 {"comment": comment.id, "to_applicant": comment.to_applicant}, actor=author)
    if comment.to_applicant:
        for membership in application.organisation.memberships:
            member = membership.user
            queue_mail(member.email, "review/mail/message.txt", member.locale, user=member, application=application,
                       comment=comment, link=external_url("applications.status", application_id=application.id))
    return comment


# --- moving an undecided application to a later cohort -------------------------------------

# States in which an application may be moved: submitted and not decided yet.
MOVABLE = ASSIGNABLE
MOVE_REASON_MAX = 1000


def move_to_cohort(application: Application, cohort, actor, reason: str) -> None:
    """Move one undecided application to a later cohort: a batch of one (`move_applications`)."""
    move_applications([application], cohort, actor, reason)


def move_applications(applications, cohort, actor, reason: str, versions: dict[int, int] | None = None) -> None:
    """Move undecided applications (submitted, under review, returned or recommended) of cohorts
    not yet decided to a later cohort that is not decided either (planned, open or closed), all
    with one reason, so that the earlier cohort can be decided without them. All or nothing, in
    the caller's transaction: the first refusal raises and the caller rolls back.

    Changes `cohort_id` only: the state, the revisions, the check and the comments stay. Each
    application is audited on its own ("application.moved", with the reason) and each member of
    its organisation is mailed.

    Compare-and-set: `versions` (application id -> the version the page showed) refuses the batch
    ("move_changed") when any application changed since; the version column refuses it too when
    one changes while this transaction runs. The cohorts involved are locked (in id order), so a
    decision of the source or the target waits for the move, or the move for the decision.
    Refused when an organisation already has a live application in the target cohort (the unique
    index decides when two moves race).
    """
    from portal.cohorts.models import Cohort, CohortState

    applications = list(applications)
    if not applications:
        raise ApplicationError("move_nothing")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("move_reason_required")
    if len(reason) > MOVE_REASON_MAX:
        raise ApplicationError("move_reason_too_long")
    if cohort is None:
        raise ApplicationError("move_not_later")
    # Lock the cohorts, then read their states as they are now (not as this session last saw them).
    cohort_ids = sorted({a.cohort_id for a in applications} | {cohort.id})
    db.session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.id)
                       .with_for_update().execution_options(populate_existing=True)).all()
    if cohort.state == CohortState.DECIDED:
        raise ApplicationError("move_target_decided")
    moves = []
    for application in applications:
        name = application.organisation.name
        if versions is not None and versions.get(application.id) != application.version:
            raise ApplicationError("move_changed", name=name)
        source = application.cohort
        if application.state not in MOVABLE or source.state == CohortState.DECIDED:
            raise ApplicationError("not_movable", name=name)
        if cohort.number <= source.number:
            raise ApplicationError("move_not_later", name=name)
        live = db.session.scalar(select(Application.id).where(
            Application.organisation_id == application.organisation_id, Application.cohort_id == cohort.id,
            Application.state != S.WITHDRAWN, Application.id != application.id))
        if live is not None:
            raise ApplicationError("move_target_exists", name=name)
        moves.append((application, source))
    try:
        with db.session.begin_nested():  # two moves at once: the unique index decides
            for application, _source in moves:
                application.cohort = cohort
            db.session.flush()
    except IntegrityError:
        raise ApplicationError("move_target_exists") from None
    except StaleDataError:  # changed by another transaction since it was read (the version column)
        raise ApplicationError("move_changed") from None
    for application, source in moves:
        audit.record("application.moved", application,
                     {"cohort": [source.number, cohort.number], "reason": reason}, actor=actor)
        for membership in application.organisation.memberships:
            member = membership.user
            queue_mail(member.email, "applications/mail/moved.txt", member.locale, user=member,
                       application=application, previous=source, cohort=cohort,
                       link=external_url("applications.status", application_id=application.id))
