"""Organisation operations: the only place organisations and their members change."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.accounts import tokens
from portal.core import audit, japanese, location
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.links import external_url
from portal.core.outbox import queue_mail
from portal.core.roles import Role
from portal.organisations.models import Invitation, ListingNotice, Membership, Organisation

INVITATION_MAX_AGE = 14 * 24 * 3600


class OrganisationError(ValueError):
    """An organisation operation that cannot be done; the code names the reason."""


def _with_location(data: dict, current: Organisation | None = None) -> dict:
    """The profile plus what follows from it: municipality, in-city flag, address/postal-code
    mismatch, and the folded name the searches use."""
    def value(field: str) -> str:
        return data[field] if field in data or current is None else getattr(current, field)

    found = location.derive_location(value("address"), value("postal_code"))
    return {
        **data,
        "municipality_code": found.municipality_code,
        "in_city": found.in_city,
        "location_mismatch": found.mismatch,
        "search_key": japanese.search_key(value("name"), value("name_kana")),
    }


def create_organisation(owner: User, data: dict) -> Organisation:
    """Create an organisation from its profile with `owner` as its owner member."""
    if owner.role != Role.APPLICANT or owner.membership is not None:
        raise OrganisationError("has_organisation")
    organisation = Organisation(**_with_location(data))
    organisation.memberships.append(Membership(user=owner, is_owner=True))
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", organisation,
                 {"name": organisation.name, "municipality_code": organisation.municipality_code},
                 actor=owner)
    return organisation


def update_organisation(organisation: Organisation, data: dict, actor: User, *, certified: bool = False) -> dict:
    """Save a changed profile; the location is derived again. Returns the changed fields.

    While a live registration locks the certified details (`portal.registrations.lock`), a change
    of any of them is refused ("certified_locked", nothing changes): only an accepted 変更届 changes
    them, calling this with `certified=True`."""
    if not certified:
        from portal.registrations.lock import LOCKED_FIELDS, is_locked

        touched = [field for field in LOCKED_FIELDS if field in data and data[field] != getattr(organisation, field)]
        if touched and is_locked(organisation):
            raise OrganisationError("certified_locked")
    changes = audit.diff(organisation, _with_location(data, organisation))
    changes.pop("search_key", None)  # follows from the name; not worth a line in the log
    if changes:
        audit.record("organisation.updated", organisation, changes, actor=actor)
    return changes


def add_owner(organisation: Organisation, user: User) -> Membership:
    """Make `user` the owner of an organisation that has no member (a registrant imported from
    before the portal, claimed). The caller makes sure nobody took it meanwhile and writes the
    audit entry that says why."""
    if user.role != Role.APPLICANT or user.membership is not None:
        raise OrganisationError("has_organisation")
    membership = Membership(organisation_id=organisation.id, user_id=user.id, is_owner=True)
    db.session.add(membership)
    return membership


def invite_member(organisation: Organisation, email: str, actor: User) -> Invitation:
    """Record an invitation and mail `email` a link to join the organisation.

    The mail goes to someone who did not ask for it, from the prefecture's sender: its subject
    is fixed, and the names the inviter typed are quoted as theirs. Refused ("user_limit",
    "organisation_limit") once the inviter or the organisation has sent the day's allowance
    (INVITATIONS_PER_USER_PER_DAY, INVITATIONS_PER_ORGANISATION_PER_DAY, over the last 24
    hours); then nothing is stored or mailed.
    """
    refusal = _invitation_limit(organisation, actor)
    if refusal is not None:
        raise OrganisationError(refusal)
    invitation = Invitation(organisation=organisation, email=email.lower(), invited_by=actor)
    db.session.add(invitation)
    db.session.flush()
    audit.record("organisation.member_invited", organisation, {"email": invitation.email}, actor=actor)
    existing = db.session.scalar(select(User).where(User.email == invitation.email))
    queue_mail(invitation.email, "organisations/mail/invitation.txt", existing.locale if existing else actor.locale,
               organisation_name=_one_line(organisation.name), inviter_name=_one_line(actor.name),
               inviter_email=actor.email,
               link=external_url("organisations.invitation", token=tokens.make("invite", invitation.id)))
    return invitation


def _invitation_limit(organisation: Organisation, actor: User) -> str | None:
    """Which daily allowance of invitations is used up, if any."""
    since = utcnow() - timedelta(days=1)
    recent = select(func.count(Invitation.id)).where(Invitation.created_at >= since)
    config = current_app.config
    if db.session.scalar(recent.where(Invitation.invited_by_id == actor.id)) >= config["INVITATIONS_PER_USER_PER_DAY"]:
        return "user_limit"
    if (db.session.scalar(recent.where(Invitation.organisation_id == organisation.id))
            >= config["INVITATIONS_PER_ORGANISATION_PER_DAY"]):
        return "organisation_limit"
    return None


def _one_line(text: str) -> str:
    """Typed text quoted in a mail stays on its line: a line break could pass it off as ours."""
    return " ".join(text.split())


def invitation_for(token: str) -> Invitation | None:
    invitation_id = tokens.read("invite", token, INVITATION_MAX_AGE)
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.accepted_at is not None:
        return None
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Make `user` a member. The invitation must be for their address, and they may belong to
    no other organisation. Following the mailed link proves the address."""
    if invitation.accepted_at is not None:
        raise OrganisationError("used")
    if user.email != invitation.email:
        raise OrganisationError("other_address")
    if user.role != Role.APPLICANT or user.membership is not None:
        raise OrganisationError("has_organisation")
    membership = Membership(organisation=invitation.organisation, user=user, is_owner=False)
    db.session.add(membership)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("organisation.member_joined", invitation.organisation, {"email": user.email}, actor=user)
    return membership


