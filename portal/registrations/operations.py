"""Registration operations: the only place registrations and their change notices change.

Each checks the state, changes it, writes the audit log and queues the mails it names (sent
after commit, in each recipient's language). A single action and a batch call the same
function. Expiry is not a state: it follows from the dates (`documents.status_on`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst
from portal.core.links import external_url
from portal.core.outbox import queue_mail, queue_many
from portal.registrations import documents
from portal.registrations.models import (
    ChangeNotice,
    ChangeNoticeState,
    Registration,
    RegistrationState,
)
from portal.registrations.terms import add_months

# What a change notice (変更届) may change, in the order it is shown (details.CERTIFIED_FIELDS);
# the municipality is derived again from a new address and recorded with the notice when it moves.
FIELD_TITLES = {
    "name": _l("Name of the organisation"),
    "name_kana": _l("Name in katakana"),
    "representative_title": _l("Representative's title"),
    "representative_name": _l("Representative's name"),
    "postal_code": _l("Postal code"),
    "address": _l("Address"),
    "industry": _l("Industry"),
    "municipality_code": _l("Municipality"),
}
# The supporting document of a notice: what attachments accept, kept in its own folder.
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")
DOCUMENT_FOLDER = "change_notices"

# Reminders before the term ends: (months before valid_until, reminder key).
REMINDERS = ((1, "1m"), (6, "6m"))


class RegistrationError(ValueError):
    """A registration operation that is not allowed now; `code` names why."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


ERRORS = {
    "not_active": _l("This registration is no longer valid, so this cannot be done."),
    "changed": _l("This registration was changed meanwhile. Please check it."),
    "reason_required": _l("Give the reason for the revocation."),
    "no_change": _l("Nothing was changed: change at least one item, or go back."),
    "notice_handled": _l("This change notice has already been handled."),
    "notice_waiting": _l("A change notice of this registration is waiting for the secretariat. Wait for its "
                         "answer before filing another."),
    "effective_in_future": _l("The date the change took effect cannot be in the future. File the notice once "
                              "the change has taken effect."),
    "effective_before_registration": _l("The change took effect before this registration: its details were "
                                        "certified as they were then."),
    "unplaced": _l("The portal cannot place this address in a municipality of Kumamoto Prefecture. Check the "
                   "postal code and write the address from the prefecture or the municipality."),
    "reason_required_return": _l("Say why the notice is returned."),
    "document_type": _l("The supporting document must be a PDF, PNG or JPEG file."),
    "document_size": _l("The supporting document is larger than 10 MB."),
    "document_empty": _l("The supporting document is empty."),
}
# Which form field each refusal belongs to (the others are said at the top of the page).
ERROR_FIELDS = {"effective_in_future": "effective_on", "effective_before_registration": "effective_on",
                "unplaced": "address", "document_type": "document", "document_size": "document",
                "document_empty": "document", "reason_required_return": "reason"}


def error_text(error: RegistrationError) -> str:
    return str(ERRORS.get(error.code, _l("This cannot be done now.")))


def is_live(registration: Registration, today: date) -> bool:
    """Active, not withdrawn or revoked, and within its term (or before it) on `today`."""
    return registration.state == RegistrationState.ACTIVE and documents.status_on(registration, today) in (
        documents.ACTIVE, documents.UPCOMING)


# --- ending a registration ----------------------------------------------------------------------

