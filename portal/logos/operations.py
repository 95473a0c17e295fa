"""Logo-permit operations: the only place requests and permits change.

Each checks the workflow, changes the data, writes the audit log and queues the mails it names
(sent after commit, in each recipient's language). Staff decisions are compare-and-set on the
permit's `version`: of two people acting at once, or on a page loaded before the holder changed
the request, one acts and the other is told. Permit numbers (KFS-2026-0001) come from a counter
row per year, taken under its lock, so they are gapless and unique within the year of approval.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.applications import files
from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import display_date, today_jst
from portal.core.links import external_url
from portal.core.outbox import queue_mail
from portal.logos import variants as catalogue
from portal.logos.models import LogoPermit, LogoPermitCounter, LogoUse, PermitKind
from portal.logos.rules import MEDIA, MEDIA_NEEDING_DETAIL, RULES_VERSION, HolderKind, latest_end, period_problem
from portal.logos.workflow import EDITABLE, PermitState

S = PermitState

# The request's own fields, as the form gives them (the holder may change them until it is sent).
REQUEST_FIELDS = ("holder_kind", "holder_name", "representative", "postal_code", "address", "contact_name",
                  "contact_phone", "activity", "goals", "media", "media_detail", "audience", "variants",
                  "starts_on", "ends_on")
REMINDER_DAYS = 60  # the holder is reminded this many days before the permit ends
RENEWAL_OPENS_DAYS = 90  # a renewal may be asked for from this many days before the end …
RENEWAL_CLOSES_DAYS = 180  # … until this many days after it
REASON_MAX = 2000


class LogoError(ValueError):
    """A logo-permit operation that is not allowed now; `code` names why."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


ERRORS = {
    "unverified": _l("Please verify your e-mail address before you send a request: follow the link we mailed you, "
                     "or ask for a new one on your account page."),
    "not_editable": _l("This request has been sent and can no longer be changed."),
    "incomplete": _l("The request is not complete yet. Please fill in the items marked below."),
    "period_missing": _l("Enter the first and the last day of the period."),
    "end_before_start": _l("The last day of the period is before its first day."),
    "period_too_long": _l("A permit lasts at most three years: starting on %(start)s, the period can end on "
                          "%(latest)s at the latest."),
    "starts_in_past": _l("The period cannot begin in the past: choose today or a later day."),
    "ends_in_past": _l("The period has already ended: choose a last day from today on."),
    "not_agreed": _l("Please read the rules for using the logo and tick the box to agree to them."),
    "changed": _l("This request was changed meanwhile. Please look at it again and repeat your action."),
    "not_submitted": _l("This request is not waiting for a decision (it was decided or returned meanwhile)."),
    "not_live": _l("This permit is no longer valid, so this cannot be done."),
    "reason_required": _l("Give the reason: the holder is told it."),
    "message_required": _l("Say what the holder should correct."),
    "reason_too_long": _l("The text is too long (at most 2,000 characters)."),
    "no_variant": _l("Choose at least one design variant."),
    "unknown_variant": _l("This design variant does not exist."),
    "file_type": _l("This file type is not accepted: send a PDF, PNG or JPEG file."),
    "file_size": _l("The file is larger than 10 MB. Please send a smaller file (for example a compressed PDF or a "
                    "photo at a lower resolution)."),
    "file_empty": _l("The file is empty."),
    "renewal_not_due": _l("This permit cannot be renewed now: renewal opens three months before the end of the "
                          "period and closes six months after it."),
    "renewal_exists": _l("A renewal of this permit has already been started."),
    "link_or_photo": _l("Add a photo or a link (or both) that shows the logo in use."),
    "bad_link": _l("Enter a full address starting with https:// (or http://)."),
}


def error_text(error: LogoError) -> str:
    details = {key: display_date(value) if isinstance(value, date) else value
               for key, value in error.details.items()}
    template = ERRORS.get(error.code)
    if template is None:
        return str(_l("This cannot be done now."))
    return str(template) % details if details else str(template)


# --- facts about a permit ---------------------------------------------------------------------

UPCOMING, LIVE = "upcoming", "live"


