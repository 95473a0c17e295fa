"""The directory's total and pages against a plain Python reading of a hand-built register: for
each filter, the total is the number of registrants the filter matches and the pages, one after
the other, are exactly those registrants in registration-number order, wherever a page boundary
falls — even though the cohorts were created in another order than their numbers."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest
from directory_data import LATER, LONG_AGO, RECENT, TODAY, numbers_on, page_text
from sqlalchemy import select

from portal.core import japanese
from portal.core.extensions import db
from portal.demo.historical import historical_rows
from portal.directory import queries
from portal.registrations import documents
from portal.registrations.models import Registration, RegistrationState

FILTERS = [
    {},
    {"q": "株式会社"},
    {"q": "熊本"},
    {"q": "ｋｓ０３－０００５"},  # a registration number, typed in full width
    {"goal": "13"},
    {"municipality": "43100"},  # the city and its wards
    {"industry": "E"},
    {"cohort": "3"},
    {"cohort": "12"},
    {"cohort": "7"},  # expired: nobody
    {"q": "株式会社", "cohort": "12", "municipality": "43100"},
    {"goal": "8", "industry": "I"},
]


@pytest.fixture
def register(app, imported):
    """Cohort 12 imported first, then 3, then 7 (expired); a few registrations ended (one of
    them tomorrow: still listed), so the cohorts' ids are not in their numbers' order."""
    imported(historical_rows(27, 15, 12), 12, LATER)
    imported(historical_rows(44, 30, 3), 3, RECENT)
    imported(historical_rows(9, 5, 7), 7, LONG_AGO)
    with app.app_context():
        for number, state, days in (("KS03-0002", RegistrationState.WITHDRAWN, -1),
                                    ("KS03-0021", RegistrationState.REVOKED, 0),
                                    ("KS12-0005", RegistrationState.WITHDRAWN, 1)):
            registration = db.session.scalar(select(Registration).where(Registration.number == number))
            registration.state, registration.ended_on = state, TODAY + timedelta(days=days)
        db.session.commit()


def _expected(filters: queries.Filters) -> list[str]:
    """The numbers the filters should list, read in Python from every registration."""
    def matches(registration: Registration) -> bool:
        organisation = registration.organisation
        if documents.status_on(registration, TODAY) != documents.ACTIVE:
            return False
        if filters.q:
            key, number = japanese.search_key(filters.q), documents.normalise_number(filters.q)
            if not ((key and key in organisation.search_key) or (number and number == registration.number)):
                return False
        if filters.goal and filters.goal not in registration.goals:
            return False
        if filters.municipality and organisation.municipality_code not in queries.municipality_codes(
                filters.municipality):
            return False
        if filters.industry and organisation.industry != filters.industry:
            return False
        return not filters.cohort or registration.cohort.number == filters.cohort

    found = [r for r in db.session.scalars(select(Registration)).unique() if matches(r)]
    return [r.number for r in sorted(found, key=lambda r: (r.cohort.number, r.sequence))]


@pytest.mark.parametrize("args", FILTERS, ids=lambda args: "&".join(f"{k}={v}" for k, v in args.items()) or "all")
def test_total_and_pages_agree_with_the_register(app, register, args):
    with app.test_request_context():
        filters = queries.Filters.parse(args)
        expected = _expected(filters)
        assert queries.count_matching(TODAY, filters) == len(expected)
        pages = max(1, math.ceil(len(expected) / queries.PER_PAGE))
        read = []
        for number in range(1, pages + 2):  # and one past the last
            page = [r.number for r in queries.listed_page(TODAY, filters, number)]
            assert page == expected[(number - 1) * queries.PER_PAGE:number * queries.PER_PAGE], number
            read += page
    assert read == expected
    if args == {}:  # the register spans pages, and the cohorts come in their numbers' order
        assert pages >= 3 and expected[0].startswith("KS03-") and expected[-1].startswith("KS12-")


def test_the_page_shows_the_rows_and_total_the_queries_give(app, client, register):
    with app.test_request_context():
        expected = _expected(queries.Filters.parse({"q": "株式会社"}))
    assert len(expected) > queries.PER_PAGE  # a second page
    html = page_text(client.get("/registrants", query_string={"q": "株式会社", "page": 2, "lang": "en"}))
    assert numbers_on(html) == expected[queries.PER_PAGE:2 * queries.PER_PAGE]
    assert f"{len(expected)} registered organisations" in html
    assert f"Page 2 of {math.ceil(len(expected) / queries.PER_PAGE)}" in html
