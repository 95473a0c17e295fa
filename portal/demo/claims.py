"""Demo claims of registrants imported from before the portal: KS02-0001 already claimed with
the code of a claim letter by claimed@example.jp, and KS01-0002 asked for by
claimant@example.jp, waiting for the secretariat. Through the operations; idempotent."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.claims import operations
from portal.core.extensions import db
from portal.core.roles import Role
from portal.registrations.models import Registration

CLAIMED = ("claimed@example.jp", "古賀 継", "KS02-0001", {
    "representative_title": "代表取締役", "representative_name": "古賀 継", "contact_name": "古賀 継",
    "contact_department": "総務部", "contact_phone": "096-000-2001", "contact_email": "claimed@example.jp"})
WAITING = ("claimant@example.jp", "引継 待子", "KS01-0002", {
    "representative_title": "代表", "representative_name": "引継 待子", "contact_name": "引継 待子",
    "contact_department": "", "contact_phone": "096-000-2002", "contact_email": "claimant@example.jp"})


def _account(email: str, name: str, password: str):
    return accounts.find_by_email(email) or accounts.create_account(email, name, Role.APPLICANT, "ja",
                                                                    password=password)


def seed_claims(password: str, secretariat) -> None:
    email, name, number, completed = CLAIMED
    user = _account(email, name, password)
    registration = db.session.scalar(select(Registration).where(Registration.number == number))
    if user.membership is None and registration is not None and not operations.is_claimed(registration.organisation_id):
        code = operations.issue_codes([registration], secretariat)[registration.id]
        operations.claim_with_code(number, code, user, completed)

    email, name, number, completed = WAITING
    user = _account(email, name, password)
    registration = db.session.scalar(select(Registration).where(Registration.number == number))
    if (user.membership is None and registration is not None and operations.waiting_claim_of(user) is None
            and not operations.is_claimed(registration.organisation_id)):
        organisation = registration.organisation
        found = operations.find_claimable(number, organisation.corporate_number, organisation.name,
                                          organisation.postal_code)
        if found is not None:
            operations.request_claim(found, user, completed, "創業者の家族です。登録当時の担当者は退職しました。")
