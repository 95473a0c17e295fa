"""What a partner institution sees, in SQL: the organisations that consent to it, each with the
state of its registration or application, filtered, searched, counted and exported by one query
(never one per organisation). Every query here starts from the institution's live consents, so
an organisation that chose another institution, or withdrew its consent, is never in a result."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from portal.applications.models import Application, ApplicationRevision
from portal.core import japanese
from portal.core.extensions import db
from portal.core.paging import contains
from portal.organisations.models import Organisation
from portal.partners.models import PartnerConsent, SupportRecord
from portal.registrations import documents
from portal.registrations.models import Registration
from portal.registrations.queries import status_condition
from portal.registrations.terms import add_months

# Where a supported organisation stands, as its institution sees it (in this order on the page).
APPLYING, UNDER_REVIEW, REGISTERED, ENDING, EXPIRED = "applying", "under_review", "registered", "ending", "expired"
ENDED, NOT_REGISTERED, NO_APPLICATION = "ended", "not_registered", "no_application"
STATUSES = (APPLYING, UNDER_REVIEW, REGISTERED, ENDING, EXPIRED, ENDED, NOT_REGISTERED, NO_APPLICATION)
STATUS_TITLES = {
    APPLYING: _l("Applying"),
    UNDER_REVIEW: _l("Under review"),
    REGISTERED: _l("Registered and valid"),
    ENDING: _l("Term ends within six months"),
    EXPIRED: _l("Expired"),
    ENDED: _l("Registration ended (withdrawn or revoked)"),
    NOT_REGISTERED: _l("Not registered"),
    NO_APPLICATION: _l("No application in progress"),
}
ENDING_MONTHS = 6
# Application states as the applicant sees them: recommendations stay internal to staff.
_APPLYING_STATES = ("draft", "submitted", "returned")
_REVIEW_STATES = ("under_review", "recommended_approval", "recommended_rejection")


def _supported(institution_id: int):
    """(organisation id, its latest registration, its latest live application's state) for
    every organisation with a live consent to the institution: a subquery."""
    latest_registration = aliased(Registration)
    latest_application = aliased(Application)
    registration_id = (select(latest_registration.id)
                       .where(latest_registration.organisation_id == Organisation.id)
                       .order_by(latest_registration.valid_until.desc(), latest_registration.id.desc())
                       .limit(1).correlate(Organisation).scalar_subquery())
    application_state = (select(latest_application.state)
                         .where(latest_application.organisation_id == Organisation.id,
                                latest_application.state != "withdrawn")
                         .order_by(latest_application.id.desc())
                         .limit(1).correlate(Organisation).scalar_subquery())
    return (select(Organisation.id.label("organisation_id"), PartnerConsent.granted_at.label("consented_at"),
                   registration_id.label("registration_id"), application_state.label("application_state"))
            .join(PartnerConsent, and_(PartnerConsent.organisation_id == Organisation.id,
                                       PartnerConsent.institution_id == institution_id,
                                       PartnerConsent.revoked_at.is_(None)))
            .subquery("supported"))


def _status(supported, today: date):
    """The CASE that names each row's status (see STATUSES): a valid registration first, then an
    application in progress, then how the last registration or application ended."""
    state = supported.c.application_state
    live = and_(Registration.id.is_not(None), status_condition(documents.ACTIVE, today)
                | status_condition(documents.UPCOMING, today))
    return case(
        (and_(live, Registration.valid_until <= add_months(today, ENDING_MONTHS)), ENDING),
        (live, REGISTERED),
        (state.in_(_APPLYING_STATES), APPLYING),
        (state.in_(_REVIEW_STATES), UNDER_REVIEW),
        (and_(Registration.id.is_not(None), status_condition(documents.EXPIRED, today)), EXPIRED),
        (Registration.id.is_not(None), ENDED),
        (state == "rejected", NOT_REGISTERED),
        else_=NO_APPLICATION,
    )


def _records(institution_id: int):
    """The institution's support records for the row's organisation: how many, and the latest date."""
    where = (SupportRecord.organisation_id == Organisation.id, SupportRecord.institution_id == institution_id)
    count = select(func.count(SupportRecord.id)).where(*where).correlate(Organisation).scalar_subquery()
    latest = select(func.max(SupportRecord.supported_on)).where(*where).correlate(Organisation).scalar_subquery()
    return count, latest


@dataclass(frozen=True)
class Filters:
    status: str = ""
    where: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        def value(name: str) -> str:
            return (args.get(name) or "").strip()[:100]

        status, where = value("status"), value("where")
        return cls(status if status in STATUSES else "", where if where in ("in_city", "outside") else "", value("q"))

    def as_args(self) -> dict[str, str]:
        return {name: value for name, value in (("status", self.status), ("where", self.where), ("q", self.q))
                if value}


def _search(q: str):
    """Name or reading (folded, any script), registration number, or corporate number."""
    text = japanese.normalize(q)
    conditions = [Organisation.search_key.like(contains(japanese.search_key(text)), escape="\\")]
    number = documents.normalise_number(text)
    if number:
        conditions.append(Registration.number == number)
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))
    if len(digits) == 13:
        conditions.append(Organisation.corporate_number == digits)
    return or_(*conditions)


def supported_query(institution_id: int, today: date, columns, filters: Filters = Filters(),
                    organisation_id: int | None = None):
    """`columns` (callables of (supported, status, record count, latest record)) over the
    institution's supported organisations, filtered and in the list's order (name reading)."""
    supported = _supported(institution_id)
    status = _status(supported, today)
    count, latest = _records(institution_id)
    query = (select(*columns(supported, status, count, latest))
             .select_from(Organisation)
             .join(supported, supported.c.organisation_id == Organisation.id)
             .outerjoin(Registration, Registration.id == supported.c.registration_id))
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    if filters.status:
        query = query.where(status == filters.status)
    if filters.where == "in_city":
        query = query.where(Organisation.in_city.is_(True))
    elif filters.where == "outside":
        query = query.where(Organisation.in_city.is_(False))
    if filters.q:
        query = query.where(_search(filters.q))
    return query.order_by(Organisation.name_kana, Organisation.id)


def page_columns(supported, status, count, latest):
    return (Organisation, Registration, supported.c.consented_at, status.label("status"),
            count.label("records"), latest.label("last_support"), func.count().over().label("total"))


def page_query(institution_id: int, today: date, filters: Filters = Filters(), organisation_id: int | None = None):
    """The list's rows (page_columns). A registration's own eager joins are inner joins, which
    would drop the organisations without one: its cohort is loaded by a second query instead."""
    return supported_query(institution_id, today, page_columns, filters, organisation_id).options(
        lazyload(Registration.organisation), selectinload(Registration.cohort))


def export_columns(supported, status, count, latest):
    return (Organisation.name, Organisation.name_kana, Organisation.corporate_number, Organisation.municipality_code,
            Organisation.in_city, Organisation.industry, Organisation.contact_name, Organisation.contact_phone,
            Organisation.contact_email, Registration.number.label("registration_number"), Registration.registered_on,
            Registration.valid_until, supported.c.consented_at, status.label("status"), count.label("records"),
            latest.label("last_support"))


def status_counts(institution_id: int, today: date) -> dict[str, int]:
    """How many supported organisations are in each status (one query)."""
    query = supported_query(institution_id, today, lambda supported, status, count, latest: (
        status.label("status"), func.count().label("n"))).order_by(None).group_by("status")
    found = dict(db.session.execute(query).all())
    return {status: found.get(status, 0) for status in STATUSES}


def supported_row(institution_id: int, organisation_id: int, today: date):
    """The one row of `organisation_id` (page_columns), or None when it does not consent."""
    return db.session.execute(page_query(institution_id, today, organisation_id=organisation_id)).first()


def latest_revision(organisation_id: int) -> tuple[ApplicationRevision, Application] | None:
    """What the organisation last submitted (vision, key actions): the newest revision of an
    application it has not withdrawn."""
    return db.session.execute(
        select(ApplicationRevision, Application)
        .join(Application, Application.id == ApplicationRevision.application_id)
        .where(Application.organisation_id == organisation_id, Application.state != "withdrawn")
        .order_by(ApplicationRevision.submitted_at.desc(), ApplicationRevision.id.desc()).limit(1)).first()


def records_of(institution_id: int, organisation_id: int) -> list[SupportRecord]:
    """The institution's support records for one organisation, newest first."""
    return list(db.session.scalars(
        select(SupportRecord).where(SupportRecord.institution_id == institution_id,
                                    SupportRecord.organisation_id == organisation_id)
        .order_by(SupportRecord.supported_on.desc(), SupportRecord.id.desc())))


def shared_records(organisation_id: int) -> list[SupportRecord]:
    """The support records every institution marked shareable with the organisation, newest first."""
    return list(db.session.scalars(
        select(SupportRecord).where(SupportRecord.organisation_id == organisation_id, SupportRecord.shared.is_(True))
        .order_by(SupportRecord.supported_on.desc(), SupportRecord.id.desc())))
