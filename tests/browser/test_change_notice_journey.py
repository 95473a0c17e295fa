"""The register is a record, in a browser: a registrant (on a phone) finds its certified
details locked on its profile, files a change notice (変更届) from its registration page — a move
into 熊本市北区 and a new representative, with the certified copy of the register — and nothing
changes yet; the secretariat (desktop) compares the details before and after and accepts it; the
registrant sees the dated history and downloads the reissued certificate (再交付), whose text says
so; the public verification page names the earlier name.

Pages are in English (the new strings' Japanese arrives with the catalogues); the last test looks
at the same pages in Japanese, at desk and phone widths, for the screenshots.
"""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from portal.core.i18n import today_jst
from portal.core.japanese import wareki

from .conftest import expect, label
from .test_logo_journey import flash, sign_in

pytestmark = pytest.mark.browser

OWNER = "owner@example.jp"
SECRETARIAT = "secretariat@example.jp"
NAME = "菊陽半導体サポート株式会社"
NEW_NAME = "くまもと半導体サポート株式会社"
TODAY = today_jst()


@pytest.fixture
def registration(app, make_user, make_organisation, tmp_path, monkeypatch):
    """A live registration KS05-0001 of a company in 菊陽町, decided a year ago; its number."""
    from portal.cohorts import operations as cohorts
    from portal.core.extensions import db
    from portal.registrations import details
    from portal.registrations.models import Registration
    from portal.registrations.terms import term_end

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    owner = make_user(email=OWNER, name="菊陽 花子", locale="en")
    organisation_id = make_organisation(owner, name=NAME, name_kana="キクヨウハンドウタイサポート",
                                        representative_name="菊陽 花子", postal_code="8691102",
                                        address="熊本県菊池郡菊陽町原水2900", contact_email=OWNER)
    make_user("secretariat", email=SECRETARIAT, name="事務局 太郎", locale="en")
    decided = TODAY - timedelta(days=365)
    with app.app_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(5, now - timedelta(days=460), now - timedelta(days=430))
        record = Registration(number="KS05-0001", cohort_id=cohort.id, sequence=1, organisation_id=organisation_id,
                              registered_on=decided, valid_until=term_end(decided), municipality_code="43404")
        db.session.add(record)
        db.session.flush()
        details.add_first([(record.id, record.organisation, decided)])
        db.session.commit()
        return record.id


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("　", "")


