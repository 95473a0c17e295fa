"""Mails to partner institutions' users, built in bulk for the operations that send them: the
cohort decision (a supported organisation was registered or renewed) and the term reminders
(a supported organisation's term ends soon). One query for all the institutions' users of all
the organisations concerned; one mail per user, listing their organisations."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.links import external_url
from portal.core.roles import Role
from portal.partners.models import PartnerConsent


def _partner_users(organisation_ids: set[int]) -> tuple[dict[int, User], dict[int, list[int]]]:
    """The users by id, and {user id: [organisation ids]}, for every active partner user whose
    institution the organisations consent to now."""
    if not organisation_ids:
        return {}, {}
    rows = db.session.execute(
        select(User, PartnerConsent.organisation_id)
        .join(PartnerConsent, and_(PartnerConsent.institution_id == User.partner_id,
                                   PartnerConsent.revoked_at.is_(None)))
        .where(PartnerConsent.organisation_id.in_(organisation_ids), User.role == Role.PARTNER,
               User.active.is_(True))
        .order_by(User.id, PartnerConsent.organisation_id)
        .options(joinedload(User.partner))).all()  # the mail greets the institution by name
    users, organisations = {}, defaultdict(list)
    for user, organisation_id in rows:
        users[user.id] = user
        organisations[user.id].append(organisation_id)
    return users, organisations


def registered_mails(cohort, approved, registration_of: dict[int, int]) -> list[dict]:
    """For queue_many: each partner user is told which of the organisations their institution
    supports this decision registered (or renewed), with a link to each one's page."""
    by_organisation = {a.organisation_id: a for a in approved}
    users, organisations = _partner_users(set(by_organisation))
    mails = []
    for user_id, organisation_ids in organisations.items():
        user = users[user_id]
        items = [{"name": by_organisation[o].organisation.name, "renewal": by_organisation[o].kind == "renewal",
                  "link": external_url("partner.organisation", organisation_id=o)} for o in organisation_ids]
        mails.append({"recipient": user.email, "template": "partners/mail/registered.txt", "locale": user.locale,
                      "user": user, "cohort": cohort, "items": items, "dashboard": external_url("partner.dashboard")})
    return mails


def term_ending_mails(reminded: list[tuple]) -> list[dict]:
    """For queue_many: each partner user is told which supported organisations' terms end within
    six months (or one month), with the dates; `reminded` holds (registration, months) pairs."""
    by_organisation = {registration.organisation_id: (registration, months) for registration, months in reminded}
    users, organisations = _partner_users(set(by_organisation))
    mails = []
    for user_id, organisation_ids in organisations.items():
        user = users[user_id]
        for months in sorted({by_organisation[o][1] for o in organisation_ids}):
            items = [{"name": registration.organisation.name, "number": registration.number,
                      "valid_until": registration.valid_until,
                      "link": external_url("partner.organisation", organisation_id=o)}
                     for o in organisation_ids for registration, m in [by_organisation[o]] if m == months]
            mails.append({"recipient": user.email, "template": "partners/mail/term_ending.txt", "locale": user.locale,
                          "user": user, "months": months, "items": items,
                          "dashboard": external_url("partner.dashboard", status="ending")})
    return mails
