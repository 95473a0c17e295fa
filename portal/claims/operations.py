"""Claim operations: the only place claims, claim codes and the ownership they give change.

A registration imported from before the portal has an organisation without members. A person
with a verified account takes it over either by a request the secretariat approves, or at once
with a single-use code from a posted claim letter. Either way `_take_over` makes them the
organisation's owner — compare-and-set on "the organisation has no member", so two approvals,
or a code and an approval, racing never give two owners — records the contact details they
completed on the organisation, and the representative only where the registration's certified
details have none (imports carry none): a representative that differs from a certified one is
filed as a 変更届 for the secretariat to accept or return, never taken over unreviewed.

Each operation checks the state, changes it, writes the audit log and queues the mails it names
(sent after commit, in each recipient's language).
"""
from __future__ import annotations

import hashlib
import secrets
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from portal.accounts.models import User
from portal.claims.models import ClaimCode, ClaimMethod, ClaimState, RegistrationClaim
from portal.core import audit, japanese
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst
from portal.core.links import external_url
from portal.core.outbox import queue_mail
from portal.core.roles import Role
from portal.organisations import operations as organisations
from portal.organisations.models import Membership, Organisation, OrganisationKind
from portal.registrations import details as certified
from portal.registrations.documents import normalise_number
from portal.registrations.models import ChangeNotice, ChangeNoticeState, Registration

# What a claimant completes that an import does not carry.
REPRESENTATIVE_FIELDS = ("representative_title", "representative_name")
CONTACT_FIELDS = ("contact_name", "contact_department", "contact_phone", "contact_email")
DETAIL_FIELDS = (*REPRESENTATIVE_FIELDS, *CONTACT_FIELDS)

# Claim codes: 12 characters without look-alikes (no 0/O, 1/I/L), printed in groups of four.
# 31 ** 12 ≈ 2 ** 59 codes: with guessing rate-limited, a random hit is out of reach.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4


