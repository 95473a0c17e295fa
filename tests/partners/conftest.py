"""Builders for the partner tests: institutions with English-speaking users (so that the pages'
words are the source strings, whatever the catalogues say), organisations in every status and
their consents, made by the operations where the behaviour matters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from partner_support import TODAY
from portal.core.extensions import db


@dataclass
class Built:
    organisation_id: int
    owner_id: int
    name: str


@pytest.fixture
def partner(make_user):
    """partner(code="bank-a") -> the id of a new English-speaking user of institution `code`."""
    counter = iter(range(1, 1000))

    def build(code: str = "bank-a", **fields) -> int:
        return make_user("partner", partner=code, locale="en", email=f"{code}-{next(counter)}@example.jp", **fields)

    return build


@pytest.fixture
def institution_id(app):
    def find(code: str) -> int:
        from portal.partners.models import PartnerInstitution

        with app.app_context():
            return db.session.scalar(db.select(PartnerInstitution.id).where(PartnerInstitution.code == code))

    return find


@pytest.fixture
def cohort(app):
    """The cohort the organisations' applications and registrations belong to (number 9)."""
    from portal.cohorts import operations as cohorts

    with app.app_context():
        now = datetime.now(UTC)
        made = cohorts.plan_cohort(9, now - timedelta(days=90), now - timedelta(days=60))
        db.session.commit()
        return made.id


@pytest.fixture
def organisation(app, make_user, make_organisation, cohort):
    """organisation(name, consents=("bank-a",), status=None, **profile) -> Built.

    `status` puts it where the partner list shows it: applying, under_review, registered,
    ending, expired, ended, not_registered, or None (no application). Registrations and
    applications are inserted directly: the partner pages only read them."""
    from portal.accounts.models import User
    from portal.applications.models import Application
    from portal.organisations.models import Organisation
    from portal.partners import operations as partners
    from portal.partners.models import PartnerInstitution
    from portal.registrations.models import Registration
    from portal.registrations.terms import term_end

    sequence = iter(range(1, 10_000))

    def build(name: str, consents=("bank-a",), status: str | None = None, **profile) -> Built:
        owner = make_user(locale="en")
        organisation_id = make_organisation(owner, **{"name": name, "kind": "group", "corporate_number": None,
                                                      **profile})
        with app.test_request_context():
            organisation = db.session.get(Organisation, organisation_id)
            user = db.session.get(User, owner)
            if status in ("applying", "under_review", "not_registered"):
                state = {"applying": "submitted", "under_review": "recommended_rejection",
                         "not_registered": "rejected"}[status]
                db.session.add(Application(organisation_id=organisation_id, cohort_id=cohort, state=state))
            elif status is not None:
                number = next(sequence)
                registered_on = {"registered": TODAY - timedelta(days=100), "ending": TODAY - timedelta(days=1000),
                                 "expired": TODAY - timedelta(days=1200), "ended": TODAY - timedelta(days=100)}[status]
                db.session.add(Registration(
                    number=Registration.format_number(9, number), cohort_id=cohort, sequence=number,
                    organisation_id=organisation_id, registered_on=registered_on, valid_until=term_end(registered_on),
                    state="withdrawn" if status == "ended" else "active",
                    ended_on=TODAY - timedelta(days=5) if status == "ended" else None))
            for code in consents:
                institution = db.session.scalar(db.select(PartnerInstitution).where(PartnerInstitution.code == code))
                if institution is None:
                    institution = partners.create_institution(code, code, code, "bank")
                partners.grant_consents(organisation, {institution.id}, user)
            db.session.commit()
        return Built(organisation_id, owner, name)

    return build
