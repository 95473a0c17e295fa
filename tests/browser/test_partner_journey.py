"""Issue "Financial-institution partners", end to end: an applicant (a phone, in Japanese)
chooses 肥後銀行 and consents in the application's 支援機関 step and submits; after the cohort's
decision the bank's user (a desk, in English) is mailed, finds the registrant in the bank's list,
opens it and records a support activity that the organisation may see; the applicant reads it
on the organisation's page and withdraws the consent; at once the bank's list, its export and
the direct address no longer show the organisation.

The bank's user reads English (the user's language), so the partner pages are checked by their
source strings; the applicant's pages are checked by the Japanese the catalogue already has,
or by ids and data where the words are new. Every page is photographed and checked with axe.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from support import PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
COHORT = 3
BANK = "肥後銀行"
ORGANISATION = "株式会社くまもと未来"
APPLICANT = "mirai@example.jp"
BANKER = "rm@higo.example.jp"
NOTES = "SDGs推進融資の条件を説明し、太陽光発電設備の見積りを確認した。"
CONSENT = "上で選択した支援機関と、申請内容及び登録情報を共有することに同意します。この同意はいつでも撤回できます。"


@pytest.fixture
def draft(app, make_user, make_organisation):
    """Cohort 3 open; 肥後銀行 with one user (English) and 熊本銀行; the applicant's draft,
    complete but for the 支援機関 step (made by the operations). Returns the application id."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.core.extensions import db
    from portal.partners import operations as partners
    from portal.partners.models import InstitutionKind
    from support import minimal_content

    now = datetime.now(JST)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(COHORT, now - timedelta(days=10), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        partners.create_institution("higo-bank", BANK, "The Higo Bank", InstitutionKind.BANK)
        partners.create_institution("kumamoto-bank", "熊本銀行", "The Kumamoto Bank", InstitutionKind.BANK)
        db.session.commit()
        cohort_id = cohort.id
    make_user("partner", email=BANKER, name="肥後 銀次", partner="higo-bank", locale="en")
    owner_id = make_user(email=APPLICANT, name="熊本 花子")
    make_organisation(owner_id, name=ORGANISATION, name_kana="カブシキガイシャクマモトミライ", contact_email=APPLICANT)
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        application = applications.start_application(owner.organisation, db.session.get(Cohort, cohort_id), owner)
        for section, value in minimal_content(13).items():
            applications.save_section(application, section, value, owner)
        db.session.commit()
        return application.id


def decide(app, application_id: int) -> None:
    """Review, recommendation, closing and the decision, by the operations (the review journey
    drives them in the browser)."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.applications.models import Application
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db

    with app.test_request_context():
        staff = User(email="secretariat@example.jp", name="事務局", role="secretariat")
        db.session.add(staff)
        application = db.session.get(Application, application_id)
        applications.start_review(application, staff)
        applications.recommend(application, True, staff, "")
        cohorts.move_cohort(application.cohort, CohortState.CLOSED)
        cohorts.decide_cohort(application.cohort, datetime.now(JST).date(), staff)
        db.session.commit()


def sign_in(page, email: str, signed_out: str) -> None:
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(email)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("button", name=signed_out)).to_be_visible()


def exported(page) -> list[list[str]]:
    """The bank's list as downloaded from its CSV link."""
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    text = download_info.value.path().read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_bank_supports_a_registrant_that_consented_until_it_withdraws(
        new_page, live_server, mails, checkpoint, draft, app):
    applicant = new_page(phone=True)
    bank = new_page()

    # --- The applicant chooses 肥後銀行 in the application, consents and submits. ---
    sign_in(applicant, APPLICANT, "ログアウト")
    applicant.goto(f"/applications/{draft}/steps/partners")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("支援機関")
    applicant.get_by_role("group", name=label("支援機関")).get_by_label(BANK, exact=True).check()
    applicant.get_by_label(label(CONSENT)).check()
    checkpoint(applicant, "applicant-partners-step")
    applicant.get_by_role("button", name="保存して次へ").click()
    expect(applicant.get_by_role("status")).to_contain_text("保存しました。")
    applicant.goto(f"/applications/{draft}/steps/confirm")
    applicant.get_by_role("button", name="申請書を提出").click()
    expect(applicant.get_by_role("status")).to_contain_text("申請書を提出しました（第1版）")

    # The bank sees the applicant at once, as applying; the other bank does not (tests/partners).
    sign_in(bank, BANKER, "Sign out")
    bank.get_by_role("navigation", name="Site menu").get_by_role(
        "link", name="Supported organisations").click()
    expect(bank.get_by_role("heading", level=1)).to_have_text("Supported organisations")
    row = bank.get_by_role("row").filter(has_text=ORGANISATION)
    expect(row).to_contain_text("Applying")
    checkpoint(bank, "bank-list-applying")

    # --- The cohort is decided: the bank's user is mailed, with a link to the registrant. ---
    decide(app, draft)
    [registered] = [m for m in mails(to=BANKER)]
    assert registered.subject == f"[Kumamoto Prefecture SDGs Registration System] Organisations you support were registered (Cohort {COHORT})"
    assert ORGANISATION in registered.body
    bank.goto(live_server.link_in(registered.body))
    expect(bank.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(bank.locator("#partner-status")).to_have_text("Registered and valid")
    expect(bank.locator("#registration-number")).to_have_text(f"KS{COHORT:02d}-0001")
    expect(bank.locator("#key-actions")).to_contain_text("2030 vision")
    checkpoint(bank, "bank-organisation")

    # … and records a support activity the organisation may see.
    form = bank.locator("#record-form")
    expect(form.get_by_label(label("Date of the support"))).to_have_value(datetime.now(JST).date().isoformat())
    form.get_by_label(label("Kind of support")).select_option(label="Consulting")
    form.get_by_label(label("Notes")).fill(NOTES)
    form.get_by_label(label("The organisation may see this record")).check()
    checkpoint(bank, "bank-record-form")
    form.get_by_role("button", name="Record the support").click()
    expect(bank.get_by_role("status").first).to_contain_text("The support was recorded.")
    records = bank.locator("#support-records")
    expect(records.get_by_role("row").filter(has_text=NOTES)).to_contain_text("Consulting")
    checkpoint(bank, "bank-recorded")

    bank.get_by_role("link", name="Supported organisations").first.click()
    row = bank.get_by_role("row").filter(has_text=ORGANISATION)
    expect(row).to_contain_text("Registered and valid")
    expect(row).to_contain_text(f"KS{COHORT:02d}-0001")
    checkpoint(bank, "bank-list-registered")
    rows = exported(bank)
    assert [r[0] for r in rows[1:]] == [ORGANISATION]
    assert dict(zip(rows[0], rows[1]))["Support records"] == "1"
    detail = bank.locator("#supported").get_by_role("link", name=ORGANISATION).get_attribute("href")

    # --- The applicant reads the record on the organisation's page and withdraws the consent. ---
    applicant.get_by_role("navigation", name="サイトメニュー").get_by_role("link", name="事業者ページ").click()
    expect(applicant.get_by_role("heading", level=1, name=ORGANISATION)).to_be_visible()
    partners = applicant.locator("#partners")
    expect(partners.locator("#shared-records")).to_contain_text(NOTES)
    expect(partners.locator("#shared-records")).to_contain_text(BANK)
    checkpoint(applicant, "applicant-organisation-with-record")
    partners.get_by_role("button", name=f"{BANK}への同意を撤回").click()
    expect(applicant.get_by_role("status")).to_contain_text(f"{BANK}は、事業者の情報を閲覧できなくなりました。")
    expect(partners.get_by_role("button", name=f"{BANK}への同意を撤回")).to_have_count(0)
    checkpoint(applicant, "applicant-withdrew")

    # --- At once: the bank's list, export and the direct address no longer show it. ---
    bank.reload()
    expect(bank.get_by_role("row").filter(has_text=ORGANISATION)).to_have_count(0)
    expect(bank.locator("#supported")).to_contain_text("No organisation has chosen your institution yet.")
    expect(bank.locator('[data-count="all"]')).to_have_text("0")
    checkpoint(bank, "bank-list-after-withdrawal")
    assert exported(bank)[1:] == []
    response = bank.goto(live_server(detail))
    assert response.status == 404
    expect(bank.get_by_role("main")).not_to_contain_text(ORGANISATION)
