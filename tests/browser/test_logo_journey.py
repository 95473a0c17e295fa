"""Issue "Kumamoto for SDGs logo-use permits", end to end in a browser: a small company's owner,
on a phone, asks to use the logo (first forgetting to agree to the rules), with a mock-up;
Kumamoto City's staff (desktop; the logo is the city's), landing on the city's menu, approve it —
permit KFS-<year>-0001; the owner downloads the permit PDF (IPAex embedded) and the permitted
variant, and is refused another variant; the city revokes the permit; the owner is mailed and
the file is refused (404).

Pages are in English (Accept-Language en): the logo pages' Japanese catalogue is filled when
the feature is merged, and this story must not depend on it. Every page visited is
photographed into test-artifacts/ and checked with axe-core.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from support import PASSWORD

from portal.core.i18n import today_jst
from portal.core.pdf import embedded_fonts

from .conftest import expect, label

pytestmark = pytest.mark.browser

OWNER = "owner@example.jp"
CITY = "city@example.jp"
COMPANY = "株式会社くまもとエコ印刷"
ACTIVITY = "Our business cards and website show that we print with plant-based inks on recycled paper."
TODAY = today_jst()
NUMBER = f"KFS-{TODAY.year}-0001"


@pytest.fixture
def people(make_user, make_organisation):
    owner = make_user(email=OWNER, name="熊本 花子", locale="en")
    make_organisation(owner, name=COMPANY, name_kana="カブシキガイシャクマモトエコインサツ", contact_email=OWNER)
    make_user("city", email=CITY, name="熊本市 職員", locale="en")


def sign_in(page, email: str, check=None) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    if check:
        check(page)
    page.get_by_label(label("E-mail address")).fill(email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Site menu")
           .get_by_role("button", name="Sign out")).to_be_visible()


def flash(page):
    return page.get_by_role("status").first


def test_a_permit_is_requested_approved_downloaded_and_revoked(new_page, live_server, mails, checkpoint, people,
                                                              tmp_path):
    from PIL import Image

    owner = new_page(phone=True, locale="en-GB")
    city = new_page(locale="en-GB")
    mockup = tmp_path / "business-card.png"
    Image.new("RGB", (600, 350), "white").save(mockup)

    # --- The owner, on a phone, finds the logo page from the home page. ---
    owner.goto("/")
    owner.get_by_role("link", name="About the logo and how to apply").click()
    expect(owner.get_by_role("heading", level=1, name="“Kumamoto for SDGs” logo")).to_be_visible()
    expect(owner.get_by_role("main")).to_contain_text("PLACEHOLDER")
    checkpoint(owner, "logo-page-anonymous")
    sign_in(owner, OWNER)
    owner.goto("/logos/")
    owner.get_by_role("link", name="Request permission to use the logo").click()
    expect(owner.get_by_role("heading", level=1, name="Request permission to use the logo")).to_be_visible()
    expect(owner.get_by_label(label("Name of the corporation, group or person"))).to_have_value(COMPANY)
    checkpoint(owner, "request-form-prefilled")

    # She fills it in, but sends it without agreeing to the rules: told so, nothing lost.
    owner.get_by_label(label("The activity in which the logo will be used")).fill(ACTIVITY)
    owner.get_by_label(re.compile(r"^\s*12\s")).check()
    owner.get_by_label("Business cards", exact=True).check()
    owner.get_by_label("Website or social media", exact=True).check()
    owner.get_by_label("Colour, with wording, horizontal").check()
    owner.get_by_label(label("First day of use")).fill((TODAY + timedelta(days=3)).isoformat())
    owner.get_by_label(label("Last day of use")).fill((TODAY + timedelta(days=3 + 700)).isoformat())
    owner.get_by_role("button", name="Send the request").click()
    summary = owner.get_by_role("alert").filter(has=owner.get_by_role("heading", name="Please check the following"))
    expect(summary).to_contain_text("Tick this box to agree to the rules")
    expect(owner.get_by_label(label("The activity in which the logo will be used"))).to_have_value(ACTIVITY)
    checkpoint(owner, "request-form-not-agreed")

    # She agrees, attaches the mock-up and sends it.
    owner.get_by_label(label("Mock-up")).set_input_files(str(mockup))
    owner.get_by_label(re.compile(r"I have read the rules for using the logo")).check()
    owner.get_by_role("button", name="Send the request").click()
    expect(flash(owner)).to_contain_text("Your request was sent to the secretariat")
    expect(owner.locator("#permit-status")).to_contain_text("Received, being checked")
    checkpoint(owner, "request-sent")
    [received] = [m for m in mails(to=OWNER) if "received your request" in m.subject]
    assert live_server.link_in(received.body).startswith(live_server("/logos/"))

    # --- The city's staff land on their menu, find it waiting and approve it. ---
    sign_in(city, CITY)
    expect(city.get_by_role("heading", level=1, name="City menu")).to_be_visible()
    expect(city.get_by_role("navigation", name="Site menu").get_by_role("link", name="City menu")).to_be_visible()
    checkpoint(city, "city-menu")
    city.get_by_role("main").get_by_role("link", name="Logo permits", exact=True).click()
    expect(city.get_by_role("heading", level=1, name="Logo permits")).to_be_visible()
    row = city.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text("Waiting for a decision")
    checkpoint(city, "staff-queue")
    row.get_by_role("link").first.click()
    expect(city.get_by_role("main")).to_contain_text(ACTIVITY)
    expect(city.get_by_role("link", name="business-card.png")).to_be_visible()
    approve = city.locator("#approve")
    expect(approve.get_by_label("Colour, with wording, horizontal")).to_be_checked()
    approve.get_by_label(label("Conditions")).fill("Send us a photo of the printed business card.")
    checkpoint(city, "staff-request")
    approve.get_by_role("button", name="Approve and issue the permit").click()
    expect(flash(city)).to_contain_text(f"Permit {NUMBER} was issued")
    checkpoint(city, "staff-approved")
    assert any(NUMBER in m.subject for m in mails(to=OWNER))

    # --- The owner downloads the permit and the permitted variant. ---
    owner.reload()
    expect(owner.get_by_role("heading", level=1)).to_have_text(f"Permit {NUMBER}")
    expect(owner.locator("#permit-status")).to_contain_text("Permitted")
    checkpoint(owner, "permit")
    with owner.expect_download(timeout=30_000) as download_info:
        owner.get_by_role("link", name="Download the permit (PDF)").click()
    permit_pdf = tmp_path / "permit.pdf"
    download_info.value.save_as(permit_pdf)
    assert download_info.value.suggested_filename == f"ロゴマーク使用許可書_{NUMBER}.pdf"
    assert "IPAexMincho" in embedded_fonts(permit_pdf.read_bytes())
    files = owner.locator("#files")
    expect(files.get_by_role("listitem")).to_have_count(1)
    with owner.expect_download() as download_info:
        files.get_by_role("link", name=re.compile(r"^SVG file")).click()
    svg = tmp_path / "logo.svg"
    download_info.value.save_as(svg)
    assert download_info.value.suggested_filename == "kumamoto-for-sdgs_color-horizontal.svg"
    assert "PLACEHOLDER" in svg.read_text(encoding="utf-8")

    # A variant the permit does not include is refused, with the reason.
    refused = owner.goto(f"{owner.url}/files/mono-vertical.svg")
    assert refused.status == 404
    expect(owner.get_by_role("heading", level=1)).to_have_text("This logo file cannot be downloaded")
    expect(owner.get_by_role("main")).to_contain_text("does not include this design variant")
    checkpoint(owner, "variant-refused")
    owner.go_back()

    # --- The city revokes the permit. ---
    revoke = city.locator("#revoke")
    revoke.get_by_label(label("Reason for the revocation")).fill("The logo was printed in other colours.")
    revoke.get_by_label(re.compile(r"I confirm that this permit is revoked today")).check()
    checkpoint(city, "staff-revoke-form")
    revoke.get_by_role("button", name="Revoke the permit").click()
    expect(flash(city)).to_contain_text("The permit was revoked")
    expect(city.locator("#state")).to_contain_text("Revoked")
    checkpoint(city, "staff-revoked")

    # --- The owner is mailed, and the file no longer downloads. ---
    [revoked] = [m for m in mails(to=OWNER) if "revoked" in m.subject]
    assert "The logo was printed in other colours." in revoked.body
    owner.reload()
    expect(owner.locator("#permit-status")).to_contain_text("Revoked")
    expect(owner.locator("#files")).to_have_count(0)
    checkpoint(owner, "permit-revoked")
    gone = owner.goto(f"{owner.url}/files/color-horizontal.svg")
    assert gone.status == 404
    expect(owner.get_by_role("main")).to_contain_text("only while a permit is valid")
    checkpoint(owner, "file-refused-after-revocation")
