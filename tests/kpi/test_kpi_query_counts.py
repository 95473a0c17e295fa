"""The report costs the same SQL statements for 100 registrations as for 10,000: every figure is
aggregated in the database, nothing is loaded row by row."""
from __future__ import annotations

from datetime import date, timedelta

from kpi_helpers import counted, staff_client
from sqlalchemy import select

from portal.core import page_cache
from portal.core.extensions import db
from portal.demo.historical import historical_rows
from portal.registrations import details
from portal.registrations.importer import import_rows
from portal.registrations.models import Registration

AS_OF = {"as_of": "2024-03-31"}
URLS = ("/staff/kpi/", "/staff/kpi/report.json", "/staff/kpi/report.csv")


def _import(app, total: int, in_city: int, cohort: int, decided_on: date) -> None:
    with app.test_request_context():
        import_rows(historical_rows(total, in_city, cohort), cohort, decided_on)
        db.session.commit()


def _move_into_the_city(app, count: int, day: date) -> None:
    """`count` registrants outside the city move into 中央区, each by a 変更届 accepted on `day`."""
    with app.test_request_context():
        movers = db.session.scalars(select(Registration).where(Registration.in_city.is_(False))
                                    .order_by(Registration.id).limit(count)).all()
        for registration in movers:
            values = {**details.values_of(registration.organisation), "municipality_code": "43101", "in_city": True}
            details.open_version(registration, values, day)
        db.session.commit()


def _measure(app, client) -> dict[str, list[str]]:
    """Statements of making each answer (the page cache emptied first: a kept page sends fewer)."""
    statements = {}
    for url in URLS:
        with app.app_context():
            page_cache.clear()
        with counted(app) as seen:
            response = client.get(url, query_string=AS_OF)
            assert response.status_code == 200
            response.get_data()  # the CSV is written while its body is read
        statements[url] = list(seen)
    return statements


def test_the_same_statements_for_100_and_10000_registrations(app, make_user):
    client = staff_client(app, make_user("reviewer"))
    _import(app, 100, 60, 1, date(2021, 8, 25))
    small = _measure(app, client)
    assert client.get("/staff/kpi/report.json", query_string=AS_OF).get_json()["active_total"] == 100

    # 9,900 more in ten cohorts (as the portal grows), all still active on the report date.
    for number in range(2, 12):
        _import(app, 990, 500, number, date(2021, 9, 1) + timedelta(days=90 * (number - 2)))
    _move_into_the_city(app, 200, date(2023, 1, 10))
    large = _measure(app, client)
    report = client.get("/staff/kpi/report.json", query_string=AS_OF).get_json()
    assert (report["active_total"], report["active_in_city"]) == (10_000, 5_260)
    assert report["cohorts"][-1]["cumulative_in_city"] == 5_060  # where they were at each decision
    # Fiscal 2021 ends before the moves (cohorts 1–4: 60 + 3 × 500), fiscal 2022 after them
    # (cohorts 1–8: 60 + 7 × 500, and 200 movers), fiscal 2023 on the report date.
    assert [y["active_in_city"] for y in report["fiscal_years"]] == [1_560, 3_760, 5_260]

    for url in URLS:
        assert len(large[url]) == len(small[url]), url
        # The signed-in user, the data generations (portal.core.generations), then the report's
        # five grouped queries: targets, cohorts, places (wards and totals on the report date and
        # on each fiscal year's end, by the version of the details in force that day),
        # industries, goals; a page adds one for the footer's contact blocks.
        assert len(large[url]) == (7 if url.endswith((".json", ".csv", ".xlsx", ".pdf")) else 8), large[url]
