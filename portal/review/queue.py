"""The review queue's filters, in one place: the queue page and its export (CSV/XLSX) read the
same arguments and select the same applications in the same order, so a download is always
"what the page shows, on every page".

Without any filter in the query string the queue opens on today's work: the current cohort's
actionable applications (submitted, or under review — which is where a corrected resubmission
lands), the most recently submitted first."""
from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import Select, func, or_, select

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
    return query.order_by(*ordering(args))


def ordering(args: dict[str, str]) -> tuple:
    """The queue's ORDER BY for the arguments (`sort`; the most recently submitted first)."""
    return SORTS.get(args["sort"], SORTS[DEFAULT_SORT])


def reads_organisation(args: dict[str, str]) -> bool:
    """Whether a filter reads the applicant organisation's columns (`filtered` joins them then)."""
    return bool(args["where"] or args["municipality"] or args["industry"] or args["q"])


def state_counts(args: dict[str, str]) -> dict[str, int]:
    """The submitted applications of the queue's cohort (all cohorts without one) by state, and
    ACTIONABLE's sum: the figures of the state filter. One grouped query, read off an index
    (ix_applications_cohort_state, or ix_applications_state) without the table."""
    counted = select(Application.state, func.count()).where(Application.state != S.DRAFT)
    cohort = cohort_id(args)
    if cohort:
        counted = counted.where(Application.cohort_id == cohort)
    counts: dict[str, int] = {str(state): n for state, n in db.session.execute(counted.group_by(Application.state))}
    counts[ACTIONABLE] = sum(counts.get(state, 0) for state in ACTIONABLE_STATES)
    return counts


def queue_total(args: dict[str, str], user, counts: dict[str, int]) -> int:
    """How many applications the arguments select. When only the cohort and the state narrow the
    queue, `state_counts` has the answer already; otherwise one count, joining the organisations
    only when a filter reads them."""
    if not reads_organisation(args) and not args["reviewer"]:
        if args["state"] == ACTIONABLE or args["state"] in {s.value for s in QUEUE_STATES}:
            return counts.get(args["state"], 0)
        return sum(counts.get(state.value, 0) for state in QUEUE_STATES)
    query = select(func.count()).select_from(Application)
    if reads_organisation(args):
        query = query.join(Application.organisation)
    return db.session.scalar(filtered(query, args, user).order_by(None)) or 0


def queue_page(query: Select, args: dict[str, str], user, number: int, per_page: int,
               counts: dict[str, int]) -> tuple[list[Application], int]:
    """Page `number` (from 1) of the queue — `query` selects Application (with its loading
    options), joined to whatever they load — and the queue's total (`queue_total`).

    The page's applications are picked first, from the applications alone unless a filter or
    the order reads the organisation: in submission order that is a walk of
    ix_applications_cohort_submitted (or ix_applications_submitted_state without a cohort)
    stopping after the page. Only the page's rows are then joined to their organisations,
    whatever a planner guesses of how many rows the filters keep."""
    keys = select(Application.id).select_from(Application)
    if reads_organisation(args) or args["sort"] == "name":
        keys = keys.join(Application.organisation)
    keys = filtered(keys, args, user).limit(per_page).offset((number - 1) * per_page)
    rows = db.session.scalars(query.where(Application.id.in_(keys)).order_by(*ordering(args))).all()
    return list(rows), queue_total(args, user, counts)


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