def status_on(permit: LogoPermit, today: date | None = None) -> str:
    """The state, and for an approved permit whether it has begun ("upcoming"), runs ("live")
    or has ended although the daily command has not marked it yet ("expired")."""
    today = today or today_jst()
    if permit.state != S.APPROVED:
        return permit.state.value
    if today > permit.valid_until:
        return S.EXPIRED.value
    return UPCOMING if today < permit.valid_from else LIVE


def is_live(permit: LogoPermit, today: date | None = None) -> bool:
    """Approved and not ended: the logo files may be downloaded (also before the first day, to
    prepare printing; the rules allow use only within the period)."""
    return permit.state == S.APPROVED and (today or today_jst()) <= permit.valid_until


def holders(permit: LogoPermit) -> list:
    """The people a permit concerns: every member of its organisation, else the requester."""
    from portal.accounts.models import User

    if permit.organisation is not None and permit.organisation.memberships:
        return [membership.user for membership in permit.organisation.memberships]
    requester = db.session.get(User, permit.requested_by_id) if permit.requested_by_id else None
    return [requester] if requester is not None else []


def _mail_holders(permit: LogoPermit, template: str, **context) -> None:
    link = external_url("logos.show", permit_id=permit.id)
    for person in holders(permit):
        queue_mail(person.email, template, person.locale, user=person, permit=permit, link=link, **context)


def prefill(user) -> dict:
    """A new request's holder fields: the organisation's profile, or the person's own name."""
    organisation = user.organisation
    if organisation is None:
        return {"holder_kind": HolderKind.INDIVIDUAL, "holder_name": user.name, "contact_name": user.name,
                "goals": [], "media": [], "variants": []}
    return {"holder_kind": HolderKind(organisation.kind.value), "holder_name": organisation.name,
            "representative": f"{organisation.representative_title} {organisation.representative_name}".strip(),
            "postal_code": organisation.postal_code, "address": organisation.address,
            "contact_name": organisation.contact_name, "contact_phone": organisation.contact_phone,
            "goals": [], "media": [], "variants": []}


def missing(permit: LogoPermit, today: date | None = None) -> list[str]:
    """What keeps the request from being sent: field names, "period" or "agreement"."""
    problems = [name for name in ("holder_kind", "holder_name", "address", "contact_name", "contact_phone",
                                  "activity", "goals", "media", "variants") if not getattr(permit, name)]
    if permit.holder_kind not in (None, HolderKind.INDIVIDUAL) and not permit.representative:
        problems.append("representative")
    if MEDIA_NEEDING_DETAIL & set(permit.media or ()) and not permit.media_detail:
        problems.append("media_detail")
    if period_problem(permit.starts_on, permit.ends_on, today or today_jst()):
        problems.append("period")
    if permit.agreed_at is None:
        problems.append("agreement")
    return problems


def _period_error(start: date | None, end: date | None, today: date | None) -> LogoError | None:
    code = period_problem(start, end, today)
    if code is None:
        return None
    return LogoError(code, start=start, latest=latest_end(start)) if code == "period_too_long" else LogoError(code)


# --- the holder: drafting, sending -------------------------------------------------------------

def _clean(data: dict) -> dict:
    values = {field: data.get(field) for field in REQUEST_FIELDS if field in data}
    for field in ("goals", "media", "variants"):
        if field in values:
            values[field] = list(values[field] or [])
    if "goals" in values:
        values["goals"] = sorted({int(g) for g in values["goals"] if 1 <= int(g) <= 17})
    if "media" in values:
        values["media"] = [m for m in MEDIA if m in set(values["media"])]
    if "variants" in values:
        values["variants"] = catalogue.ordered(values["variants"])
    for field, value in list(values.items()):
        if isinstance(value, str):
            values[field] = value.strip() or None
    if values.get("holder_kind") is not None:
        values["holder_kind"] = HolderKind(values["holder_kind"])
    if "holder_name" in values:
        values["holder_name"] = values["holder_name"] or ""
    return values


