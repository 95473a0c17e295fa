"""Where an entity is, over time: "active on a day" figures count the version of its certified
details in force that day (a move counts from the day its 変更届 was accepted), the cohorts'
figures stay where the entities were at the decision, and CONTRACT.md's fiscal years hold on
the two historical import files."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from kpi_helpers import KIKUYO, KITA, staff_client
from sqlalchemy import delete, func, select
from support import ORGANISATION

from portal.core.extensions import db
from portal.core.location import derive_location
from portal.demo.historical import historical_rows
from portal.kpi.report import kpi_report
from portal.registrations import details
from portal.registrations.importer import import_rows
from portal.registrations.models import Registration, RegistrationDetails

MOVER = "KS02-0004"  # cohort 2's registrant in 菊陽町 (active 2021-08-25 → 2024-08-24)
ACCEPTED = date(2023, 10, 2)  # the day the secretariat accepts its 変更届: it is in 熊本市北区 from then


def _move(app, number: str, place: tuple[str, str], day: date) -> None:
    """What accepting a 変更届 of a new address does to the register: the organisation changes,
    and the registration's next version of its details opens on the day of acceptance."""
    postal_code, address = place
    with app.test_request_context():
        registration = db.session.scalar(select(Registration).where(Registration.number == number))
        organisation = registration.organisation
        found = derive_location(address, postal_code)
        organisation.postal_code, organisation.address = postal_code, address
        organisation.municipality_code, organisation.in_city = found.municipality_code, found.in_city
        details.open_version(registration, details.values_of(organisation), day)
        db.session.commit()


def _json(client, day: date) -> dict:
    response = client.get("/staff/kpi/report.json", query_string={"as_of": day.isoformat()})
    assert response.status_code == 200
    return response.get_json()


def _page(client, day: date) -> str:
    response = client.get("/staff/kpi/", query_string={"as_of": day.isoformat()})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("dataset")
def test_a_move_into_the_city_counts_from_the_day_the_change_was_accepted(app, make_user):
    client = staff_client(app, make_user("reviewer"))
    before = {day: _json(client, day) for day in (ACCEPTED - timedelta(days=1), ACCEPTED, date(2024, 3, 31))}
    _move(app, MOVER, KITA, ACCEPTED)

    eve, day, year_end = (_json(client, d) for d in (ACCEPTED - timedelta(days=1), ACCEPTED, date(2024, 3, 31)))
    # The day before the acceptance it is still outside the city (菊陽町); from that day, in 北区.
    assert eve == before[ACCEPTED - timedelta(days=1)]
    assert (eve["active_total"], eve["active_in_city"]) == (9, 5)
    assert (day["active_total"], day["active_in_city"]) == (9, 6)
    wards = {w["code"]: w["active"] for w in day["breakdowns"]["wards"]}
    assert wards["43105"] == 2 and {w["code"]: w["active"] for w in eve["breakdowns"]["wards"]}["43105"] == 1
    # Its industry (D) and goal (9) count in the city from that day too.
    assert {i["code"]: i["active_in_city"] for i in day["breakdowns"]["industries"]}["D"] == 1
    assert {i["code"]: i["active_in_city"] for i in eve["breakdowns"]["industries"]}["D"] == 0
    assert {g["goal"]: g["active_in_city"] for g in day["breakdowns"]["goals"]}[9] == 2
    # Cohort 2 was decided with it in 菊陽町: its figures do not move.
    assert day["cohorts"] == before[ACCEPTED]["cohorts"]
    assert [c["in_city"] for c in day["cohorts"]] == [1, 3, 2]

    # The fiscal years: 2022's year-end figure, published before the move, is unchanged; 2023's
    # (counted on the report date) has it in the city.
    assert year_end["fiscal_years"][:3] == before[date(2024, 3, 31)]["fiscal_years"][:3]
    assert year_end["fiscal_years"][2]["active_in_city"] == 6
    assert year_end["fiscal_years"][3]["active_in_city"] == before[date(2024, 3, 31)]["fiscal_years"][3][
        "active_in_city"] + 1 == 5

    # The page says the same.
    assert re.search(r'id="active-in-city">5 \(55\.6 %\)<', _page(client, ACCEPTED - timedelta(days=1)))
    html = _page(client, ACCEPTED)
    assert re.search(r'id="active-in-city">6 \(66\.7 %\)<', html)
    assert re.search(r'id="ward-43105"><th scope="row">[^<]+</th><td class="number">2<', html)


@pytest.mark.usefixtures("dataset")
def test_a_move_out_of_the_city_counts_outside_from_that_day(app):
    _move(app, "KS03-0001", KIKUYO, ACCEPTED)  # 南区 → 菊陽町
    with app.test_request_context():
        eve, day = kpi_report(ACCEPTED - timedelta(days=1)), kpi_report(ACCEPTED)
    assert (eve["active_in_city"], day["active_in_city"]) == (5, 4)
    assert {w["code"]: w["active"] for w in day["breakdowns"]["wards"]}["43104"] == 0
    assert [c["in_city"] for c in day["cohorts"]] == [1, 3, 2]


