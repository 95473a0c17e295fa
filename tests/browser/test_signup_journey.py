"""A new applicant on a phone, in Japanese: sign up, confirm the address from the mail, sign in,
enter the organisation's profile with the postal-code lookup, then look at it in English.

Every field is found by the label a person reads, every page is checked with axe-core, and
every page is photographed into test-artifacts/.
"""
from __future__ import annotations

import re

import pytest

from support import PASSWORD as EXISTING_USERS_PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

EMAIL = "hanako@example.jp"
PASSWORD = "kumamoto-sdgs-2030"
PREFECTURAL_OFFICE = "862-8570"  # 熊本県庁: a large office's own postal code, street number included
ADDRESS = "熊本県熊本市中央区水前寺6丁目18-1"
ORGANISATION = "株式会社くまもと未来"


def test_a_new_applicant_signs_up_and_enters_the_organisation_on_a_phone(phone_page, live_server, mails,
                                                                          checkpoint, screenshot):
    page = phone_page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    checkpoint(page, "home")

    # Sign up.
    page.get_by_role("link", name="アカウントを作成して申請する").click()
    expect(page.get_by_role("heading", level=1, name="アカウントを作成")).to_be_visible()
    page.get_by_label(label("氏名")).fill("熊本 花子")
    page.get_by_label(label("メールアドレス")).fill(EMAIL)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_label(label("パスワード（確認用）")).fill(PASSWORD)
    page.get_by_label(label("利用規約とプライバシーポリシーに同意します。")).check()
    checkpoint(page, "signup-filled")
    page.get_by_role("button", name="アカウントを作成", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="メールを確認してください")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(EMAIL)
    checkpoint(page, "check-your-mail")

    # The verification mail, in Japanese, with a link to this server.
    sent = mails(to=EMAIL)
    assert [mail.locale for mail in sent] == ["ja"]
    page.goto(live_server.link_in(sent[0].body))
    expect(page.get_by_role("status")).to_contain_text("メールアドレスを確認しました。")
    expect(page.get_by_role("heading", level=1, name="ログイン")).to_be_visible()
    checkpoint(page, "verified-sign-in")

    # Sign in: an applicant without an organisation lands on the organisation form.
    page.get_by_label(label("メールアドレス")).fill(EMAIL)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisations/new$"))
    expect(page.get_by_role("heading", level=1, name="事業者情報")).to_be_visible()
    page.wait_for_load_state("load")  # postal.js (deferred) has attached its handlers
    screenshot(page, "organisation-form")  # axe looks at this page once it is filled in

    # The postal code fills the address in the page: postal.js asks /postal-codes/, under the CSP.
    page.get_by_label(label("郵便番号")).fill(PREFECTURAL_OFFICE)
    with page.expect_response(lambda response: "/postal-codes/8628570" in response.url) as lookup:
        page.get_by_role("button", name="住所を検索").click()
    assert lookup.value.ok
    expect(page.get_by_label(label("所在地"))).to_have_value(ADDRESS)
    expect(page.locator("#postal-status")).to_contain_text(ADDRESS)  # only the script writes there

    page.get_by_label("法人", exact=True).check()
    page.get_by_label(label("法人番号")).fill("8330001000000")
    page.get_by_label(label("名称")).fill(ORGANISATION)
    page.get_by_label(label("フリガナ")).fill("カブシキガイシャクマモトミライ")
    page.get_by_label(label("代表者の役職")).fill("代表取締役")
    page.get_by_label(label("代表者の氏名")).fill("熊本 太郎")
    page.get_by_label(label("業種（日本標準産業分類）")).select_option(label="E 製造業")
    page.get_by_label(label("担当者氏名")).fill("熊本 花子")
    page.get_by_label(label("電話番号")).fill("096-333-2111")
    page.get_by_label(label("連絡先メールアドレス")).fill(EMAIL)
    checkpoint(page, "organisation-form-filled")
    page.get_by_role("button", name="事業者情報を保存").click()

    # The organisation's page.
    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    expect(page.get_by_role("heading", level=1, name=ORGANISATION)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("事業者情報を保存しました。")
    expect(page.get_by_role("main")).to_contain_text(f"〒{PREFECTURAL_OFFICE} {ADDRESS}")
    checkpoint(page, "organisation")

    # English, then back to Japanese, with the header link.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2, name="Profile")).to_be_visible()
    expect(page.get_by_role("link", name="Edit the profile")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Manufacturing")
    checkpoint(page, "organisation-english")

    page.get_by_role("link", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("link", name="事業者情報を編集")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("製造業")
    checkpoint(page, "organisation-japanese")


def test_without_javascript_the_address_button_asks_the_server(new_page, make_user, checkpoint):
    make_user(email="no-script@example.jp")
    page = new_page(phone=True, javascript=False)
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill("no-script@example.jp")
    page.get_by_label(label("パスワード")).fill(EXISTING_USERS_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisations/new$"))

    page.get_by_label(label("名称")).fill(ORGANISATION)
    page.get_by_label(label("郵便番号")).fill(PREFECTURAL_OFFICE)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="住所を検索").click()
    assert answer.value.status == 200 and answer.value.url.endswith("/organisations/new")

    # The form came back from the server: the address filled in, what was typed kept, no errors.
    expect(page.get_by_label(label("所在地"))).to_have_value(ADDRESS)
    expect(page.get_by_label(label("郵便番号"))).to_have_value(re.compile(r"^862-?8570$"))
    expect(page.get_by_label(label("名称"))).to_have_value(ORGANISATION)
    expect(page.locator(".error-summary")).to_have_count(0)
    checkpoint(page, "address-from-server")
