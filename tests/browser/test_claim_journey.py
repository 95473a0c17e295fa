"""Claim letters to a registrant imported from before the portal: the secretariat prints the
cohort's letters; a person at the registrant signs up on a phone, confirms the address, signs in,
types the registration number and the code from the letter, completes the representative and
the contact, and lands on their organisation's registration as its owner.

In English (the claim pages' Japanese comes with the merged catalogue); the letter is Japanese.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from portal.core.extensions import db
from support import PASSWORD as STAFF_PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

EMAIL = "keiko@example.jp"
PASSWORD = "higo-claim-2030-letter"
ENGLISH = {"locale": "en-GB"}


def _imported(app) -> None:
    from portal.registrations.importer import import_rows

    rows = [{"corporate_number": "", "name": name, "name_kana": kana, "kind": "group", "postal_code": postal,
             "address": address, "industry": "R", "goals": "6;11"}
            for name, kana, postal, address in (
                ("白川湧水の会", "シラカワユウスイノカイ", "860-0806", "熊本市中央区花畑町4-1"),
                ("江津湖を守る会", "エヅコヲマモルカイ", "862-0950", "熊本市中央区水前寺6-18-1"))]
    with app.test_request_context():
        import_rows(rows, 1, date.today() - timedelta(days=300))
        db.session.commit()


def test_the_secretariat_prints_letters_and_a_registrant_claims_with_the_code(app, new_page, live_server, mails,
                                                                              make_user, checkpoint, screenshot):
    _imported(app)
    make_user("secretariat", email="office@example.jp", name="事務局 花子", locale="en")

    # The secretariat prints the cohort's claim letters.
    office = new_page(**ENGLISH)
    office.goto("/login")
    office.get_by_label(label("E-mail address")).fill("office@example.jp")
    office.get_by_label(label("Password")).fill(STAFF_PASSWORD)
    office.get_by_role("button", name="Sign in", exact=True).click()
    office.goto("/staff/claims/")
    expect(office.get_by_role("heading", level=1, name="Claims of imported registrations")).to_be_visible()
    checkpoint(office, "staff-claims")
    with office.expect_download() as download:
        office.get_by_role("button", name="Print 2 letters").click()
    letters = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(letters.pages) == 2
    first = letters.pages[0].extract_text()
    assert "白川湧水の会" in first and "KS01-0001" in first
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", first).group()
    claim_url = re.search(r"http://127\.0\.0\.1:\d+/claim/code", first).group()

    # Someone at the registrant signs up on a phone and confirms the address.
    page = new_page(phone=True, **ENGLISH)
    page.goto("/signup")
    page.get_by_label(label("Your name")).fill("熊本 恵子")
    page.get_by_label(label("E-mail address")).fill(EMAIL)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password (again)")).fill(PASSWORD)
    page.get_by_label(label("I agree to the terms of use and the privacy policy.")).check()
    page.get_by_role("button", name="Create the account", exact=True).click()
    page.goto(live_server.link_in(mails(to=EMAIL)[0].body))
    page.get_by_label(label("E-mail address")).fill(EMAIL)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisations/new$"))

    # The letter's address; first a mistyped code, then the right one.
    page.goto(claim_url)
    expect(page.get_by_role("heading", level=1, name="Claim with a code")).to_be_visible()
    checkpoint(page, "claim-code-form")
    page.get_by_label(label("Registration number")).fill("ks01-0001")
    page.get_by_label(label("Claim code")).fill("ABCD-EFGH-JK23")
    page.get_by_label(label("Representative's title")).fill("会長")
    page.get_by_label(label("Representative's name")).fill("白川 清")
    page.get_by_label(label("Contact person's name")).fill("熊本 恵子")
    page.get_by_label(label("Phone")).fill("096-123-4567")
    page.get_by_label(label("Contact e-mail address")).fill(EMAIL)
    page.get_by_role("button", name="Claim the registration").click()
    expect(page.locator("#code-error")).to_contain_text("This code does not match this registration number.")
    checkpoint(page, "claim-code-wrong")
    page.get_by_label(label("Claim code")).fill(code.lower())
    page.get_by_role("button", name="Claim the registration").click()
    expect(page).to_have_url(re.compile(r"/registrations/\d+$"))
    expect(page.get_by_role("main")).to_contain_text("KS01-0001")
    expect(page.get_by_role("main")).to_contain_text("白川湧水の会")
    checkpoint(page, "claimed-registration")
    assert any("KS01-0001" in mail.subject for mail in mails(to=EMAIL))