@pytest.mark.usefixtures("dataset")
def test_a_registration_without_versions_counts_where_it_was_decided(app):
    """Registrations made before the register kept versions (or by hand) fall back on their own
    snapshot: the figures are those of the first versions."""
    with app.test_request_context():
        before = [kpi_report(day) for day in (date(2022, 3, 31), date(2024, 3, 31))]
        db.session.execute(delete(RegistrationDetails))
        db.session.commit()
        assert [kpi_report(day) for day in (date(2022, 3, 31), date(2024, 3, 31))] == before


def test_the_contract_example_with_its_fiscal_years(app, runner):
    """CONTRACT.md's KPI JSON, fiscal years included, on the two historical import files."""
    with app.test_request_context():
        import_rows(historical_rows(441, 274, 1), 1, date(2021, 8, 25))
        import_rows(historical_rows(570, 319, 2), 2, date(2022, 1, 20))
        db.session.commit()
    result = runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2024-03-31"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "as_of": "2024-03-31",
        "target": 850,
        "target_fiscal_year": 2023,
        "cohorts": [
            {"number": 1, "decided_on": "2021-08-25", "registered": 441, "in_city": 274,
             "cumulative_registered": 441, "cumulative_in_city": 274},
            {"number": 2, "decided_on": "2022-01-20", "registered": 570, "in_city": 319,
             "cumulative_registered": 1011, "cumulative_in_city": 593},
        ],
        "active_total": 1011,
        "active_in_city": 593,
        "progress": 0.6976,
        "fiscal_years": [
            {"fiscal_year": 2021, "year_end": "2022-03-31", "decided": 1011, "cumulative_registered": 1011,
             "active_total": 1011, "active_in_city": 593, "target": None, "progress": None},
            {"fiscal_year": 2022, "year_end": "2023-03-31", "decided": 0, "cumulative_registered": 1011,
             "active_total": 1011, "active_in_city": 593, "target": None, "progress": None},
            {"fiscal_year": 2023, "year_end": "2024-03-31", "decided": 0, "cumulative_registered": 1011,
             "active_total": 1011, "active_in_city": 593, "target": 850, "progress": 0.6976},
        ],
    }
    # Mid-year, the current year counts on the report date; a later target year shows its own target.
    later = json.loads(runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2024-09-01"]).stdout)
    assert later["fiscal_years"][-1] == {
        "fiscal_year": 2024, "year_end": "2025-03-31", "decided": 0, "cumulative_registered": 1011,
        "active_total": 570, "active_in_city": 319, "target": None, "progress": None}
    # Before any decision there are no fiscal years.
    early = json.loads(runner.invoke(args=["report", "kpi", "--format", "json", "--as-of", "2021-08-24"]).stdout)
    assert early["fiscal_years"] == [] and early["active_total"] == 0


def test_imports_write_each_registrations_first_version(app):
    with app.test_request_context():
        import_rows(historical_rows(40, 25, 1), 1, date(2021, 8, 25))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(RegistrationDetails)) == 40
        for registration in db.session.scalars(select(Registration)):
            (version,) = details.history(registration.id)
            organisation = registration.organisation
            assert (version.valid_from, version.valid_until, version.change_notice_id) == (
                date(2021, 8, 25), None, None)
            assert details.values_of(version) == details.values_of(organisation)
            assert (version.municipality_code, version.in_city) == (registration.municipality_code,
                                                                    registration.in_city)


def test_an_import_of_a_known_organisation_certifies_where_it_is_not_what_the_file_says(app, make_user,
                                                                                         make_organisation):
    """A corporation the portal knows without an account holder (its earlier registration lapsed,
    its member left; one with members refuses the file) in 菊陽町, and in a historical file with a
    中央区 address: the registration certifies the organisation's details and place, which the
    import does not change."""
    from portal.organisations.models import Membership

    organisation_id = make_organisation(make_user(), postal_code=KIKUYO[0], address=KIKUYO[1])
    with app.app_context():
        db.session.execute(delete(Membership).where(Membership.organisation_id == organisation_id))
        db.session.commit()
    row = {"corporate_number": ORGANISATION["corporate_number"], "name": "株式会社ファイルの名前",
           "name_kana": "ファイルノナマエ", "kind": "corporation", "postal_code": "8600806",
           "address": "熊本市中央区花畑町4-1", "industry": "A", "goals": "13"}
    with app.test_request_context():
        result = import_rows([row], 1, date(2021, 8, 25))
        db.session.commit()
        assert (result.created, result.in_city) == (1, 0)
        registration = db.session.scalar(select(Registration))
        assert registration.organisation_id == organisation_id
        assert (registration.municipality_code, registration.in_city) == ("43404", False)
        (version,) = details.history(registration.id)
        assert details.values_of(version) == details.values_of(registration.organisation)
        assert (version.name, version.address, version.industry) == (
            ORGANISATION["name"], KIKUYO[1], ORGANISATION["industry"])
        report = kpi_report(date(2022, 3, 31))
    assert (report["cohorts"][0]["in_city"], report["active_total"], report["active_in_city"]) == (0, 1, 0)
