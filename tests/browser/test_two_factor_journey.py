"""Two-step sign-in, at a desk in Japanese, where it is required (TWO_FACTOR_REQUIRED, as in
production): a reviewer who signs in with the password alone is sent to set it up, reads the
key off the page into an authenticator app (the QR code holds the same key), confirms a code,
sees the recovery codes once and reaches the staff pages; signs out; asks for the review queue,
signs in with the password, is refused the code already used, and with the app's next code
lands on the review queue.

The enrolment and second-factor pages are also checked and photographed in English and on a
phone (390 px), each language; every page is checked with axe-core and photographed into
test-artifacts/. The new pages' strings may not be translated yet: what a Japanese page shows is
read from the catalogues (`ja`), so the test holds before and after they are merged.
"""
from __future__ import annotations

import io
import re
import time

import pyotp
import pytest
from flask_babel import force_locale, gettext

from support import PASSWORD, require_or_skip

from .conftest import expect, label

pytestmark = pytest.mark.browser

REVIEWER = "shinsa@example.jp"


def ja(app, message: str) -> str:
    """`message` as a Japanese page shows it, whatever the state of the catalogues."""
    with app.test_request_context(), force_locale("ja"):
        return gettext(message)


class Authenticator:
    """The app on the reviewer's phone, set up from the key on the page. The portal takes a
    code once (one per 30-second time step) and also the next step's, for clocks a little off:
    a second code within the same step is the next step's, and a third waits for the clock."""

    def __init__(self, key: str):
        self.totp = pyotp.TOTP(key)
        self.last_step = -1

    def code(self) -> str:
        step = max(int(time.time()) // self.totp.interval, self.last_step + 1)
        while step > int(time.time()) // self.totp.interval + 1:
            time.sleep(0.5)
        self.last_step = step
        return self.totp.generate_otp(step)


@pytest.fixture
def two_factor_required(app, monkeypatch):
    """The live app as production runs it: staff and partners must use two-step sign-in."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)


def sign_in_with_password(page) -> None:
    page.get_by_label(label("メールアドレス")).fill(REVIEWER)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()


def in_english_and_on_a_phone(page, path: str, step: str, heading: str, new_page, checkpoint) -> None:
    """The page at `path` in English at the desk, then in each language on a phone holding a
    copy of the desk's cookies (the same session); the desk is left on the page in Japanese."""
    page.goto(f"{path}?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    checkpoint(page, f"{step}-en-1280")
    phone = new_page(phone=True)
    phone.context.add_cookies(page.context.cookies())
    for language in ("ja", "en"):
        phone.goto(f"{path}?lang={language}")
        expect(phone.locator("html")).to_have_attribute("lang", language)
        checkpoint(phone, f"{step}-{language}-390")
    page.goto(f"{path}?lang=ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def qr_code_text(page, image) -> str:
    """What a phone reads from the QR code `image` on the page."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        zxingcpp = Image = None
    require_or_skip(zxingcpp is not None,
                    "zxing-cpp and Pillow are not installed (pip install -r requirements-dev.txt)")
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    return found.text


def test_a_reviewer_sets_up_two_step_sign_in_and_signs_in_with_a_code(app, new_page, make_user, mails, checkpoint,
                                                                       two_factor_required):
    make_user("reviewer", email=REVIEWER, name="審査 一郎")
    desk = new_page()
    heading = desk.get_by_role("heading", level=1)
    site_menu = desk.get_by_role("navigation", name="サイトメニュー")

    # The password alone: sent to set up two-step sign-in, and kept there.
    desk.goto("/login")
    sign_in_with_password(desk)
    expect(desk).to_have_url(re.compile(r"/account/two-factor$"))
    expect(heading).to_have_text(ja(app, "Two-step sign-in"))
    expect(desk.locator(".notice-warning")).to_contain_text(ja(
        app, "Your account can see other people's data, so it signs in with a code from an authenticator app "
             "as well as the password. Please set it up now: the other pages open once it is done."))
    checkpoint(desk, "enrolment-ja-1280")
    site_menu.get_by_role("link", name="職員メニュー").click()
    expect(desk).to_have_url(re.compile(r"/account/two-factor$"))
    in_english_and_on_a_phone(desk, "/account/two-factor", "enrolment", "Two-step sign-in", new_page, checkpoint)

    # The key, in groups of four for typing into the app; the QR code holds the same key.
    key = desk.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", key), key
    phone_app = Authenticator(key.replace(" ", ""))
    scanned = pyotp.parse_uri(qr_code_text(desk, desk.get_by_role("img", name=ja(
        app, "QR code for the authenticator app"))))
    assert (scanned.secret, scanned.name) == (key.replace(" ", ""), REVIEWER)

    # The app's code turns it on; the recovery codes are shown, once.
    enrolment_code = phone_app.code()
    desk.get_by_label(label(ja(app, "Code from the app"))).fill(enrolment_code)
    desk.get_by_role("button", name=ja(app, "Turn on two-step sign-in")).click()
    expect(heading).to_have_text(ja(app, "Your recovery codes"))
    expect(desk.get_by_role("status")).to_contain_text(ja(app, "Two-step sign-in is on."))
    codes = desk.locator(".recovery-codes li")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes.all_inner_texts())
    checkpoint(desk, "recovery-codes")
    assert len(mails(to=REVIEWER)) == 1  # "two-step sign-in was turned on", in case it was not them

    # The staff pages open now.
    desk.get_by_role("link", name=ja(app, "I have kept them: continue")).click()
    site_menu.get_by_role("link", name="職員メニュー").click()
    expect(heading).to_have_text("職員メニュー")
    checkpoint(desk, "staff-menu")
    site_menu.get_by_role("button", name="ログアウト").click()
    expect(desk.get_by_role("status")).to_contain_text(ja(app, "You have signed out."))

    # Later: the review queue asks for a sign-in, the password for the second step.
    desk.goto("/staff/review/")
    expect(desk).to_have_url(re.compile(r"/login\?next="))
    sign_in_with_password(desk)
    expect(desk).to_have_url(re.compile(r"/login/second-factor$"))
    expect(heading).to_have_text(ja(app, "Two-step sign-in"))
    checkpoint(desk, "second-factor-ja-1280")
    in_english_and_on_a_phone(desk, "/login/second-factor", "second-factor", "Two-step sign-in", new_page, checkpoint)

    # The code used to enrol works no more; the app's next one does, and the queue opens.
    code_field = desk.get_by_label(label(ja(app, "Code")))
    code_field.fill(enrolment_code)
    desk.get_by_role("button", name="ログイン", exact=True).click()
    expect(desk.get_by_role("main")).to_contain_text(ja(
        app, "The code is not correct, or it has already been used. Please enter the code your app shows now."))
    checkpoint(desk, "second-factor-refused")
    code_field.fill(phone_app.code())
    desk.get_by_role("button", name="ログイン", exact=True).click()
    expect(desk).to_have_url(re.compile(r"/staff/review/$"))
    expect(heading).to_have_text("審査一覧")
    checkpoint(desk, "review-queue")
