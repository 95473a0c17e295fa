"""The secretariat names a cohort by its fiscal year when planning it (「令和9年度第1期」), renames it
on its name page, and blanks the name to call it 「第N期」 again — in Japanese, on a desktop and on
a phone, every page checked with axe."""
from __future__ import annotations

import re

import pytest

from support import PASSWORD

from .conftest import expect

pytestmark = pytest.mark.browser

SECRETARIAT = "secretariat@example.jp"
NAME = "令和9年度第1期"
RENAMED = "令和9年度第1期（追加募集）"


def _sign_in(page) -> None:
    page.goto("/login")
    page.locator("#email").fill(SECRETARIAT)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def test_the_secretariat_names_and_renames_a_cohort(app, make_user, new_page, checkpoint):
    make_user("secretariat", email=SECRETARIAT, name="事務局 花子")
    page = new_page()
    _sign_in(page)

    page.goto("/staff/cohorts/new")
    expect(page.locator("#cohort-display-name")).to_be_visible()
    page.locator("#cohort-display-name").fill(NAME)
    page.locator("#first_day").fill("2027-05-01")
    page.locator("#last_day").fill("2027-05-31")
    checkpoint(page, "plan-with-a-name")
    page.locator("#cohort-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)

    page.goto("/staff/cohorts/")
    expect(page.locator("#cohort-1 th a")).to_have_text(NAME)
    cohort_id = re.search(r"/staff/cohorts/(\d+)", page.locator("#cohort-1 th a").get_attribute("href")).group(1)

    # The name page: the form the cohort's page includes too.
    page.goto(f"/staff/cohorts/{cohort_id}/name")
    expect(page.locator("#cohort-display-name")).to_have_value(NAME)
    checkpoint(page, "name-page")
    page.locator("#cohort-display-name").fill(RENAMED)
    page.locator("#cohort-name-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)

    # Blank: 「第1期」 again.
    page.goto(f"/staff/cohorts/{cohort_id}/name")
    page.locator("#cohort-display-name").fill("")
    page.locator("#cohort-name-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("第1期")

    # On a phone, in English: the form fits, the name is marked Japanese.
    phone = new_page(phone=True, locale="en-GB")
    _sign_in(phone)
    phone.goto(f"/staff/cohorts/{cohort_id}/name?lang=en")
    phone.locator("#cohort-display-name").fill(NAME)
    phone.locator("#cohort-name-form button[type=submit]").click()
    phone.goto(f"/staff/cohorts/{cohort_id}/name")
    expect(phone.locator("#cohort-name-now strong[lang=ja]")).to_have_text(NAME)
    checkpoint(phone, "name-page-phone-en")