def _end(registration: Registration, to: RegistrationState, today: date, reason: str | None) -> None:
    """Move an active registration to `to` (compare-and-set: of two clicks, one ends it)."""
    if not is_live(registration, today):
        raise RegistrationError("not_active")
    claimed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.state == RegistrationState.ACTIVE)
        .values(state=to, ended_on=today, end_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise RegistrationError("changed")
    db.session.refresh(registration)


def withdraw_registration(registration: Registration, user, reason: str = "", today: date | None = None) -> None:
    """辞退 — the registrant withdraws: state withdrawn, ended_on today (JST), end_reason the
    optional reason. Every member of the organisation is mailed; the secretariat is not
    (the registration list and the audit log show it). Refused unless the registration is valid."""
    today = today or today_jst()
    reason = (reason or "").strip() or None
    _end(registration, RegistrationState.WITHDRAWN, today, reason)
    audit.record("registration.withdrawn", registration,
                 {"state": [RegistrationState.ACTIVE.value, RegistrationState.WITHDRAWN.value],
                  "ended_on": today.isoformat(), "reason": reason}, actor=user)
    _mail_members(registration, "registrations/mail/withdrawn.txt")


def revoke_registration(registration: Registration, actor, reason: str, today: date | None = None) -> None:
    """取消 — the secretariat revokes a registration, with a reason (required): state revoked,
    ended_on today (JST), end_reason the reason. Every member is mailed, with the reason."""
    today = today or today_jst()
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("reason_required")
    _end(registration, RegistrationState.REVOKED, today, reason)
    audit.record("registration.revoked", registration,
                 {"state": [RegistrationState.ACTIVE.value, RegistrationState.REVOKED.value],
                  "ended_on": today.isoformat(), "reason": reason}, actor=actor)
    _mail_members(registration, "registrations/mail/revoked.txt")


def _mail_members(registration: Registration, template: str, **context) -> None:
    link = external_url("registrations.show", registration_id=registration.id)
    for membership in registration.organisation.memberships:
        member = membership.user
        queue_mail(member.email, template, member.locale, user=member, registration=registration,
                   organisation=registration.organisation, link=link, **context)


# --- change notices (変更届) ------------------------------------------------------------------

def change_rows(changes: dict) -> list[dict]:
    """A notice's changes in display order: field, its title (lazy: a mail reads it in its
    recipient's language), old and new value."""
    order = tuple(FIELD_TITLES)
    return [{"field": field, "title": FIELD_TITLES.get(field, field), "old": changes[field][0],
             "new": changes[field][1]} for field in sorted(changes, key=lambda f: order.index(f) if f in order else 99)]


def waiting_notice(registration: Registration) -> ChangeNotice | None:
    """The registration's notice waiting for the secretariat, if any (at most one at a time)."""
    return db.session.scalar(select(ChangeNotice).where(ChangeNotice.registration_id == registration.id,
                                                        ChangeNotice.state == ChangeNoticeState.FILED).limit(1))


def proposed_changes(organisation, values: dict) -> dict:
    """{field: [old, new]} for each certified detail of `values` that differs from the
    organisation's, with the municipality when a new address moves it. Refused ("unplaced") when
    a new address cannot be placed in a municipality of Kumamoto Prefecture."""
    from portal.core.location import derive_location
    from portal.registrations.details import CERTIFIED_FIELDS

    proposed = {field: (values.get(field) or "").strip() for field in CERTIFIED_FIELDS}
    changes = {field: [getattr(organisation, field), value] for field, value in proposed.items()
               if value != getattr(organisation, field)}
    if "address" in changes or "postal_code" in changes:
        found = derive_location(proposed["address"], proposed["postal_code"])
        if not found.in_prefecture or found.municipality_code is None:
            raise RegistrationError("unplaced")
        if found.municipality_code != organisation.municipality_code:
            changes["municipality_code"] = [organisation.municipality_code, found.municipality_code]
    return changes


def file_change_notice(registration: Registration, user, values: dict, effective_on: date, document=None,
                       note: str = "", today: date | None = None) -> ChangeNotice:
    """変更届 — a member reports new certified details (`values`: name, フリガナ, representative,
    postal code, address, industry), the day the change took effect and, optionally, a
    supporting document (an uploaded stream: PDF, PNG or JPEG, checked by content).

    Changes nothing but the notice: the organisation, the registration's details and the
    certificate change only when the secretariat accepts it (`accept_change_notice`). Records the
    fields that differ as `changes` ({field: [old, new]}, with the municipality when a new
    address moves it). Audited; the filer is mailed a confirmation; the secretariat sees the list.
    Refused, with nothing stored, unless the registration is valid ("not_active"), while another
    notice waits ("notice_waiting"), when nothing changes ("no_change"), for a date in the future
    or before the registration, an address the portal cannot place ("unplaced"), or a document
    that is not a PDF or an image ("document_type", "document_size", "document_empty").
    """
    from portal.applications import files

    today = today or today_jst()
    if not is_live(registration, today):
        raise RegistrationError("not_active")
    if waiting_notice(registration) is not None:
        raise RegistrationError("notice_waiting")
    organisation = registration.organisation
    changes = proposed_changes(organisation, values)
    if not changes:
        raise RegistrationError("no_change")
    if effective_on > today:
        raise RegistrationError("effective_in_future")
    if effective_on < registration.registered_on:
        raise RegistrationError("effective_before_registration")
    stored = None
    if document is not None and getattr(document, "filename", None):
        try:
            stored = files.store(document.stream, accept=DOCUMENT_TYPES, subfolder=DOCUMENT_FOLDER)
        except files.FileRejected as error:
            raise RegistrationError(f"document_{error}") from None
    notice = ChangeNotice(registration_id=registration.id, filed_by_id=user.id, changes=changes,
                          note=(note or "").strip() or None, state=ChangeNoticeState.FILED, effective_on=effective_on,
                          document_stored_name=stored and stored.stored_name,
                          document_filename=stored and (document.filename or "document")[-200:],
                          document_content_type=stored and stored.content_type)
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:
        # Another request filed one between the check above and this insert (a double-click):
        # the database keeps one waiting notice per registration.
        if stored is not None:
            files.path_of(stored.stored_name, DOCUMENT_FOLDER).unlink(missing_ok=True)
        raise RegistrationError("notice_waiting") from None
    audit.record("change_notice.filed", notice, {"registration": registration.id, "changes": changes,
                                                 "effective_on": effective_on.isoformat(),
                                                 "document": bool(stored)}, actor=user)
    queue_mail(user.email, "registrations/mail/change_filed.txt", user.locale, user=user,
               registration=registration, organisation=organisation, notice=notice, rows=change_rows(changes),
               link=external_url("registrations.show", registration_id=registration.id))
    return notice


def _handle(notice: ChangeNotice, to: ChangeNoticeState, actor, response: str | None) -> None:
    """Move a filed notice to `to` (compare-and-set: a notice is handled once)."""
    if notice.state != ChangeNoticeState.FILED:
        raise RegistrationError("notice_handled")
    claimed = db.session.execute(
        update(ChangeNotice)
        .where(ChangeNotice.id == notice.id, ChangeNotice.state == ChangeNoticeState.FILED)
        .values(state=to, handled_by_id=actor.id, handled_at=utcnow(), response=response)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise RegistrationError("notice_handled")
    db.session.refresh(notice)
    audit.record(f"change_notice.{to.value}", notice,
                 {"registration": notice.registration_id, "state": [ChangeNoticeState.FILED.value, to.value],
                  "response": response}, actor=actor)


def accept_change_notice(notice: ChangeNotice, actor, message: str = "", today: date | None = None) -> None:
    """The secretariat accepts a filed change notice: state accepted, handled_by/at.

    The organisation takes the new details (through `update_organisation`, past the lock, which
    derives the location again and writes its own audit entry); the registration gets a new
    version of its details from today (JST), recording the day the change took effect; the
    certificate is reissued (再交付: its data now carries the new details and today's date, so the
    earlier PDF is no longer served). The filer is mailed (the members, if the filer is gone).
    Refused when the notice was handled already or the registration is no longer valid."""
    from portal.core.location import derive_location
    from portal.organisations.operations import update_organisation
    from portal.registrations import details

    today = today or today_jst()
    registration = notice.registration
    if notice.state != ChangeNoticeState.FILED:
        raise RegistrationError("notice_handled")
    if not is_live(registration, today):
        raise RegistrationError("not_active")
    _handle(notice, ChangeNoticeState.ACCEPTED, actor, (message or "").strip() or None)
    organisation = registration.organisation
    new_values = {field: new for field, (_old, new) in (notice.changes or {}).items()
                  if field in details.CERTIFIED_FIELDS}
    values = {**details.values_of(organisation), **new_values}
    found = derive_location(values["address"], values["postal_code"])  # as update_organisation derives it
    values.update(municipality_code=found.municipality_code, in_city=found.in_city)
    # The version first: a registration without one gets its first from the organisation as it
    # still is, before it takes the new details.
    details.open_version(registration, values, today, notice=notice, changed_on=notice.effective_on)
    update_organisation(organisation, new_values, actor, certified=True)
    _mail_filer(notice, "registrations/mail/change_accepted.txt",
                certificate=external_url("registrations.certificate", registration_id=registration.id))


def return_change_notice(notice: ChangeNotice, actor, reason: str) -> None:
    """The secretariat returns a filed change notice, saying why (required): state returned,
    handled_by/at, the reason as the response. Nothing changes. The filer is mailed (the
    members, if the filer is gone), who may file a corrected notice."""
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("reason_required_return")
    _handle(notice, ChangeNoticeState.RETURNED, actor, reason)
    _mail_filer(notice, "registrations/mail/change_returned.txt")


def _mail_filer(notice: ChangeNotice, template: str, **context) -> None:
    from portal.accounts.models import User

    registration = notice.registration
    filer = db.session.get(User, notice.filed_by_id) if notice.filed_by_id else None
    recipients = [filer] if filer is not None else [m.user for m in registration.organisation.memberships]
    link = external_url("registrations.show", registration_id=registration.id)
    for person in recipients:
        queue_mail(person.email, template, person.locale, user=person, registration=registration,
                   organisation=registration.organisation, notice=notice, rows=change_rows(notice.changes or {}),
                   link=link, **context)


# --- reminders before the term ends ---------------------------------------------------------------

@dataclass(frozen=True)
class Reminded:
    six_months: int
    one_month: int
    mails: int


def _reminded_for_this_term(stamp: datetime | None, window_start: date) -> bool:
    """A reminder stamp counts only for the present term: one sent before the window opened
    belongs to an earlier term (the registration has been renewed since)."""
    return stamp is not None and stamp.astimezone(JST).date() >= window_start


def send_term_reminders(today: date | None = None, now: datetime | None = None) -> Reminded:
    """Remind every member of each valid registration whose term ends within six months, and
    again within one month, in their language, with the renewal link.

    Sets `reminded_6m_at` / `reminded_1m_at`; a registration first seen within one month gets
    the one-month reminder only (both are marked). Safe to run daily and more than once: a
    reminder already sent for the present term is not sent again. Withdrawn, revoked and
    expired registrations get none. The users of the institutions each organisation consents
    to are mailed a list of their organisations (portal.partners.notifications). One query for
    the registrations, one for the members, one for the institutions' users, one insert for the
    mails and one for the audit entries.
    """
    from portal.organisations.models import Membership, Organisation

    now = now or utcnow()
    today = today or now.astimezone(JST).date()
    stamp = datetime.combine(today, now.astimezone(JST).timetz()).astimezone(UTC)
    candidates = db.session.scalars(
        select(Registration)
        .where(Registration.state == RegistrationState.ACTIVE,
               Registration.valid_until >= today, Registration.valid_until <= add_months(today, 6))
        .options(joinedload(Registration.organisation).selectinload(Organisation.memberships)
                 .selectinload(Membership.user))
        .order_by(Registration.id)
        .with_for_update(skip_locked=True, of=Registration)
    ).unique().all()

    mails, entries, reminded = [], [], []
    counts = {"6m": 0, "1m": 0}
    for registration in candidates:
        if documents.status_on(registration, today) != documents.ACTIVE:
            continue
        start_1m, start_6m = add_months(registration.valid_until, -1), add_months(registration.valid_until, -6)
        sent_1m = _reminded_for_this_term(registration.reminded_1m_at, start_1m)
        sent_6m = _reminded_for_this_term(registration.reminded_6m_at, start_6m)
        if today >= start_1m and not sent_1m:
            kind, months = "1m", 1
            registration.reminded_1m_at = stamp
            if not sent_6m:  # too late for the six-month reminder: it is not sent afterwards
                registration.reminded_6m_at = stamp
        elif today >= start_6m and not sent_6m:
            kind, months = "6m", 6
            registration.reminded_6m_at = stamp
        else:
            continue
        counts[kind] += 1
        reminded.append((registration, months))
        link = external_url("applications.renew", registration_id=registration.id)
        members = [m.user for m in registration.organisation.memberships]
        for member in members:
            mails.append({"recipient": member.email, "template": "registrations/mail/reminder.txt",
                          "locale": member.locale, "user": member, "registration": registration,
                          "organisation": registration.organisation, "months": months, "link": link,
                          "page": external_url("registrations.show", registration_id=registration.id)})
        entries.append((registration.id, {"reminder": kind, "valid_until": registration.valid_until.isoformat(),
                                          "recipients": len(members)}))
    db.session.flush()
    # The supporting institutions that the organisations consent to are told too (one query).
    from portal.partners.notifications import term_ending_mails

    sent = queue_many(mails + term_ending_mails(reminded))
    audit.record_many("registration.reminded", Registration.__tablename__, entries)
    return Reminded(six_months=counts["6m"], one_month=counts["1m"], mails=sent)
