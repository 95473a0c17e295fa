"""The report by fiscal year as the city reports it: year-end figures, the headline's choice of
year (the latest fiscal year with a target that has ended, at its year end — not today's count
against a year that is over), the chart by fiscal year and the one-page PDF.

The small dataset of kpi_helpers, plus a renewal and a move across year ends, worked out by hand."""
from __future__ import annotations

import re
from datetime import date

import pytest
from kpi_helpers import KIKUYO, staff_client
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.location import derive_location
from portal.kpi import operations
from portal.kpi.report import kpi_report
from portal.registrations import details
from portal.registrations.models import Registration

pytestmark = pytest.mark.usefixtures("dataset")

PAGE = "/staff/kpi/"


def _report(app, day: date, **kwargs) -> dict:
    with app.test_request_context():
        return kpi_report(day, **kwargs)


def _renew_and_move(app) -> None:
    """KS02-0001 (中央区, term to 2024-08-24) renewed by a later cohort's decision: three more
    years under the same number, as the decision writes it. KS03-0001 (南区) moves to 菊陽町,
    outside the city, by a 変更届 accepted on 2023-02-01 (fiscal 2022)."""
    from portal.registrations.terms import add_months

    with app.test_request_context():
        renewed = db.session.scalar(select(Registration).where(Registration.number == "KS02-0001"))
        renewed.valid_until = add_months(renewed.valid_until, 36)
        moved = db.session.scalar(select(Registration).where(Registration.number == "KS03-0001"))
        organisation = moved.organisation
        postal_code, address = KIKUYO
        found = derive_location(address, postal_code)
        organisation.postal_code, organisation.address = postal_code, address
        organisation.municipality_code, organisation.in_city = found.municipality_code, found.in_city
        details.open_version(moved, details.values_of(organisation), date(2023, 2, 1))
        db.session.commit()


def test_each_fiscal_year_is_counted_at_its_end_through_a_renewal_a_move_a_withdrawal_and_a_revocation(app):
    _renew_and_move(app)
    years = _report(app, date(2025, 3, 31))["fiscal_years"]
    figures = [(y["fiscal_year"], y["year_end"], y["decided"], y["cumulative_registered"], y["active_total"],
                y["active_in_city"], y["target"], y["progress"]) for y in years]
    assert figures == [
        (2020, "2021-03-31", 2, 2, 2, 1, None, None),  # cohort 1
        (2021, "2022-03-31", 9, 11, 11, 6, None, None),  # cohorts 2 and 3
        # 八代市 revoked 2023-01-10 (outside); 南区 moved out 2023-02-01: one fewer in the city
        (2022, "2023-03-31", 0, 11, 10, 5, None, None),
        # cohort 1 expired, 東区 withdrawn 2023-06-01
        (2023, "2024-03-31", 0, 11, 7, 3, 850, 0.0035),
        # cohort 2 expired 2024-08-24 but for the renewed 中央区; cohort 3 expired 2025-01-19;
        # cohort 4 (北区, 合志市) decided 2024-05-10
        (2024, "2025-03-31", 2, 13, 3, 2, None, None),
    ]
    # A year-end figure, once its year is over, does not change with the report date.
    later = _report(app, date(2026, 6, 1))["fiscal_years"]
    assert [y["active_in_city"] for y in later[:5]] == [1, 6, 5, 3, 2]


def test_the_headline_is_the_latest_ended_target_year_at_its_year_end(app):
    report = _report(app, date(2024, 9, 1))  # fiscal 2024 under way; 2023's target is over
    headline = report["headline"]
    assert headline == {"fiscal_year": 2023, "year_end": "2024-03-31", "ended": True, "counted_on": "2024-03-31",
                        "active_in_city": 4, "target": 850, "progress": 0.0047, "builtin": True}
    assert report["active_in_city"] == 3  # today's figure, shown beside it


def test_before_the_target_year_ends_the_headline_is_to_date(app):
    headline = _report(app, date(2023, 12, 1))["headline"]
    assert (headline["fiscal_year"], headline["ended"], headline["counted_on"], headline["active_in_city"]) == (
        2023, False, "2023-12-01", 4)


def test_on_the_last_day_of_the_target_year_its_figure_is_the_year_end_figure(app):
    headline = _report(app, date(2024, 3, 31))["headline"]
    assert (headline["fiscal_year"], headline["ended"], headline["active_in_city"], headline["progress"]) == (
        2023, True, 4, 0.0047)


def test_a_newer_target_does_not_displace_the_ended_year_but_today_is_measured_against_it(app, make_user):
    with app.test_request_context():
        operations.set_target(2026, 900, "熊本市SDGs未来都市計画（第2期）", None)
        db.session.commit()
    report = _report(app, date(2026, 6, 1))
    assert (report["headline"]["fiscal_year"], report["headline"]["active_in_city"]) == (2023, 4)
    assert (report["target"], report["target_fiscal_year"], report["active_in_city"]) == (900, 2026, 1)  # 北区

    html = staff_client(app, make_user("city")).get(PAGE, query_string={"as_of": "2026-06-01"}).get_data(as_text=True)
    assert re.search(r'id="progress">0\.5 %<', html)  # 4 / 850, fiscal 2023's year end
    assert "End of Fiscal 2023: 4 / 850 (0.5 %)" in html
    assert re.search(r'id="today-progress">0\.1 % of 900 for Fiscal 2026<', html)
    assert "On the report date (" in html  # not today: labelled as the report date's


def test_a_chosen_target_year_still_running_is_measured_to_date(app):
    with app.test_request_context():
        operations.set_target(2026, 900, "", None)
        db.session.commit()
    headline = _report(app, date(2024, 9, 1), target_year=2026)["headline"]
    assert (headline["fiscal_year"], headline["ended"], headline["counted_on"], headline["active_in_city"]) == (
        2026, False, "2024-09-01", 3)


def test_today_is_labelled_as_today(app, make_user):
    html = staff_client(app, make_user("city")).get(PAGE).get_data(as_text=True)
    assert 'id="today-title">Today (' in html
    assert "End of Fiscal 2023: 4 / 850 (0.5 %)" in html


def test_the_chart_is_by_fiscal_year_in_the_pages_calendar(app, make_user):
    client = staff_client(app, make_user("city"), english=False)
    html = client.get(PAGE, query_string={"as_of": "2024-09-01"}).get_data(as_text=True)
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    labels = re.findall(r'font-size="1[024]">(令和\d+年度)</text>', svg)
    assert labels == ["令和2年度", "令和3年度", "令和4年度", "令和5年度", "令和6年度"]
    assert "2024-" not in svg and "2023-" not in svg  # no ISO dates
    # fiscal 2023's target over its own bar, and each bar's figure
    assert ">目標値850</text>" in svg
    for value in ("1", "6", "4", "3"):
        assert f">{value}</text>" in svg


def test_the_pdf_is_one_page_with_the_fiscal_year_table(app, make_user):
    from pdf_checks import media_boxes, require_poppler, words

    require_poppler()
    client = staff_client(app, make_user("city"))
    response = client.get("/staff/kpi/report.pdf", query_string={"as_of": "2024-09-01"})
    assert response.status_code == 200
    assert len(media_boxes(response.data)) == 1
    flat = "".join(word.text for word in words(response.data))
    for fragment in ("令和5年度末", "4/850", "令和2年度", "令和6年度", "令和3年3月31日", "出典"):
        assert fragment in flat, fragment