class ClaimError(ValueError):
    """A claim operation that cannot be done; `code` names why (see ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


ERRORS = {
    # One answer for a number that does not exist, wrong identifying details and a registration
    # already claimed: nothing about the register can be learnt by trying.
    "no_match": _l("We could not match these details with a registration that can be claimed. Check the "
                   "registration number and the corporate number (or the name and postal code) as they "
                   "appear on the certificate."),
    "wrong_code": _l("This code does not match this registration number. Type both as printed on the letter."),
    "expired_code": _l("This code has expired or was replaced by a newer letter. Ask the secretariat for a "
                       "new letter, or ask to claim the registration without a code."),
    "used_code": _l("This code has already been used."),
    "claimed": _l("This registration has already been claimed. If you belong to the organisation, ask its "
                  "owner to invite you."),
    "has_organisation": _l("Your account already belongs to an organisation."),
    "inactive": _l("This account has been deactivated."),
    "not_verified": _l("Confirm your e-mail address first: follow the link in the mail we sent you."),
    "waiting": _l("You already asked to claim a registration; the secretariat will answer by e-mail."),
    "decided": _l("This claim has already been decided."),
    "reason_required": _l("Give the reason for the refusal: the claimant reads it."),
    # What the secretariat reads when the claimant's account changed since they asked.
    "claimant_inactive": _l("The claimant's account has been deactivated: the claim cannot be approved. Refuse it."),
    "claimant_not_verified": _l("The claimant has not confirmed their e-mail address: the claim cannot be "
                                "approved until they do."),
    "claimant_has_organisation": _l("The claimant's account already belongs to an organisation: the claim cannot "
                                    "be approved. Refuse it."),
}


def error_text(error: ClaimError) -> str:
    return str(ERRORS.get(error.code, _l("This cannot be done now.")))


# --- finding a registration that can be claimed ----------------------------------------------------

def is_claimed(organisation_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Membership.organisation_id == organisation_id))))


def find_claimable(number: str, corporate_number: str | None = None, name: str | None = None,
                   postal_code: str | None = None) -> Registration | None:
    """The registration with `number` whose organisation has no member yet, if the identifying
    details match what is on file: the 法人番号 for a corporation, the name (folded: width, kana,
    spaces) and the postal code for a group or a sole proprietor. None in every other case,
    whichever the reason."""
    canonical = normalise_number(number or "")
    registration = db.session.scalar(select(Registration).where(Registration.number == canonical)) \
        if canonical else None
    if registration is None or is_claimed(registration.organisation_id):
        return None
    organisation = registration.organisation
    if organisation.kind == OrganisationKind.CORPORATION:
        matches = bool(corporate_number) and corporate_number == organisation.corporate_number
    else:
        matches = (bool(name) and bool(postal_code) and not corporate_number
                   and japanese.search_key(name) == japanese.search_key(organisation.name)
                   and postal_code == organisation.postal_code)
    return registration if matches else None


def _check_claimant(user: User) -> None:
    if not user.active:
        raise ClaimError("inactive")
    if user.role != Role.APPLICANT or user.membership is not None:
        raise ClaimError("has_organisation")
    if not user.email_verified:
        raise ClaimError("not_verified")


def waiting_claim_of(user: User) -> RegistrationClaim | None:
    return db.session.scalar(select(RegistrationClaim).where(
        RegistrationClaim.user_id == user.id, RegistrationClaim.state == ClaimState.WAITING))


def _clean(values: dict) -> dict:
    return {field: (values.get(field) or "").strip() for field in DETAIL_FIELDS}


# --- claim by request -------------------------------------------------------------------------

def request_claim(registration: Registration, user: User, values: dict, note: str = "") -> RegistrationClaim:
    """A verified applicant without an organisation asks to claim `registration` (found by
    `find_claimable`), with the representative and contact details they complete and a note.
    Stores a waiting claim; audited; the claimant is mailed a confirmation and every active
    secretariat account is mailed that a claim waits. Refused ("has_organisation",
    "not_verified", "waiting") without storing anything."""
    _check_claimant(user)
    if waiting_claim_of(user) is not None:
        raise ClaimError("waiting")
    claim = RegistrationClaim(registration=registration, user_id=user.id, method=ClaimMethod.REQUEST,
                              state=ClaimState.WAITING, note=(note or "").strip() or None, details=_clean(values))
    db.session.add(claim)
    db.session.flush()
    audit.record("claim.requested", claim, {"registration": registration.id, "number": registration.number},
                 actor=user)
    context = {"registration": registration, "organisation": registration.organisation, "claim": claim}
    queue_mail(user.email, "claims/mail/requested.txt", user.locale, user=user,
               link=external_url("claims.start"), **context)
    secretariat = db.session.scalars(select(User).where(User.role == Role.SECRETARIAT, User.active.is_(True))
                                     .order_by(User.id)).all()
    for person in secretariat:
        queue_mail(person.email, "claims/mail/waiting.txt", person.locale, user=person, claimant=user,
                   link=external_url("staff_claims.show", claim_id=claim.id), **context)
    return claim


def approve_claim(claim: RegistrationClaim, actor: User, today: date | None = None) -> None:
    """The secretariat approves a waiting claim: the claimant becomes the organisation's owner
    with the details they completed (see `_take_over`); other waiting claims of the registration
    are refused. State approved, decided_at/by; audited; the claimant is mailed once (with the
    change notice filed for their representative, if any). Refused ("decided", "claimed",
    "claimant_inactive", "claimant_not_verified", "claimant_has_organisation": the account
    changed since the request) with nothing changed: the view rolls back."""
    _lock(claim.registration.organisation_id)
    user = claim.user
    try:
        _check_claimant(user)
    except ClaimError as error:
        raise ClaimError(f"claimant_{error.code}") from None
    _decide(claim, ClaimState.APPROVED, actor, None)
    representative = _take_over(claim.registration, user, claim.details or {}, actor, today or today_jst(),
                                claim=claim)
    queue_mail(user.email, "claims/mail/approved.txt", user.locale, user=user, registration=claim.registration,
               organisation=claim.registration.organisation, representative=representative,
               link=external_url("registrations.show", registration_id=claim.registration_id))


def refuse_claim(claim: RegistrationClaim, actor: User, reason: str) -> None:
    """The secretariat refuses a waiting claim, saying why (required). State refused,
    decided_at/by, response; audited; the claimant is mailed the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError("reason_required")
    _decide(claim, ClaimState.REFUSED, actor, reason)
    _mail_refused(claim)


def _mail_refused(claim: RegistrationClaim) -> None:
    user = claim.user
    queue_mail(user.email, "claims/mail/refused.txt", user.locale, user=user, registration=claim.registration,
               organisation=claim.registration.organisation, claim=claim, link=external_url("claims.start"))