def test_a_change_notice_from_filing_to_the_reissued_certificate(new_page, live_server, mails, checkpoint,
                                                                  registration, tmp_path):
    owner = new_page(phone=True, locale="en-GB")
    secretariat = new_page(locale="en-GB")
    document = tmp_path / "touki.pdf"
    document.write_bytes(b"%PDF-1.4\n% certified copy of the commercial register\n")

    # --- The owner finds the certified details locked on the profile, with the way to a change notice. ---
    sign_in(owner, OWNER)
    owner.goto("/organisation")
    owner.get_by_role("link", name="Edit the profile").first.click()
    certified = owner.get_by_role("region", name="Certified details")
    expect(certified).to_contain_text(NAME)
    expect(owner.get_by_label(label("Name of the organisation"))).to_have_count(0)
    expect(owner.get_by_label(label("Contact person's name"))).to_be_editable()
    checkpoint(owner, "profile-locked")

    # --- From the registration page, she files the change notice. ---
    owner.goto(f"/registrations/{registration}")
    expect(owner.locator("#details-history li.card")).to_have_count(1)
    first_certificate = owner.request.get(live_server(f"/registrations/{registration}/certificate.pdf"))
    owner.get_by_role("link", name="File a change notice").click()
    expect(owner.get_by_role("heading", level=1, name="Change notice")).to_be_visible()
    expect(owner.get_by_label(label("Name of the organisation"))).to_have_value(NAME)
    checkpoint(owner, "change-notice-form")
    owner.get_by_label(label("Name of the organisation")).fill(NEW_NAME)
    owner.get_by_label(label("Name in katakana")).fill("クマモトハンドウタイサポート")
    owner.get_by_label(label("Representative's name")).fill("光の森 翔")
    owner.get_by_label(label("Postal code")).fill("861-8003")
    owner.get_by_label(label("Address")).fill("熊本県熊本市北区楠6丁目6-25")
    # A date in the future is refused on its field, nothing lost.
    owner.get_by_label(label("Date the change took effect")).fill((TODAY + timedelta(days=2)).isoformat())
    owner.get_by_role("button", name="File the change notice").click()
    expect(owner.locator("#effective_on-error")).to_contain_text("cannot be in the future")
    expect(owner.get_by_label(label("Name of the organisation"))).to_have_value(NEW_NAME)
    checkpoint(owner, "change-notice-future-date")
    owner.get_by_label(label("Date the change took effect")).fill((TODAY - timedelta(days=10)).isoformat())
    owner.get_by_label(label("Supporting document")).set_input_files(str(document))
    owner.get_by_role("button", name="File the change notice").click()
    expect(flash(owner)).to_contain_text("Nothing changes until the secretariat accepts it")
    notice = owner.locator("#change-notices article").first
    expect(notice).to_contain_text("Waiting for the secretariat")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Registration KS05-0001")
    expect(owner.locator("#details-history li.card")).to_have_count(1)
    checkpoint(owner, "change-notice-filed")
    assert any("received" in m.subject for m in mails(to=OWNER))

    # --- The secretariat compares before and after, opens the document and accepts. ---
    sign_in(secretariat, SECRETARIAT)
    secretariat.goto("/staff/registrations/notices")
    checkpoint(secretariat, "staff-notices")
    secretariat.get_by_role("link", name="KS05-0001").click()
    expect(secretariat.get_by_role("heading", level=1)).to_contain_text("KS05-0001")
    changes = secretariat.locator("table.changes")
    expect(changes.locator('tr[data-field="name"]')).to_contain_text(NAME)
    expect(changes.locator('tr[data-field="name"]')).to_contain_text(NEW_NAME)
    expect(changes.locator('tr[data-field="municipality_code"]')).to_contain_text("Kita")
    expect(secretariat.get_by_role("link", name="touki.pdf")).to_be_visible()
    checkpoint(secretariat, "staff-notice")
    # Returning needs a reason.
    secretariat.get_by_role("button", name="Return the change notice").click()
    expect(secretariat.locator("#reason-error")).to_be_visible()
    checkpoint(secretariat, "staff-notice-return-without-reason")
    secretariat.get_by_label(label("Message to the registrant")).fill("登記簿を確認しました。")
    secretariat.get_by_role("button", name="Accept the change notice").click()
    expect(flash(secretariat)).to_contain_text("The change notice was accepted")
    checkpoint(secretariat, "staff-notice-accepted")
    secretariat.goto(f"/staff/registrations/{registration}")
    expect(secretariat.locator("#details-history li.card")).to_have_count(2)
    checkpoint(secretariat, "staff-registration-history")

    # --- The owner sees the history and downloads the reissued certificate. ---
    [accepted] = [m for m in mails(to=OWNER) if "accepted" in m.subject]
    assert "登記簿を確認しました。" in accepted.body
    owner.goto(f"/registrations/{registration}")
    expect(owner.locator("#details-history li.card")).to_have_count(2)
    expect(owner.locator("#details-history")).to_contain_text(NEW_NAME)
    expect(owner.get_by_role("main")).to_contain_text("Reissued on")
    checkpoint(owner, "registration-history")
    with owner.expect_download(timeout=30_000) as download_info:
        owner.get_by_role("link", name="Download the certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    text = _text(pdf.read_bytes())
    assert f"{wareki(TODAY)}記載事項変更により再交付" in text
    assert NEW_NAME in text and "KS05-0001" in text and wareki(TODAY - timedelta(days=365)) in text
    assert "再交付" not in _text(first_certificate.body())

    # --- Anyone verifying the number sees the new name and the earlier one. ---
    owner.goto("/verify/KS05-0001")
    expect(owner.get_by_role("main")).to_contain_text(NEW_NAME)
    expect(owner.get_by_role("main")).to_contain_text(f"Formerly {NAME}")
    checkpoint(owner, "verify")


@pytest.mark.parametrize("locale", ["ja-JP", "en-GB"])
def test_the_change_notice_pages_at_desk_and_phone_widths(app, new_page, checkpoint, registration, locale):
    """The pages of the round trip, in each language, at 1280 and 390 pixels (screenshots, axe, no
    sideways scrolling), after one change was accepted."""
    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.registrations import operations
    from portal.registrations.models import Registration

    with app.test_request_context():
        record = db.session.get(Registration, registration)
        owner = db.session.scalar(db.select(User).where(User.email == OWNER))
        secretary = db.session.scalar(db.select(User).where(User.email == SECRETARIAT))
        values = {f: getattr(record.organisation, f) for f in ("name", "name_kana", "representative_title",
                                                                "representative_name", "postal_code", "address",
                                                                "industry")}
        notice = operations.file_change_notice(record, owner, {**values, "representative_name": "光の森 翔"},
                                               TODAY - timedelta(days=3))
        operations.accept_change_notice(notice, secretary, "受理しました。")
        second = operations.file_change_notice(record, owner, {**values, "representative_name": "光の森 翔",
                                                               "name": NEW_NAME}, TODAY - timedelta(days=1))
        for person in (owner, secretary):  # the pages in the account's language
            person.locale = locale[:2]
        db.session.commit()
        second_id, organisation_id = second.id, record.organisation_id
    for phone in (False, True):
        width = "phone" if phone else "desk"
        registrant = new_page(phone=phone, locale=locale)
        sign_in_quietly(registrant, OWNER)
        for path, step in ((f"/registrations/{registration}", "registration"),
                           (f"/organisations/{organisation_id}/edit", "profile-locked"),
                           (f"/registrations/{registration}/change", "change-notice-waiting"),
                           ("/verify/KS05-0001", "verify")):
            registrant.goto(path)
            checkpoint(registrant, f"{locale}-{width}-{step}")
        staff = new_page(phone=phone, locale=locale)
        sign_in_quietly(staff, SECRETARIAT)
        for path, step in (("/staff/registrations/notices", "staff-notices"),
                           (f"/staff/registrations/notices/{second_id}", "staff-notice"),
                           (f"/staff/registrations/{registration}", "staff-registration")):
            staff.goto(path)
            checkpoint(staff, f"{locale}-{width}-{step}")


def sign_in_quietly(page, email: str) -> None:
    """Sign in whatever the page's language (the form's fields by their names)."""
    from support import PASSWORD

    page.goto("/login")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_load_state()
