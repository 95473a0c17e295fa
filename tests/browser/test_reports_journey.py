"""Yearly progress reports on key actions, in a real browser: the secretariat sees
nobody has reported yet; the owner of a registered company, on a phone, goes from the
organisation's page to the progress reports, sends a word where a number is expected (and is
told), files the report and sees each indicator's trend chart; the secretariat's response rate
then shows the report.

Pages are found by the ids the templates give them (the report strings are new: their Japanese
wording may still change). Every page visited is photographed and checked with axe-core.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from support import PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

OWNER, SECRETARIAT = "reporter@example.jp", "secretariat@example.jp"
ACTIONS = [
    {"area": "economy", "description": "地元からの採用を増やす。", "goals": [8], "targets": ["8.5"],
     "indicator": "地元採用者数", "unit": "人", "current_value": "10", "target_value": "30"},
    {"area": "society", "description": "地域の防災訓練に参加する。", "goals": [11], "targets": ["11.b"],
     "indicator": "防災訓練への参加", "unit": "", "current_value": "未参加", "target_value": "毎年参加"},
    {"area": "environment", "description": "事業所のCO2排出量を減らす。", "goals": [13], "targets": ["13.1"],
     "indicator": "CO2排出量", "unit": "t", "current_value": "120", "target_value": "60"},
]


@pytest.fixture
def reporting(app, make_user, make_organisation):
    """A registered company with an approved application (three key actions), its owner, the
    secretariat and an open reporting period. Returns the ids."""
    from portal.applications.models import Application
    from portal.applications.workflow import ApplicationState
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.registrations.models import Registration
    from portal.reports import operations

    make_user("secretariat", email=SECRETARIAT, name="事務局 花子")
    owner = make_user(email=OWNER, name="熊本 花子")
    organisation_id = make_organisation(owner, name="株式会社くまもと報告工房", contact_email=OWNER)
    today = today_jst()
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(7, now - timedelta(days=400), now - timedelta(days=380))
        cohort.state = CohortState.DECIDED
        registration = Registration(number="KS07-0001", cohort_id=cohort.id, sequence=1,
                                    organisation_id=organisation_id, registered_on=date.today() - timedelta(days=300),
                                    valid_until=date.today() + timedelta(days=700), municipality_code="43101",
                                    in_city=True)
        db.session.add(registration)
        db.session.flush()
        db.session.add(Application(organisation_id=organisation_id, cohort_id=cohort.id,
                                   state=ApplicationState.APPROVED, registration_id=registration.id,
                                   content={"vision": "v", "actions": ACTIONS}))
        period = operations.open_period(today.year, today - timedelta(days=5), today + timedelta(days=20), None)
        db.session.commit()
        return {"registration": registration.id, "period": period.id, "year": today.year}


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(email)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("navigation", name="サイトメニュー").get_by_role("button", name="ログアウト")).to_be_visible()


def test_a_registrant_files_a_yearly_report_and_staff_see_the_rate_change(new_page, reporting, checkpoint):
    # --- The secretariat: nobody has reported yet. ------------------------------------------
    staff = new_page()
    sign_in(staff, SECRETARIAT)
    staff.goto("/staff")
    staff.get_by_role("link", name="取組状況報告").click()
    checkpoint(staff, "staff-periods")
    staff.goto(f"/staff/reports/periods/{reporting['period']}")
    expect(staff.locator("#response-rate")).to_contain_text("1件中0件")
    expect(staff.locator("#overdue")).to_contain_text("株式会社くまもと報告工房")
    checkpoint(staff, "staff-period-before")

    # --- The owner, on a phone, from the organisation's page to the report form. ------------
    owner = new_page(phone=True)
    sign_in(owner, OWNER)
    expect(owner.get_by_role("heading", level=1, name="株式会社くまもと報告工房")).to_be_visible()
    owner.locator(f"#reports-link-{reporting['registration']}").click()
    expect(owner.locator("#report-periods")).to_be_visible()
    checkpoint(owner, "reports")
    owner.locator(f"#file-{reporting['year']}").click()
    expect(owner.locator("#report-form")).to_be_visible()
    checkpoint(owner, "report-form")

    # … types a word where the indicator is a number, and is told.
    owner.locator("#value_0").fill("たくさん")
    owner.locator("#value_1").fill("今年度から参加")
    owner.locator("#value_2").fill("100")
    for i, status in enumerate(("on_track", "achieved", "behind")):
        owner.locator(f"#status_{i} input[value={status}]").check()
    owner.locator("#comment_2").fill("設備更新が来年度にずれ込みました。")
    owner.locator("#report-form button[type=submit]").click()
    expect(owner.locator(".error-summary")).to_be_visible()
    expect(owner.locator("#value_0-error")).to_contain_text("数値")
    expect(owner.locator("#value_1")).to_have_value("今年度から参加")  # nothing typed is lost
    checkpoint(owner, "report-not-a-number")

    # … fixes it and files the report; the trend charts show baseline → this year → 2030.
    owner.locator("#value_0").fill("15")
    owner.locator("#report-form button[type=submit]").click()
    expect(owner.locator("#trends")).to_be_visible()
    chart = owner.locator("#trend-1 svg")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_contain_text("地元採用者数")
    # Read out in Japanese: the 和暦 fiscal year and full-width punctuation.
    expect(chart.locator("desc")).to_contain_text(f"令和{reporting['year'] - 2018}年度：15 人")
    expect(owner.locator("#trend-2 svg")).to_have_count(0)  # a text indicator: its table only
    expect(owner.locator("#trend-2")).to_contain_text("今年度から参加")
    checkpoint(owner, "reports-trend")

    # --- The secretariat's response rate now counts the report. -----------------------------
    staff.reload()
    expect(staff.locator("#response-rate")).to_contain_text("1件中1件")
    expect(staff.locator("#by-goal")).to_contain_text("100.0%")
    checkpoint(staff, "staff-period-after")
