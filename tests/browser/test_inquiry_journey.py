"""An inquiry from a visitor without an account: they ask on a phone, confirm the address by the
mailed link, the secretariat answers on a desktop, the visitor reads the answer by the link of
the answer's mail and replies, and the secretariat sees the inquiry waiting again. axe on every
inquiry page; the form also in Japanese at both widths.

In English (the inquiry pages' Japanese comes with the merged catalogue).
"""
from __future__ import annotations

import re

import pytest

from support import PASSWORD as STAFF_PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

EMAIL = "megumi@example.net"
ENGLISH = {"locale": "en-GB"}


def test_a_visitor_asks_the_secretariat_answers_and_the_visitor_replies(app, new_page, live_server, mails,
                                                                        make_user, checkpoint):
    make_user("secretariat", email="office@example.jp", name="事務局 花子", locale="en")

    # The form in Japanese, at both widths, before anyone uses it.
    for phone in (False, True):
        japanese = new_page(phone=phone)
        japanese.goto("/inquiries/new")
        expect(japanese.locator("h1")).to_have_count(1)
        expect(japanese.locator("#category-0")).to_be_visible()
        checkpoint(japanese, "form-ja-phone" if phone else "form-ja-desktop")

    # A visitor asks, on a phone; a missing question is refused on its field first.
    page = new_page(phone=True, **ENGLISH)
    page.goto("/")
    page.locator("#footer-inquiry").click()
    expect(page.get_by_role("heading", level=1, name="Ask a question")).to_be_visible()
    page.get_by_label(label("Your name")).fill("阿蘇 恵")
    page.get_by_label(label("E-mail address")).fill(EMAIL)
    page.get_by_label("Applying for registration").check()
    page.get_by_label(label("Subject")).fill("添付書類について")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator("#body-error")).to_contain_text("Write your question.")
    checkpoint(page, "form-error")
    page.get_by_label(label("Your question")).fill("登記事項証明書は写しでもよいですか。")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("heading", level=1, name="Please check your e-mail")).to_be_visible()
    checkpoint(page, "check-mail")

    # The confirmation mail: the link confirms the address and opens the thread.
    (confirmation,) = mails(to=EMAIL)
    assert "添付書類" not in confirmation.body and "阿蘇" not in confirmation.body
    page.goto(live_server.link_in(confirmation.body))
    expect(page.get_by_role("heading", level=1, name="添付書類について")).to_be_visible()
    expect(page.locator(".flashes")).to_contain_text("your address is confirmed")
    checkpoint(page, "thread-confirmed")

    # The secretariat answers, on a desktop.
    office = new_page(**ENGLISH)
    office.goto("/login")
    office.get_by_label(label("E-mail address")).fill("office@example.jp")
    office.get_by_label(label("Password")).fill(STAFF_PASSWORD)
    office.get_by_role("button", name="Sign in", exact=True).click()
    office.goto("/staff/inquiries/")
    expect(office.get_by_role("heading", level=1, name="Inquiries")).to_be_visible()
    expect(office.locator("#tab-waiting")).to_contain_text("1")
    checkpoint(office, "staff-list")
    office.get_by_role("link", name=re.compile(r"^Q-\d{6}$")).click()
    expect(office.get_by_role("main")).to_contain_text("登記事項証明書は写しでもよいですか。")
    checkpoint(office, "staff-thread")
    office.get_by_label(label("Message")).fill("写しで差し支えありません。発行から3か月以内のものをご提出ください。")
    office.get_by_role("button", name="Save and send").click()
    expect(office.locator(".flashes")).to_contain_text(EMAIL)
    checkpoint(office, "staff-answered")

    # The visitor reads the answer by the link of its mail and replies.
    answer_mail = mails(to=EMAIL)[-1]
    assert "写しで差し支えありません" in answer_mail.body
    page.goto(live_server.link_in(answer_mail.body))
    expect(page.get_by_role("main")).to_contain_text("写しで差し支えありません。")
    page.get_by_label(label("Your reply")).fill("承知しました。原本の返却は可能ですか。")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.locator(".flashes")).to_contain_text("Your reply was sent.")
    checkpoint(page, "thread-replied")

    # The secretariat sees it waiting again.
    office.goto("/staff/inquiries/")
    expect(office.locator("tr.inquiry-waiting")).to_have_count(1)
    expect(office.locator("#tab-waiting")).to_contain_text("1")
    checkpoint(office, "staff-list-waiting-again")


def test_a_registrant_asks_the_city_about_the_logo_and_finds_the_answer_on_their_list(
        app, new_page, make_user, make_organisation, mails, checkpoint):
    """Signed in, in Japanese: the question goes to the city's office, whose staff answer it; the
    applicant's list and thread pass axe at both widths."""
    owner = make_user(email="owner@example.jp", name="熊本 花子")
    make_organisation(owner)
    make_user("city", email="city@example.jp", name="熊本市 担当")

    page = new_page()
    page.goto("/login")
    page.locator("#email").fill("owner@example.jp")
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.goto("/inquiries/new?category=logo")
    expect(page.locator("#category-3")).to_be_checked()
    expect(page.locator("#name")).to_have_count(0)  # the account's own name and address are used
    page.locator("#subject").fill("名刺への掲載")
    page.locator("#body").fill("名刺にロゴマークを単色で印刷してもよいですか。")
    page.locator("form.inquiry-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/inquiries/\d+$"))
    checkpoint(page, "applicant-thread-ja")

    city = new_page()
    city.goto("/login")
    city.locator("#email").fill("city@example.jp")
    city.locator("#password").fill(STAFF_PASSWORD)
    city.locator("form button[type=submit]").first.click()
    city.goto("/staff/inquiries/")
    city.locator("table.inquiry-list a").first.click()
    checkpoint(city, "city-thread-ja")
    city.locator("#body").fill("単色での使用も可能です。使用許可の申請をお願いいたします。")
    city.locator("form[action$='/answer'] button[type=submit]").click()
    expect(city.locator(".flashes")).to_contain_text("owner@example.jp")
    answer = mails(to="owner@example.jp")[-1]
    assert answer.subject.startswith("【熊本市】") and "単色での使用も可能です" in answer.body

    phone = new_page(phone=True, storage_state=page.context.storage_state())
    phone.goto("/inquiries/")
    expect(phone.locator(".inquiry-cards")).to_contain_text("名刺への掲載")
    checkpoint(phone, "applicant-list-ja-phone")
    phone.get_by_role("link", name="名刺への掲載").click()
    expect(phone.get_by_role("main")).to_contain_text("単色での使用も可能です。")
    checkpoint(phone, "applicant-thread-answered-ja-phone")