def _decide(claim: RegistrationClaim, to: ClaimState, actor, response: str | None) -> None:
    """Move a waiting claim to `to` (compare-and-set: a claim is decided once)."""
    moved = db.session.execute(
        update(RegistrationClaim)
        .where(RegistrationClaim.id == claim.id, RegistrationClaim.state == ClaimState.WAITING)
        .values(state=to, decided_at=utcnow(), decided_by_id=actor.id if actor else None, response=response)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise ClaimError("decided")
    db.session.refresh(claim)
    audit.record(f"claim.{to.value}", claim, {"registration": claim.registration_id, "state": ["waiting", to.value],
                                              "response": response}, actor=actor)


@dataclass
class Representative:
    """What became of the representative a claimant completed: `filled` the certified fields
    that were empty ({field: value}), `filed` the 変更届 waiting for the secretariat with the
    ones that differ, `kept` the ones that differ on a registration that can no longer take a
    変更届 ({field: [certified, typed]}: left as they are)."""
    filled: dict = dataclasses.field(default_factory=dict)
    filed: ChangeNotice | None = None
    kept: dict = dataclasses.field(default_factory=dict)


@dataclass
class Claimed:
    registration: Registration
    representative: Representative


# --- claim by code ----------------------------------------------------------------------------

def normalise_code(text: str) -> str:
    """What someone typed from the letter (lower case, full width, spaces, dashes) as the code."""
    folded = japanese.normalize(text or "").upper()
    return "".join(c for c in folded if c.isalnum())


def code_hash(code: str) -> str:
    # A plain digest suffices: ~59 random bits cannot be searched from a leaked table, and the
    # codes do not depend on SECRET_KEY (a key rotation would void every posted letter).
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def claim_with_code(number: str, code: str, user: User, values: dict, today: date | None = None) -> Claimed:
    """Claim a registration at once with the code of its claim letter: the user becomes the
    owner (see `_take_over`), the code is used (compare-and-set: single use) and waiting
    requests for the registration are refused. Audited; the user is mailed once. Refused
    ("wrong_code", "expired_code", "used_code", "claimed", "has_organisation", "not_verified")
    with nothing changed: the view rolls back."""
    _check_claimant(user)
    canonical = normalise_number(number or "")
    found = db.session.scalar(select(ClaimCode).where(ClaimCode.code_hash == code_hash(code)))
    registration = db.session.get(Registration, found.registration_id) if found is not None else None
    if registration is None or registration.number != canonical:
        raise ClaimError("wrong_code")
    _lock(registration.organisation_id)
    db.session.refresh(found)
    if found.used_at is not None:
        raise ClaimError("used_code")
    if is_claimed(registration.organisation_id):
        raise ClaimError("claimed")
    now = utcnow()
    if found.expires_at <= now:
        raise ClaimError("expired_code")
    used = db.session.execute(
        update(ClaimCode).where(ClaimCode.id == found.id, ClaimCode.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise ClaimError("used_code")
    claim = RegistrationClaim(registration=registration, user_id=user.id, method=ClaimMethod.CODE,
                              state=ClaimState.APPROVED, details=_clean(values), decided_at=now)
    db.session.add(claim)
    db.session.flush()
    audit.record("claim.code_used", claim, {"registration": registration.id, "code": found.id}, actor=user)
    representative = _take_over(registration, user, claim.details, user, today or today_jst(), claim=claim)
    queue_mail(user.email, "claims/mail/claimed.txt", user.locale, user=user, registration=registration,
               organisation=registration.organisation, representative=representative,
               link=external_url("registrations.show", registration_id=registration.id))
    return Claimed(registration, representative)


# --- taking over ----------------------------------------------------------------------------

def _lock(organisation_id: int) -> None:
    """Lock the organisation's row (PostgreSQL) before anything of a claim changes, so that
    claims of one organisation — approvals, codes and the refusals they cause — run one after the
    other, in one order (no deadlock). SQLite has no row locks: it serialises writers."""
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


def _take_over(registration: Registration, user: User, values: dict, actor: User, today: date, *,
               claim: RegistrationClaim) -> Representative:
    """Make `user` the owner of the registration's organisation, if it still has no member.

    The organisation row is locked and then updated only where no membership exists: on
    PostgreSQL a racing claim waits for the lock and its fresh statement sees the first owner;
    SQLite serialises writers. The contact details go onto the organisation; the representative
    as `_record_representative` says. Other waiting claims of the registration are refused (and
    mailed). Mails nothing to the claimant: the caller sends the one mail of the claim."""
    organisation_id = registration.organisation_id
    _lock(organisation_id)
    taken = db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation_id,
               ~exists().where(Membership.organisation_id == organisation_id))
        .values(updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise ClaimError("claimed")
    organisation = registration.organisation
    organisations.add_owner(organisation, user)
    values = _clean(values)
    audit.record("organisation.claimed", organisation,
                 {"owner": user.email, "registration": registration.number, "method": claim.method.value},
                 actor=actor)
    # Contact details are not certified: the profile's own operation saves them (and logs them).
    organisations.update_organisation(organisation, {field: values[field] or None for field in CONTACT_FIELDS},
                                      actor)
    representative = _record_representative(registration, organisation, values, user, actor, today)
    db.session.flush()
    db.session.expire(user, ["membership"])
    _refuse_others(registration, claim, actor)
    return representative


def _record_representative(registration, organisation, values: dict, user, actor, today: date) -> Representative:
    """The representative the claimant completed, against the registration's certified details.

    A field the certified details leave empty (an import carries none) is filled at once: a
    変更届 filed by the claimant, effective today, accepted by the staff member who approved the
    claim (by nobody, with a code: filling a blank needs no review) and the registration's next
    dated version. A field that differs from a certified value is not changed: on a valid
    registration it is filed as a 変更届 waiting for the secretariat, who accepts or returns it
    like any other; on one whose term has ended (no 変更届 can be accepted there) it is kept and
    the claimant told. Nothing is mailed here."""
    from portal.registrations import operations as registrations

    typed = {field: values[field] for field in REPRESENTATIVE_FIELDS if values[field]}
    blank = {field: ["", value] for field, value in typed.items() if not getattr(organisation, field)}
    differs = {field: [getattr(organisation, field), value] for field, value in typed.items()
               if field not in blank and getattr(organisation, field) != value}
    outcome = Representative(filled={field: new for field, (_old, new) in blank.items()})
    if blank:
        notice = _file_notice(registration, blank, user, today)
        reviewer = actor if actor.id != user.id else None
        notice.state, notice.handled_at = ChangeNoticeState.ACCEPTED, utcnow()
        notice.handled_by_id = reviewer.id if reviewer is not None else None
        for field, (_old, new) in blank.items():
            setattr(organisation, field, new)
        certified.open_version(registration, certified.values_of(organisation), today, notice=notice,
                               changed_on=today)
        audit.record("change_notice.accepted", notice, {"registration": registration.id,
                                                         "state": ["filed", "accepted"], "claim": True,
                                                         "blank_filled": True}, actor=reviewer or user)
    if differs and registrations.is_live(registration, today) and registrations.waiting_notice(registration) is None:
        outcome.filed = _file_notice(registration, differs, user, today)
    elif differs:
        outcome.kept = differs
    return outcome


def _file_notice(registration, changes: dict, user, today: date) -> ChangeNotice:
    """A 変更届 of the claimant's representative, filed (effective today); audited."""
    notice = ChangeNotice(registration_id=registration.id, filed_by_id=user.id, changes=changes, note=None,
                          state=ChangeNoticeState.FILED, effective_on=today)
    db.session.add(notice)
    db.session.flush()
    audit.record("change_notice.filed", notice, {"registration": registration.id, "changes": changes,
                                                 "effective_on": today.isoformat(), "claim": True}, actor=user)
    return notice


def _refuse_others(registration: Registration, kept: RegistrationClaim, actor) -> None:
    others = db.session.scalars(select(RegistrationClaim).where(
        RegistrationClaim.registration_id == registration.id, RegistrationClaim.state == ClaimState.WAITING,
        RegistrationClaim.id != kept.id)).all()
    for other in others:
        with force_locale(other.user.locale):  # the response is the claimant's to read
            response = str(_l("The registration was claimed by someone else."))
        _decide(other, ClaimState.REFUSED, actor, response)
        _mail_refused(other)


# --- claim letters ----------------------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def unclaimed(cohort_id: int) -> list[Registration]:
    """The cohort's registrations whose organisation has no member, in number order."""
    return list(db.session.scalars(
        select(Registration).where(Registration.cohort_id == cohort_id,
                                   ~exists().where(Membership.organisation_id == Registration.organisation_id))
        .order_by(Registration.sequence)))


def code_last_day(today: date) -> date:
    """The last day a claim code made on `today` (JST) works, as its letter prints it."""
    return today + timedelta(days=int(current_app.config["CLAIM_CODE_DAYS"]))


def code_expiry(last_day: date) -> datetime:
    """When a code whose letter prints `last_day` stops working: the start of the next day in
    JST, so that it works through the whole printed day."""
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=JST).astimezone(timezone.utc)


def issue_codes(registrations: list[Registration], actor: User, last_day: date | None = None) -> dict[int, str]:
    """A new claim code for each registration (registration id → code, returned once, never
    stored in clear): earlier unused codes of the same registrations stop working (they expire
    now). Codes work through `last_day` in JST (by default `code_last_day` of today), the day
    their letters print. Audited once for the batch; nothing is mailed."""
    now = utcnow()
    ids = [registration.id for registration in registrations]
    if not ids:
        return {}
    db.session.execute(update(ClaimCode).where(ClaimCode.registration_id.in_(ids), ClaimCode.used_at.is_(None),
                                               ClaimCode.expires_at > now)
                       .values(expires_at=now).execution_options(synchronize_session=False))
    expires = code_expiry(last_day or code_last_day(today_jst()))
    codes = {registration_id: new_code() for registration_id in ids}
    db.session.execute(ClaimCode.__table__.insert(), [
        {"registration_id": registration_id, "code_hash": code_hash(code), "created_at": now, "expires_at": expires,
         "issued_by_id": actor.id} for registration_id, code in codes.items()])
    audit.record("claim.letters_made", registrations[0].cohort,
                 {"registrations": len(ids), "expires_at": expires.isoformat()}, actor=actor)
    return codes
