"""The fiscal years' figures and the wards come from one pass over the registrations and their
versions (`_active_places`); they must be what counting each day on its own gives, by the
definitions themselves (`active_on`, and the version `in_force_on` that day by an outer join,
else the registration's snapshot) — on the days where the two could part: a term, a revocation
or a withdrawal ending on a fiscal year's end, a registration starting on one, a move accepted
on one, a registration without versions, versions that leave gaps, versions that overlap."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from kpi_helpers import KIKUYO, MINAMI
from sqlalchemy import delete, func, select

from portal.core.extensions import db
from portal.core.location import derive_location
from portal.kpi.report import WARD_CODES, WARD_UNKNOWN, kpi_report
from portal.registrations import details
from portal.registrations.details import in_force_on
from portal.registrations.models import Registration, RegistrationDetails, RegistrationState
from portal.registrations.queries import active_on

pytestmark = pytest.mark.usefixtures("dataset")


def _registration(number: str) -> Registration:
    return db.session.scalar(select(Registration).where(Registration.number == number))


def _versions(number: str) -> list[RegistrationDetails]:
    return details.history(_registration(number).id)


def _move(number: str, place: tuple[str, str], day: date) -> None:
    registration = _registration(number)
    postal_code, address = place
    found = derive_location(address, postal_code)
    values = {**details.values_of(registration.organisation), "postal_code": postal_code, "address": address,
              "municipality_code": found.municipality_code, "in_city": found.in_city}
    details.open_version(registration, values, day)


def _edges(app) -> None:
    with app.test_request_context():
        # A term that ends on a fiscal year's end: active that day, not the next.
        _registration("KS01-0001").valid_until = date(2023, 3, 31)
        # Revoked, and withdrawn, with effect on a fiscal year's end: not active that day.
        revoked = _registration("KS02-0001")
        revoked.state, revoked.ended_on = RegistrationState.REVOKED, date(2022, 3, 31)
        withdrawn = _registration("KS03-0002")
        withdrawn.state, withdrawn.ended_on = RegistrationState.WITHDRAWN, date(2024, 3, 31)
        # Withdrawn without a date: never active.
        _registration("KS04-0002").state = RegistrationState.WITHDRAWN
        # Registered on a fiscal year's end (its first version from that day too).
        starting = _registration("KS02-0005")
        starting.registered_on = date(2022, 3, 31)
        _versions("KS02-0005")[0].valid_from = date(2022, 3, 31)
        # A move out of the city accepted on a fiscal year's end: counted outside from that day.
        _move("KS02-0003", KIKUYO, date(2023, 3, 31))
        db.session.flush()
        # No versions at all: counted where its snapshot puts it (菊陽町).
        db.session.execute(delete(RegistrationDetails).where(
            RegistrationDetails.registration_id == _registration("KS02-0004").id))
        # Its first version begins after it was registered: by its snapshot (南区) until then.
        _versions("KS03-0001")[0].valid_from = date(2022, 4, 1)
        # A move in the city, the new version beginning after the old ended: by the snapshot
        # (合志市, outside) in the gap, which holds a fiscal year's end.
        _move("KS03-0003", MINAMI, date(2023, 1, 1))
        _versions("KS03-0003")[1].valid_from = date(2023, 6, 1)
        # Two versions in force at once (as bad data could have it): counted once by each.
        first = _versions("KS04-0001")[0]
        values = {field: getattr(first, field) for field in details.CERTIFIED_FIELDS}
        db.session.add(RegistrationDetails(
            registration_id=first.registration_id, valid_from=date(2024, 6, 1), valid_until=date(2025, 6, 1),
            **{**values, "postal_code": MINAMI[0], "address": MINAMI[1], "municipality_code": "43104",
               "in_city": True}))
        db.session.commit()


def _plain(day: date) -> tuple[int, int, dict[str, int]]:
    """(active, in the city, in the city by ward) on `day`, one day at a time: every active
    registration joined to the version in force that day, else its snapshot, row by row."""
    rows = db.session.execute(
        select(func.coalesce(RegistrationDetails.municipality_code, Registration.municipality_code),
               func.coalesce(RegistrationDetails.in_city, Registration.in_city))
        .select_from(Registration).outerjoin(RegistrationDetails, in_force_on(day))
        .where(active_on(day))).all()
    wards = Counter(code if code in WARD_CODES else WARD_UNKNOWN for code, inside in rows if inside)
    return len(rows), sum(1 for _, inside in rows if inside), {code: wards[code] for code in WARD_CODES}


@pytest.mark.parametrize("as_of", [date(2022, 3, 31), date(2023, 3, 31), date(2024, 3, 31), date(2024, 8, 24),
                                   date(2025, 3, 31), date(2025, 6, 1)])
def test_the_one_pass_counts_what_each_day_counted_on_its_own_does(app, as_of):
    _edges(app)
    with app.test_request_context():
        report = kpi_report(as_of)
        for year in report["fiscal_years"]:
            day = min(date.fromisoformat(year["year_end"]), as_of)
            assert (year["active_total"], year["active_in_city"]) == _plain(day)[:2], year
        total, in_city, wards = _plain(as_of)
        assert (report["active_total"], report["active_in_city"]) == (total, in_city)
        assert {ward["code"]: ward["active"] for ward in report["breakdowns"]["wards"]} == wards


def test_the_edges_are_where_the_counts_would_part(app):
    """The dataset's edges do what they are there for (else the test above proves little)."""
    _edges(app)
    with app.test_request_context():
        # 2022-03-31: KS02-0001 revoked that day (out); KS02-0005 registered that day (in);
        # KS03-0001 without a version in force, by its snapshot (南区, in the city).
        assert _plain(date(2022, 3, 31))[:2] == (10, 5)
        # 2023-03-31: KS01-0001's last day (中央区); KS02-0003 moved out of 北区 that day; KS03-0003
        # in its gap, by its snapshot (合志市, outside).
        assert _plain(date(2023, 3, 31)) == (9, 4, {"43101": 1, "43102": 1, "43103": 1, "43104": 1, "43105": 0})
        # 2024-06-30: KS04-0001 counted twice (北区, and 南区 with KS03-0001 and KS03-0003).
        assert _plain(date(2024, 6, 30)) == (7, 4, {"43101": 0, "43102": 0, "43103": 0, "43104": 3, "43105": 1})
        assert db.session.scalar(select(func.count()).select_from(RegistrationDetails).where(
            RegistrationDetails.registration_id == _registration("KS02-0004").id)) == 0