def new_request(user, data: dict, kind: PermitKind = PermitKind.NEW, renews: LogoPermit | None = None) -> LogoPermit:
    """Open a draft for `user` (and their organisation, if they belong to one) with `data`."""
    organisation_id = user.membership.organisation_id if user.membership else None
    permit = LogoPermit(kind=kind, state=S.DRAFT, requested_by_id=user.id, organisation_id=organisation_id,
                        renews_id=renews.id if renews else None, **_clean(data))
    db.session.add(permit)
    db.session.flush()
    audit.record("logo.created", permit, {"kind": kind.value, "renews": renews.number if renews else None},
                 actor=user)
    return permit


def save_request(permit: LogoPermit, data: dict, user, *, agreed: bool | None = None, mockup=None,
                 remove_mockup: bool = False, version: int | None = None, now: datetime | None = None) -> bool:
    """Save the holder's changes to a draft or a returned request: the fields of `data`, the
    agreement to the rules (given or taken back), a new mock-up (checked by content: PDF, PNG
    or JPEG, 10 MB) or none. `version`, when given, must still be the request's (two tabs, two
    colleagues). Returns False, recording nothing, when nothing changed. Sends no mail."""
    if permit.state not in EDITABLE:
        raise LogoError("not_editable")
    if version is not None and version != permit.version:
        raise LogoError("changed")
    now = now or utcnow()
    values = _clean(data)
    if agreed is True and permit.agreed_at is None:
        values.update(agreed_at=now, rules_version=RULES_VERSION)
    elif agreed is False:
        values.update(agreed_at=None, rules_version=None)
    if mockup is not None:
        try:
            stored = files.store(mockup.stream)
        except files.FileRejected as rejected:
            raise LogoError(f"file_{rejected}") from None
        values.update(mockup_name=(mockup.filename or "mock-up")[:255], mockup_stored=stored.stored_name,
                      mockup_type=stored.content_type, mockup_size=stored.size)
    elif remove_mockup:
        values.update(mockup_name=None, mockup_stored=None, mockup_type=None, mockup_size=None)
    changes = {field: [_jsonable(getattr(permit, field)), _jsonable(value)] for field, value in values.items()
               if getattr(permit, field) != value}
    if not changes:
        return False
    claimed = db.session.execute(
        update(LogoPermit).where(LogoPermit.id == permit.id, LogoPermit.version == permit.version,
                                 LogoPermit.state.in_(EDITABLE))
        .values(**values, version=LogoPermit.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise LogoError("changed")
    db.session.refresh(permit)
    audit.record("logo.saved", permit, changes, actor=user)
    return True


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    return str(value)


def submit_request(permit: LogoPermit, user, today: date | None = None, now: datetime | None = None) -> None:
    """Send a draft (or a corrected request) to the secretariat: state submitted. Refused unless
    the user's address is verified, the request is complete (`missing`), the period is at most
    three years and does not begin in the past, and the rules were agreed to. Records the
    organisation's registration number when it is a registrant. The holders are mailed."""
    from portal.registrations.models import Registration, RegistrationState

    today = today or today_jst()
    now = now or utcnow()
    if not user.email_verified:
        raise LogoError("unverified")
    if permit.state not in EDITABLE:
        raise LogoError("not_editable")
    period = _period_error(permit.starts_on, permit.ends_on, today)
    if period is not None:
        raise period
    problems = missing(permit, today)
    if problems:
        raise LogoError("not_agreed") if problems == ["agreement"] else LogoError("incomplete", missing=problems)
    registration = None
    if permit.organisation_id is not None:
        registration = db.session.scalar(
            select(Registration.number).where(Registration.organisation_id == permit.organisation_id,
                                              Registration.state == RegistrationState.ACTIVE,
                                              Registration.valid_until >= today)
            .order_by(Registration.valid_until.desc()).limit(1))
    previous = permit.state
    claimed = db.session.execute(
        update(LogoPermit).where(LogoPermit.id == permit.id, LogoPermit.version == permit.version,
                                 LogoPermit.state.in_(EDITABLE))
        .values(state=S.SUBMITTED, submitted_at=now, registration_number=registration,
                version=LogoPermit.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise LogoError("changed")
    db.session.refresh(permit)
    audit.record("logo.submitted", permit, {"state": [previous.value, S.SUBMITTED.value]}, actor=user)
    _mail_holders(permit, "logos/mail/submitted.txt")


# --- the secretariat's decisions ----------------------------------------------------------------

def _claim(permit: LogoPermit, from_state: PermitState, version: int | None, now: datetime) -> None:
    """Take the permit for a decision: compare-and-set on state and version (the row is then
    locked until commit; of two people, one wins and the other gets "changed")."""
    if permit.state != from_state:
        raise LogoError("not_submitted" if from_state == S.SUBMITTED else "not_live")
    expected = permit.version if version is None else version
    claimed = db.session.execute(
        update(LogoPermit).where(LogoPermit.id == permit.id, LogoPermit.state == from_state,
                                 LogoPermit.version == expected)
        .values(version=LogoPermit.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise LogoError("changed")
    db.session.refresh(permit)


def _reason(text: str | None, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise LogoError(code)
    if len(text) > REASON_MAX:
        raise LogoError("reason_too_long")
    return text


def next_number(year: int) -> tuple[int, str]:
    """The next permit number of `year`: the counter row is created if needed, then raised by
    one under its row lock (a second approver waits for the first to commit). Rolled back
    with the approval, so no number is lost."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(LogoPermitCounter).values(year=year, last_sequence=0)
                       .on_conflict_do_nothing(index_elements=["year"]))
    sequence = db.session.execute(
        update(LogoPermitCounter).where(LogoPermitCounter.year == year)
        .values(last_sequence=LogoPermitCounter.last_sequence + 1)
        .returning(LogoPermitCounter.last_sequence)
        .execution_options(synchronize_session=False)).scalar_one()
    return sequence, LogoPermit.format_number(year, sequence)


def approve_permit(permit: LogoPermit, actor, valid_from: date, valid_until: date, permitted: list[str],
                   conditions: str = "", version: int | None = None, today: date | None = None,
                   now: datetime | None = None) -> str:
    """Approve a submitted request: the next permit number of the year (JST), the period (at most
    three years, not already over), the variants allowed (at least one) and the conditions.
    State approved; the holders are mailed with the number and a link to the permit PDF.
    Returns the permit number."""
    today = today or today_jst()
    now = now or utcnow()
    if permit.state != S.SUBMITTED:
        raise LogoError("not_submitted")
    if any(code not in catalogue.BY_CODE for code in permitted or ()):
        raise LogoError("unknown_variant")
    permitted = catalogue.ordered(permitted)
    if not permitted:
        raise LogoError("no_variant")
    period = _period_error(valid_from, valid_until, None)
    if period is not None:
        raise period
    if valid_until < today:
        raise LogoError("ends_in_past")
    conditions = (conditions or "").strip() or None
    if conditions and len(conditions) > REASON_MAX:
        raise LogoError("reason_too_long")
    _claim(permit, S.SUBMITTED, version, now)
    sequence, number = next_number(today.year)
    db.session.execute(
        update(LogoPermit).where(LogoPermit.id == permit.id)
        .values(state=S.APPROVED, number=number, permit_year=today.year, permit_sequence=sequence,
                valid_from=valid_from, valid_until=valid_until, permitted_variants=permitted,
                conditions=conditions, decided_by_id=actor.id, decided_at=now, return_message=None)
        .execution_options(synchronize_session=False))
    db.session.refresh(permit)
    audit.record("logo.approved", permit, {
        "state": [S.SUBMITTED.value, S.APPROVED.value], "number": number,
        "period": [valid_from.isoformat(), valid_until.isoformat()], "variants": permitted,
        "conditions": conditions}, actor=actor)
    _mail_holders(permit, "logos/mail/approved.txt",
                  pdf_link=external_url("logos.permit_pdf", permit_id=permit.id))
    return number


@dataclass(frozen=True)
class Outcome:
    permit: LogoPermit
    number: str | None = None
    error: LogoError | None = None


def approve_as_requested(permits: list[tuple[LogoPermit, int | None]], actor, today: date | None = None) -> list[Outcome]:
    """Approve several submitted requests at once, each as it was asked for (its variants, its
    period, beginning today at the earliest), with no conditions: `approve_permit` for each
    (permit, version seen on the list), in a savepoint of its own, so that one that cannot be
    approved (changed meanwhile, period over) is reported and the others go ahead."""
    today = today or today_jst()
    outcomes = []
    for permit, version in permits:
        try:
            with db.session.begin_nested():
                start = max(permit.starts_on, today) if permit.starts_on else None
                number = approve_permit(permit, actor, start, permit.ends_on, permit.variants or [], "",
                                        version=version, today=today)
        except LogoError as error:
            db.session.refresh(permit)
            outcomes.append(Outcome(permit, error=error))
        else:
            outcomes.append(Outcome(permit, number=number))
    return outcomes


def return_request(permit: LogoPermit, actor, message: str, version: int | None = None,
                   now: datetime | None = None) -> None:
    """Send a submitted request back to the holder with what to correct: state returned; the
    holders are mailed the message."""
    now = now or utcnow()
    message = _reason(message, "message_required")
    _claim(permit, S.SUBMITTED, version, now)
    permit.state = S.RETURNED
    permit.return_message = message
    permit.decided_by_id, permit.decided_at = actor.id, now
    db.session.flush()
    audit.record("logo.returned", permit, {"state": [S.SUBMITTED.value, S.RETURNED.value], "message": message},
                 actor=actor)
    _mail_holders(permit, "logos/mail/returned.txt")


def reject_request(permit: LogoPermit, actor, reason: str, version: int | None = None,
                   now: datetime | None = None) -> None:
    """Refuse a submitted request, with the reason (required): state rejected; the holders are
    mailed the reason."""
    now = now or utcnow()
    reason = _reason(reason, "reason_required")
    _claim(permit, S.SUBMITTED, version, now)
    permit.state = S.REJECTED
    permit.rejection_reason = reason
    permit.decided_by_id, permit.decided_at = actor.id, now
    db.session.flush()
    audit.record("logo.rejected", permit, {"state": [S.SUBMITTED.value, S.REJECTED.value], "reason": reason},
                 actor=actor)
    _mail_holders(permit, "logos/mail/rejected.txt")


def revoke_permit(permit: LogoPermit, actor, reason: str, version: int | None = None, today: date | None = None,
                  now: datetime | None = None) -> None:
    """取消 — revoke an approved permit that has not ended, with the reason (required): state
    revoked, ended_on today; the files stop downloading at once. The holders are mailed the
    reason and told to stop using the logo."""
    today = today or today_jst()
    now = now or utcnow()
    reason = _reason(reason, "reason_required")
    if not is_live(permit, today):
        raise LogoError("not_live")
    _claim(permit, S.APPROVED, version, now)
    permit.state = S.REVOKED
    permit.ended_on = today
    permit.revocation_reason = reason
    db.session.flush()
    audit.record("logo.revoked", permit, {"state": [S.APPROVED.value, S.REVOKED.value],
                                          "ended_on": today.isoformat(), "reason": reason}, actor=actor)
    _mail_holders(permit, "logos/mail/revoked.txt")


# --- the daily command: reminders and the end of permits -----------------------------------------

@dataclass(frozen=True)
class Daily:
    reminded: int
    expired: int


def _renewal_sent(permit: LogoPermit) -> bool:
    return db.session.scalar(select(LogoPermit.id).where(
        LogoPermit.renews_id == permit.id,
        LogoPermit.state.in_((S.SUBMITTED, S.APPROVED))).limit(1)) is not None


def run_daily(today: date | None = None, now: datetime | None = None) -> Daily:
    """Remind the holders of every permit that ends within REMINDER_DAYS (once per permit, not
    when a renewal has been sent), and end every approved permit whose last day has passed
    (state expired; the holders are told to stop using the logo). Safe to run daily and more
    than once: a permit is reminded once and expires once (compare-and-set)."""
    today = today or today_jst()
    now = now or utcnow()
    reminded = expired = 0
    due = db.session.scalars(
        select(LogoPermit).where(LogoPermit.state == S.APPROVED, LogoPermit.reminded_at.is_(None),
                                 LogoPermit.valid_until >= today,
                                 LogoPermit.valid_until <= today + timedelta(days=REMINDER_DAYS))
        .order_by(LogoPermit.id)).all()
    for permit in due:
        if _renewal_sent(permit):
            continue
        claimed = db.session.execute(
            update(LogoPermit).where(LogoPermit.id == permit.id, LogoPermit.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        db.session.refresh(permit)
        audit.record("logo.reminded", permit, {"valid_until": permit.valid_until.isoformat()})
        _mail_holders(permit, "logos/mail/reminder.txt", renew_link=external_url("logos.show", permit_id=permit.id))
        reminded += 1
    ended = db.session.scalars(select(LogoPermit).where(LogoPermit.state == S.APPROVED,
                                                         LogoPermit.valid_until < today)
                               .order_by(LogoPermit.id)).all()
    for permit in ended:
        claimed = db.session.execute(
            update(LogoPermit).where(LogoPermit.id == permit.id, LogoPermit.state == S.APPROVED)
            .values(state=S.EXPIRED, version=LogoPermit.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        db.session.refresh(permit)
        audit.record("logo.expired", permit, {"state": [S.APPROVED.value, S.EXPIRED.value],
                                              "valid_until": permit.valid_until.isoformat()})
        _mail_holders(permit, "logos/mail/expired.txt")
        expired += 1
    return Daily(reminded, expired)


# --- after approval: use reports, renewal ---------------------------------------------------------

def report_use(permit: LogoPermit, user, medium: str, description: str = "", link: str | None = None,
               photo=None) -> LogoUse:
    """The holder shows a use of the logo: a photo (PDF, PNG or JPEG, 10 MB) or a link, or both,
    for an issued permit that was not revoked. Sends no mail (staff see it on the permit)."""
    if permit.state not in (S.APPROVED, S.EXPIRED):
        raise LogoError("not_live")
    link = (link or "").strip() or None
    if link is None and photo is None:
        raise LogoError("link_or_photo")
    if link is not None and not link.lower().startswith(("https://", "http://")):
        raise LogoError("bad_link")  # never javascript: or data: in a page staff open
    use = LogoUse(permit_id=permit.id, reported_by_id=user.id, medium=medium if medium in MEDIA else "other",
                  description=(description or "").strip() or None, link=link)
    if photo is not None:
        try:
            stored = files.store(photo.stream)
        except files.FileRejected as rejected:
            raise LogoError(f"file_{rejected}") from None
        use.photo_name = (photo.filename or "photo")[:255]
        use.photo_stored, use.photo_type, use.photo_size = stored.stored_name, stored.content_type, stored.size
    db.session.add(use)
    db.session.flush()
    audit.record("logo.use_reported", permit, {"use": use.id, "medium": use.medium, "link": link,
                                               "photo": use.photo_name}, actor=user)
    return use


def renewal_window(permit: LogoPermit) -> tuple[date, date] | None:
    if permit.valid_until is None:
        return None
    return (permit.valid_until - timedelta(days=RENEWAL_OPENS_DAYS),
            permit.valid_until + timedelta(days=RENEWAL_CLOSES_DAYS))


def _renewal_of(permit: LogoPermit) -> int | None:
    return db.session.scalar(select(LogoPermit.id).where(
        LogoPermit.renews_id == permit.id,
        LogoPermit.state.in_((S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED))).limit(1))


def may_renew(permit: LogoPermit, today: date | None = None) -> bool:
    """An approved or ended permit (not revoked) within its renewal window, without a renewal
    already started."""
    window = renewal_window(permit)
    if permit.state not in (S.APPROVED, S.EXPIRED) or window is None:
        return False
    return window[0] <= (today or today_jst()) <= window[1] and _renewal_of(permit) is None


def start_renewal(permit: LogoPermit, user, today: date | None = None) -> LogoPermit:
    """A renewal draft, prefilled from the permit: the same use and the permitted variants, the
    period from the day after the end (or today) for three years. The holder checks it, agrees
    to the rules again and sends it; approval issues a new permit number."""
    today = today or today_jst()
    if _renewal_of(permit) is not None:
        raise LogoError("renewal_exists")
    if not may_renew(permit, today):
        raise LogoError("renewal_not_due")
    starts = max(permit.valid_until + timedelta(days=1), today)
    data = {field: getattr(permit, field) for field in REQUEST_FIELDS}
    data.update(variants=permit.permitted_variants or permit.variants, starts_on=starts, ends_on=latest_end(starts))
    return new_request(user, data, kind=PermitKind.RENEWAL, renews=permit)
