"""The KPI's figures on a small dataset, worked out by hand (see kpi_helpers.COHORTS):

cohort 1, decided 2020-12-01 (active through 2023-11-30): 中央区 ✓, 菊陽町
cohort 2, decided 2021-08-25 (through 2024-08-24): 中央区 ✓, 東区 ✓ (withdrawn 2023-06-01),
          植木町 → 北区 ✓, 菊陽町, 八代市
cohort 3, decided 2022-01-20 (through 2025-01-19): 南区 ✓, 西区 ✓, 合志市, 八代市 (revoked 2023-01-10)
cohort 4, decided 2024-05-10: 北区 ✓, 合志市
cohort 5: planned, never counted.            (✓ = inside Kumamoto City)
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from kpi_helpers import FISCAL_YEARS_2024_03_31
from sqlalchemy import select, update

from portal.core.extensions import db
from portal.kpi.report import COHORT_KEYS, CONTRACT_KEYS, contract_json, kpi_report
from portal.organisations.models import Organisation
from portal.registrations.models import Registration, RegistrationDetails

pytestmark = pytest.mark.usefixtures("dataset")

C1 = {"number": 1, "decided_on": "2020-12-01", "registered": 2, "in_city": 1,
      "cumulative_registered": 2, "cumulative_in_city": 1}
C2 = {"number": 2, "decided_on": "2021-08-25", "registered": 5, "in_city": 3,
      "cumulative_registered": 7, "cumulative_in_city": 4}
C3 = {"number": 3, "decided_on": "2022-01-20", "registered": 4, "in_city": 2,
      "cumulative_registered": 11, "cumulative_in_city": 6}
C4 = {"number": 4, "decided_on": "2024-05-10", "registered": 2, "in_city": 1,
      "cumulative_registered": 13, "cumulative_in_city": 7}


def _report(app, day: date, **kwargs) -> dict:
    with app.test_request_context():
        return kpi_report(day, **kwargs)


def test_end_of_fiscal_2023_counts_neither_the_withdrawn_nor_the_revoked_nor_the_expired(app):
    """2024-03-31: cohort 1 is past its term; 東区 (withdrawn) and 八代市 (revoked) have ended;
    cohort 4 is not decided yet."""
    assert contract_json(_report(app, date(2024, 3, 31))) == {
        "as_of": "2024-03-31", "target": 850, "target_fiscal_year": 2023,
        "cohorts": [C1, C2, C3],
        "active_total": 7, "active_in_city": 4, "progress": 0.0047,
        "fiscal_years": FISCAL_YEARS_2024_03_31,
    }


def test_the_json_has_exactly_the_contract_keys_in_order(app):
    data = contract_json(_report(app, date(2024, 3, 31)))
    assert tuple(data) == CONTRACT_KEYS
    assert all(tuple(cohort) == COHORT_KEYS for cohort in data["cohorts"])
    json.dumps(data)  # plain JSON data


@pytest.mark.parametrize(("day", "cohorts", "active_total", "active_in_city"), [
    (date(2020, 11, 30), [], 0, 0),  # before any decision
    (date(2020, 12, 1), [C1], 2, 1),  # the decision day counts
    (date(2023, 5, 31), [C1, C2, C3], 10, 6),  # the day before the withdrawal; revoked already
    (date(2023, 6, 1), [C1, C2, C3], 9, 5),  # withdrawn on that day
    (date(2023, 11, 30), [C1, C2, C3], 9, 5),  # cohort 1's last day
    (date(2023, 12, 1), [C1, C2, C3], 7, 4),  # cohort 1 expired
    (date(2024, 8, 24), [C1, C2, C3, C4], 9, 5),  # cohort 2's last day; cohort 4 decided
    (date(2024, 9, 1), [C1, C2, C3, C4], 5, 3),  # cohort 2 expired
])
def test_active_on_each_day(app, day, cohorts, active_total, active_in_city):
    report = _report(app, day)
    assert report["cohorts"] == [{**c, "in_city_share": round(c["in_city"] / c["registered"], 4)} for c in cohorts]
    assert (report["active_total"], report["active_in_city"]) == (active_total, active_in_city)
    assert report["progress"] == round(active_in_city / 850, 4)
    assert report["active_outside_city"] == active_total - active_in_city


def test_after_fiscal_2023_without_a_newer_target_it_is_still_850(app):
    report = _report(app, date(2024, 9, 1))
    assert (report["target"], report["target_fiscal_year"], report["progress"]) == (850, 2023, 0.0035)


def test_breakdowns_by_ward_industry_and_goal(app):
    breakdowns = _report(app, date(2024, 3, 31))["breakdowns"]
    # Every ward listed, 東区's only registration withdrawn; 植木町 counted in 北区; no "ward unknown".
    assert breakdowns["wards"] == [{"code": "43101", "active": 1}, {"code": "43102", "active": 0},
                                   {"code": "43103", "active": 1}, {"code": "43104", "active": 1},
                                   {"code": "43105", "active": 1}]
    industries = {i["code"]: (i["active"], i["active_in_city"]) for i in breakdowns["industries"]}
    assert list(industries) == list("ABCDEFGHIJKLMNOPQRST")
    assert {code: counts for code, counts in industries.items() if counts != (0, 0)} == {
        "A": (1, 1), "D": (2, 0), "E": (2, 1), "G": (1, 1), "P": (1, 1)}
    goals = {g["goal"]: (g["active"], g["active_in_city"]) for g in breakdowns["goals"]}
    assert list(goals) == list(range(1, 18))
    assert {goal: counts for goal, counts in goals.items() if counts != (0, 0)} == {
        2: (1, 1), 3: (1, 1), 8: (1, 1), 9: (2, 1), 13: (3, 1), 15: (1, 1), 17: (1, 1)}


def test_a_registration_in_the_city_without_a_ward_is_counted_as_ward_unknown(app):
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id).where(Registration.number == "KS03-0001"))
        db.session.execute(update(RegistrationDetails).where(RegistrationDetails.registration_id == registration_id)
                           .values(municipality_code="43100"))
        db.session.commit()
    report = _report(app, date(2024, 3, 31))
    wards = {w["code"]: w["active"] for w in report["breakdowns"]["wards"]}
    assert wards == {"43101": 1, "43102": 0, "43103": 1, "43104": 0, "43105": 1, "43100": 1}
    assert sum(wards.values()) == report["active_in_city"] == 4


def test_where_the_entity_was_at_the_decision_counts_not_where_it_is_now(app):
    """合志市's registrant (KS03-0003) moves into the city after its decision: no figure changes."""
    before = _report(app, date(2024, 3, 31))
    with app.app_context():
        organisation_id = db.session.scalar(select(Registration.organisation_id)
                                            .where(Registration.number == "KS03-0003"))
        db.session.execute(update(Organisation).where(Organisation.id == organisation_id)
                           .values(in_city=True, municipality_code="43101"))
        db.session.commit()
    assert _report(app, date(2024, 3, 31)) == before
