"""Issue "city KPI, directory and open data", in a real browser, in Japanese.

Kumamoto City's staff (desktop), whose KPI it is, land on the city's menu after signing in, open
the KPI report, ask for 2024-03-31, read 593 of 850 (69.8 %) beside the chart, and download the
PDF: IPAex embedded, the figures and the chart's labels in Japanese (and a PNG of the first page
kept with the screenshots). A reviewer of the prefecture on a phone reads the same report. A citizen on a phone searches the public directory in
hiragana, narrows it to a goal, opens a registrant's page, and finds the same registrant in the
open data; a withdrawn registrant is nowhere.

Every page visited is photographed into test-artifacts/ and checked with axe-core.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from support import PASSWORD, require_or_skip

from .conftest import ARTIFACTS, expect, label

pytestmark = pytest.mark.browser

CITY = "city@example.jp"
REVIEWER = "reviewer@example.jp"


@pytest.fixture
def registrants(app, make_user):
    """Cohorts 1 and 2 imported with the plan's figures; a recent cohort 9 with three
    registrants that are active today, one of which has withdrawn since."""
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.demo.historical import historical_rows
    from portal.registrations import operations
    from portal.registrations.importer import import_rows
    from portal.registrations.models import Registration
    from portal.registrations.terms import add_months

    make_user("city", email=CITY)
    make_user("reviewer", email=REVIEWER)
    owner = make_user()
    recent = [
        {"corporate_number": "", "name": "くまもと水守り工房", "name_kana": "クマモトミズモリコウボウ",
         "kind": "sole_proprietor", "postal_code": "862-0950", "address": "熊本市中央区水前寺6-18-1",
         "industry": "E", "goals": "6;15"},
        {"corporate_number": "", "name": "くまもと子ども食堂の会", "name_kana": "クマモトコドモショクドウノカイ",
         "kind": "group", "postal_code": "861-8045", "address": "熊本市東区小山4-2-11",
         "industry": "R", "goals": "1;2;10"},
        {"corporate_number": "", "name": "くまもと撤退商店", "name_kana": "クマモトテッタイショウテン",
         "kind": "sole_proprietor", "postal_code": "860-0047", "address": "熊本市西区春日3-15-60",
         "industry": "I", "goals": "6;12"},
    ]
    with app.test_request_context():
        import_rows(historical_rows(441, 274, 1), 1, date(2021, 8, 25))
        import_rows(historical_rows(570, 319, 2), 2, date(2022, 1, 20))
        import_rows(recent, 9, add_months(today_jst(), -12))
        withdrawn = db.session.scalar(select(Registration).where(Registration.number == "KS09-0003"))
        from portal.accounts.models import User

        operations.withdraw_registration(withdrawn, db.session.get(User, owner), "事業をやめたため。")
        db.session.commit()


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(email)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("navigation", name="サイトメニュー").get_by_role("button", name="ログアウト")).to_be_visible()


def test_the_city_reads_the_kpi_and_the_public_finds_registrants(
        new_page, live_server, checkpoint, registrants, tmp_path):
    from portal.core.pdf import embedded_fonts

    # --- the city's staff, desktop: the report as of the end of fiscal 2023 --------------------
    staff = new_page()
    sign_in(staff, CITY)  # they land on the city's menu
    expect(staff).to_have_url(re.compile(r"/city/$"))
    staff.get_by_role("main").get_by_role("link", name="熊本市KPI", exact=True).click()
    expect(staff.get_by_role("heading", level=1, name="熊本市KPIレポート")).to_be_visible()
    staff.get_by_label(label("基準日")).fill("2024-03-31")
    staff.get_by_role("button", name="レポートを表示").click()
    expect(staff.locator("#progress")).to_have_text("69.8 %")
    expect(staff.locator("#active-in-city")).to_contain_text("593")
    expect(staff.locator("#target-value")).to_contain_text("850")
    expect(staff.locator("#cohort-2")).to_contain_text("593")
    chart = staff.locator("#chart svg")
    expect(chart).to_be_visible()
    assert "850" in chart.inner_html()
    checkpoint(staff, "kpi-2024-03-31")

    with staff.expect_download() as download:
        staff.locator("#download-pdf").click()
    pdf_path = tmp_path / "kpi.pdf"
    download.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert any("IPAex" in font for font in embedded_fonts(pdf))
    require_or_skip(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "593" in text and "850" in text and "69.8" in text
    assert "基準日時点の市内の有効登録数" in text  # the chart's legend, drawn in Japanese
    folder = ARTIFACTS / "kpi-pdf"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(folder / "kpi")],
                   check=True)

    # Half a year later cohort 1's terms have ended: 319 remain in the city.
    staff.get_by_label(label("基準日")).fill("2024-09-01")
    staff.get_by_role("button", name="レポートを表示").click()
    expect(staff.locator("#active-in-city")).to_contain_text("319")

    # --- a reviewer on a phone reads the same report ------------------------------------------
    reviewer = new_page(phone=True)
    sign_in(reviewer, REVIEWER)
    reviewer.goto("/staff/kpi/?as_of=2024-03-31")
    expect(reviewer.locator("#progress")).to_have_text("69.8 %")
    checkpoint(reviewer, "kpi-phone-reviewer")

    # --- anyone, on a phone: the directory ---------------------------------------------------
    citizen = new_page(phone=True)
    citizen.goto("/")
    citizen.get_by_role("navigation", name="サイトメニュー").get_by_role("link", name="登録事業者一覧").click()
    expect(citizen.get_by_role("heading", level=1, name="登録事業者一覧")).to_be_visible()
    checkpoint(citizen, "directory")
    citizen.get_by_label("名称・フリガナ・登録番号").fill("くまもと")
    citizen.get_by_role("button", name="検索", exact=True).click()
    results = citizen.get_by_role("main")
    expect(results.get_by_text("くまもと水守り工房")).to_be_visible()
    expect(results.get_by_text("くまもと子ども食堂の会")).to_be_visible()
    expect(results.get_by_text("くまもと撤退商店")).to_have_count(0)  # withdrawn
    citizen.get_by_role("combobox", name="SDGsのゴール").select_option("6")
    citizen.get_by_role("button", name="検索", exact=True).click()
    expect(results.get_by_text("くまもと子ども食堂の会")).to_have_count(0)
    checkpoint(citizen, "directory-searched")
    results.get_by_role("link", name="くまもと水守り工房").click()
    expect(citizen.get_by_role("heading", level=1, name="くまもと水守り工房")).to_be_visible()
    expect(citizen.get_by_role("definition").filter(has_text="KS09-0001")).to_be_visible()
    checkpoint(citizen, "registrant")

    # The open data holds the same registrant and not the withdrawn one.
    opendata = json.loads(citizen.request.get(live_server("/opendata/registrants.json")).text())
    numbers = {r["registration_number"] for r in opendata["registrants"]}
    assert "KS09-0001" in numbers and "KS09-0003" not in numbers
    assert numbers == {"KS09-0001", "KS09-0002"}  # cohorts 1 and 2 have expired
