"""The review queue's filters, in one place: the queue page and its export (CSV/XLSX) read the
same arguments and select the same applications in the same order, so a download is always
"what the page shows, on every page".

Without any filter in the query string the queue opens on today's work: the current cohort's
actionable applications (submitted, or under review — which is where a corrected resubmission
lands), the most recently submitted first."""
from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import Select, or_, select

from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.cohorts.models import Cohort, CohortState
from portal.core import japanese
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.paging import contains
from portal.core.reference.municipalities import KUMAMOTO_CITY
from portal.organisations.models import Organisation

S = ApplicationState
QUEUE_STATES = tuple(s for s in ApplicationState if s is not S.DRAFT)
SORTS = {
    "submitted": (Application.submitted_at.asc(), Application.id.asc()),
    "-submitted": (Application.submitted_at.desc(), Application.id.desc()),
    "name": (Organisation.name_kana.asc(), Application.id.asc()),
}
FILTERS = ("cohort", "state", "reviewer", "where", "municipality", "industry", "q", "sort")
# The states that wait on staff: the queue's default. "Returned" waits on the applicant.
ACTIONABLE = "actionable"
ACTIONABLE_STATES = (S.SUBMITTED, S.UNDER_REVIEW)
DEFAULT_SORT = "-submitted"


def queue_args(source: Mapping[str, str]) -> dict[str, str]:
    """The queue's arguments from a request's query string, each stripped ("" when absent).
    A query string without any filter (the queue as opened from the menu) asks for today's
    work: the current cohort, the actionable states, the most recent first."""
    args = {name: (source.get(name) or "").strip() for name in FILTERS}
    if not any(name in source for name in FILTERS):
        current = current_cohort()
        args.update(cohort=str(current.id) if current else "", state=ACTIONABLE, sort=DEFAULT_SORT)
    return args


def current_cohort() -> Cohort | None:
    """The cohort being worked on: the open one, else the most recently closed one not yet
    decided, else the newest."""
    for state in (CohortState.OPEN, CohortState.CLOSED):
        found = db.session.scalars(select(Cohort).where(Cohort.state == state)
                                   .order_by(Cohort.closes_at.desc(), Cohort.number.desc()).limit(1)).first()
        if found:
            return found
    return db.session.scalars(select(Cohort).order_by(Cohort.number.desc()).limit(1)).first()


def cohort_id(args: dict[str, str]) -> int | None:
    return whole_number(args["cohort"])


def filtered(query: Select, args: dict[str, str], user) -> Select:
    """`query` (which selects from Application joined to its Organisation) narrowed to the
    submitted applications the arguments ask for, in the order they ask for. `user` is the
    staff member asking ("mine")."""
    query = query.where(Application.state != S.DRAFT)
    cohort = cohort_id(args)
    if cohort:
        query = query.where(Application.cohort_id == cohort)
    if args["state"] == ACTIONABLE:
        query = query.where(Application.state.in_(ACTIONABLE_STATES))
    elif args["state"] in {s.value for s in QUEUE_STATES}:
        query = query.where(Application.state == args["state"])
    if args["reviewer"] == "mine":
        query = query.where(Application.reviewer_id == user.id)
    elif args["reviewer"] == "unassigned":
        query = query.where(Application.reviewer_id.is_(None))
    elif whole_number(args["reviewer"]) is not None:
        query = query.where(Application.reviewer_id == whole_number(args["reviewer"]))
    if args["where"] == "in_city":
        query = query.where(Organisation.in_city.is_(True))
    elif args["where"] == "outside":
        query = query.where(Organisation.in_city.is_(False))
    elif args["where"] == "mismatch":
        query = query.where(Organisation.location_mismatch.is_(True))
    if args["municipality"] == KUMAMOTO_CITY:
        query = query.where(Organisation.in_city.is_(True))  # the city and its five wards
    elif args["municipality"]:
        query = query.where(Organisation.municipality_code == args["municipality"])
    if args["industry"]:
        query = query.where(Organisation.industry == args["industry"])
    if args["q"]:
        query = query.where(search(args["q"]))
    return query.order_by(*SORTS.get(args["sort"], SORTS[DEFAULT_SORT]))


def search(q: str):
    """Name (as typed), reading (hiragana or katakana, half- or full-width) or 法人番号."""
    text = japanese.normalize(q)
    conditions = [Organisation.search_key.like(contains(japanese.search_key(text)), escape="\\")]
    digits = japanese.normalize_corporate_number(text)
    if re.fullmatch(r"[0-9]{13}", digits):
        conditions.append(Organisation.corporate_number == digits)
    return or_(*conditions)


def active_filters(args: dict[str, str]) -> dict[str, str]:
    """The arguments that are set: for links that keep the filters (the export links)."""
    return {name: value for name, value in args.items() if value}