@dataclass(frozen=True)
class ListingNotices:
    organisations: int  # notices settled by this run
    mails: int


def send_listing_notices(today: date | None = None) -> ListingNotices:
    """Tell the members of every organisation that had withdrawn from the public directory
    (`ListingNotice`, recorded by migration 0015) that it is listed again, and why: one mail per
    member, in their language, with the way off the register (withdrawing the registration, 辞退).

    Each notice is settled once: its `sent_at` is set by a compare-and-set in the transaction
    that queues the mails, so of two runs at once only one mails, and a second run finds nothing.
    An organisation not listed today (its registration has ended) is settled without a mail; so
    is one without members (imported, not yet claimed). An audit entry per organisation."""
    from portal.directory.queries import listed
    from portal.registrations.models import Registration

    today = today or today_jst()
    pending = db.session.scalars(select(ListingNotice).where(ListingNotice.sent_at.is_(None))
                                 .order_by(ListingNotice.organisation_id)).all()
    settled = mails = 0
    for notice in pending:
        organisation = notice.organisation
        registration = db.session.scalar(
            select(Registration).join(Organisation, Registration.organisation_id == Organisation.id)
            .where(Registration.organisation_id == organisation.id, listed(today)).limit(1))
        members = [m.user for m in organisation.memberships] if registration is not None else []
        claimed = db.session.execute(
            update(ListingNotice)
            .where(ListingNotice.organisation_id == organisation.id, ListingNotice.sent_at.is_(None))
            .values(sent_at=utcnow(), mails=len(members))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue  # another run told them
        for member in members:
            queue_mail(member.email, "organisations/mail/listed_again.txt", member.locale, user=member,
                       organisation=organisation, registration=registration,
                       link=external_url("registrations.show", registration_id=registration.id),
                       public_page=external_url("directory.show", number=registration.number))
        audit.record("organisation.listing_notice", organisation,
                     {"listed": registration is not None, "mails": len(members)}, actor=None)
        settled += 1
        mails += len(members)
    return ListingNotices(settled, mails)
