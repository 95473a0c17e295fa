"""Issues "Review", "Cohort decision" and "Certificate", end to end in Japanese: an applicant's
application has been submitted; a reviewer (desktop) starts the review and returns it for
correction with a note on the vision step; the applicant (a phone) reads 修正依頼 and the
note, rewrites the vision and resubmits; the reviewer sees revision 2 with the old and the
new vision side by side and recommends approval; the secretariat (desktop) closes the cohort
and decides it; the applicant follows the registration link from the organisation page and
downloads the certificate (IPAex embedded, its QR code opens the verification page); anyone
(no account) sees the registration as 有効 on the public verification page.

Every page visited is photographed into test-artifacts/ and checked with axe-core.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from support import PASSWORD, require_or_skip

from .conftest import expect, label

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
COHORT = 3
ORGANISATION = "株式会社くまもと未来"
APPLICANT = "mirai@example.jp"
REVIEWER = "reviewer@example.jp"
SECRETARIAT = "secretariat@example.jp"
REGISTRATION = f"KS{COHORT:02d}-0001"

RETURN_MESSAGE = "2030年のあるべき姿を、事業の内容に即して具体的に書き直してください。"
VISION_NOTE = "地域の資源をどう生かすのかを書いてください。"
NEW_VISION = "2030年には、地域の資源を生かしたものづくりで、熊本で最も信頼される会社になる。"


def _complete_content() -> dict:
    """The content of a draft ready to submit, as the application tests build it
    (tests/applications/conftest.py; a directory's conftest is not importable by name)."""
    path = Path(__file__).resolve().parents[1] / "applications" / "conftest.py"
    spec = importlib.util.spec_from_file_location("review_journey_application_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._complete_content()


OLD_VISION = _complete_content()["vision"]


# --- what the test prepares --------------------------------------------------------------

@pytest.fixture
def submitted_application(app, make_user, make_organisation):
    """Cohort 3 open; an applicant's organisation whose complete application was submitted
    (revision 1), all made by the operations; a reviewer and a secretariat member.
    Returns the application id."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db

    make_user("reviewer", email=REVIEWER, name="審査 一郎")
    make_user("secretariat", email=SECRETARIAT, name="事務局 花子")
    owner_id = make_user(email=APPLICANT, name="熊本 花子")
    make_organisation(owner_id, name=ORGANISATION, name_kana="カブシキガイシャクマモトミライ",
                      contact_email=APPLICANT)
    now = datetime.now(JST)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(COHORT, now - timedelta(days=10), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        owner = db.session.get(User, owner_id)
        application = applications.start_application(owner.organisation, cohort, owner)
        for section, value in _complete_content().items():
            applications.save_section(application, section, value, owner)
        applications.submit_application(application, owner)
        db.session.commit()
        return application.id


# --- steps of the story ------------------------------------------------------------------

def sign_in(page, email: str, check=None) -> None:
    """Sign in from the login page (`check`: a checkpoint for the login page)."""
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="ログイン")).to_be_visible()
    if check:
        check(page)
    page.get_by_label(label("メールアドレス")).fill(email)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("navigation", name="サイトメニュー")
           .get_by_role("button", name="ログアウト")).to_be_visible()


def staff_menu(page, link: str, check=None) -> None:
    """Open a page from the staff menu (職員メニュー), reached from the header (`check`: a
    checkpoint for the menu)."""
    page.get_by_role("navigation", name="サイトメニュー").get_by_role("link", name="職員メニュー").click()
    expect(page.get_by_role("heading", level=1, name="職員メニュー")).to_be_visible()
    if check:
        check(page)
    page.get_by_role("main").get_by_role("link", name=link, exact=True).click()


def flash(page):
    """The success message shown after an action."""
    return page.get_by_role("status").first


def panel(page, heading: str):
    """A <section> of a page, by its heading (level 2)."""
    return page.locator("section", has=page.get_by_role("heading", level=2, name=heading, exact=True))


def review_state(page):
    return page.locator("#state")


# --- the journey -------------------------------------------------------------------------

def test_a_returned_application_is_corrected_approved_decided_and_certified(
        new_page, live_server, mails, checkpoint, submitted_application, tmp_path):
    for tool in ("pdffonts", "pdftoppm"):
        require_or_skip(shutil.which(tool) is not None, f"{tool} (poppler-utils) is not installed")
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        zxingcpp = Image = None
    require_or_skip(zxingcpp is not None, "zxing-cpp and Pillow are not installed (pip install -r requirements-dev.txt)")

    reviewer = new_page()  # staff work at a desk
    applicant = new_page(phone=True)
    secretariat = new_page()
    anyone = new_page()

    # --- The reviewer finds the application in the queue and starts the review. ---
    sign_in(reviewer, REVIEWER, lambda p: checkpoint(p, "login-desktop"))
    staff_menu(reviewer, "審査一覧", lambda p: checkpoint(p, "staff-menu-reviewer"))
    expect(reviewer.get_by_role("heading", level=1, name="審査一覧")).to_be_visible()
    row = reviewer.get_by_role("row").filter(has_text=ORGANISATION)
    expect(row).to_contain_text("提出済み")
    expect(row).to_contain_text("第1版")
    checkpoint(reviewer, "review-queue")
    row.get_by_role("link", name=ORGANISATION).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(f"審査：{ORGANISATION}")
    expect(review_state(reviewer)).to_have_text("提出済み")
    checkpoint(reviewer, "review-submitted")
    reviewer.get_by_role("button", name="審査を開始", exact=True).click()
    expect(flash(reviewer)).to_contain_text("審査を開始しました。")
    expect(review_state(reviewer)).to_have_text("審査中")

    # … and returns it for correction, with a message and a note on the vision step.
    reviewer.locator("#return > summary").click()  # the return form opens when chosen
    reviewer.get_by_label(label("申請者への連絡事項")).fill(RETURN_MESSAGE)
    reviewer.get_by_label(label("「2030年のあるべき姿」についての連絡事項")).fill(VISION_NOTE)
    checkpoint(reviewer, "review-return-form")
    reviewer.get_by_role("button", name="申請者に修正を依頼", exact=True).click()
    expect(flash(reviewer)).to_contain_text("修正依頼を行いました。")
    expect(review_state(reviewer)).to_have_text("修正依頼中")
    expect(reviewer.get_by_role("main")).to_contain_text(VISION_NOTE)
    checkpoint(reviewer, "review-returned")
    [returned_mail] = [mail for mail in mails(to=APPLICANT) if RETURN_MESSAGE in mail.body]
    assert live_server.link_in(returned_mail.body).startswith(live_server("/applications/"))

    # --- The applicant, on a phone, reads 修正依頼 and the note on the vision step. ---
    sign_in(applicant, APPLICANT, lambda p: checkpoint(p, "login-phone"))
    expect(applicant.get_by_role("heading", level=1, name=ORGANISATION)).to_be_visible()
    application = panel(applicant, "申請一覧").get_by_role("listitem").filter(has_text=f"第{COHORT}期")
    expect(application).to_contain_text("修正依頼")
    checkpoint(applicant, "organisation-returned")
    application.get_by_role("link").click()
    main = applicant.get_by_role("main")
    expect(main).to_contain_text(re.compile(r"状態:\s*修正依頼"))
    request = applicant.get_by_role("note").filter(
        has=applicant.get_by_role("heading", name="事務局からの修正依頼"))
    expect(request).to_contain_text(RETURN_MESSAGE)
    expect(request.get_by_role("listitem")).to_have_text(f"2030年のあるべき姿: {VISION_NOTE}")
    checkpoint(applicant, "status-returned")
    request.get_by_role("link", name="2030年のあるべき姿").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("2030年のあるべき姿")
    expect(applicant.get_by_role("note")).to_contain_text(f"事務局からの連絡: {VISION_NOTE}")
    vision = applicant.get_by_label(label("2030年のあるべき姿"))
    expect(vision).to_have_value(OLD_VISION)
    checkpoint(applicant, "step-vision-returned")

    # … rewrites the vision and resubmits: revision 2.
    vision.fill(NEW_VISION)
    applicant.get_by_role("button", name="保存して次へ").click()
    expect(flash(applicant)).to_contain_text("保存しました。")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("重点的な取組")
    checkpoint(applicant, "step-actions-after-save")
    steps = applicant.get_by_role("navigation", name="申請の手順")
    steps.get_by_role("link", name=re.compile(r"^\d+\s+確認・提出$")).click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("確認・提出")
    expect(main).to_contain_text("必要な項目はすべて入力されています。")
    expect(main).to_contain_text(NEW_VISION)
    checkpoint(applicant, "step-confirm-resubmit")
    applicant.get_by_role("button", name="申請書を提出").click()
    expect(flash(applicant)).to_contain_text("申請書を提出しました（第2版）")
    expect(main).to_contain_text(re.compile(r"状態:\s*受付済み"))
    submitted = panel(applicant, "提出済みの申請書")
    expect(submitted.get_by_role("link", name="第2版")).to_be_visible()
    expect(submitted.get_by_role("link", name="第1版")).to_be_visible()
    checkpoint(applicant, "status-resubmitted")

    # --- The reviewer sees revision 2 and what changed, and recommends approval. ---
    reviewer.reload()
    expect(review_state(reviewer)).to_have_text("提出済み")
    expect(reviewer.get_by_role("main")).to_contain_text(re.compile(r"提出済みの版\s*第2版"))
    changes = panel(reviewer, "第1版から第2版への変更点")
    expect(changes.get_by_role("link")).to_have_text([re.compile(r"^2030年のあるべき姿")])  # the list of changes
    # … each marked in place in the application, with the value before it.
    marked = reviewer.locator("#summary-vision #change-vision")
    expect(marked.locator(".diff-before")).to_have_text(re.compile(rf"変更前\s*{re.escape(OLD_VISION)}"))
    expect(marked.locator(".diff-after")).to_have_text(re.compile(rf"変更後\s*{re.escape(NEW_VISION)}"))
    expect(marked.locator(".diff-after ins")).not_to_have_count(0)  # what is new is marked
    checkpoint(reviewer, "review-revision-2")
    reviewer.get_by_role("button", name="審査を開始", exact=True).click()
    expect(flash(reviewer)).to_contain_text("審査を開始しました。")
    reviewer.get_by_role("button", name="登録可とする", exact=True).click()
    expect(flash(reviewer)).to_contain_text("審査結果を「登録可」としました。")
    expect(review_state(reviewer)).to_have_text("登録可")
    checkpoint(reviewer, "review-recommended")

    # The recommendation stays internal: the applicant still reads 審査中.
    applicant.reload()
    expect(main).to_contain_text(re.compile(r"状態:\s*審査中"))
    checkpoint(applicant, "status-under-review")

    # --- The secretariat closes the cohort and decides it. ---
    sign_in(secretariat, SECRETARIAT)
    staff_menu(secretariat, "期の管理", lambda p: checkpoint(p, "staff-menu-secretariat"))
    expect(secretariat.get_by_role("heading", level=1, name="期の管理")).to_be_visible()
    checkpoint(secretariat, "cohorts")
    secretariat.get_by_role("link", name=f"第{COHORT}期", exact=True).click()
    expect(secretariat.get_by_role("heading", level=1)).to_have_text(f"第{COHORT}期")
    expect(secretariat.locator("#cohort-state")).to_have_text("受付中")
    checkpoint(secretariat, "cohort-open")
    secretariat.get_by_role("button", name="受付を終了", exact=True).click()
    expect(flash(secretariat)).to_contain_text(f"第{COHORT}期の状態を「受付終了」に変更しました。")
    expect(secretariat.locator("#cohort-state")).to_have_text("受付終了")
    preview = secretariat.locator("#decision-preview")
    expect(preview.locator("#preview-approve")).to_have_text("1")
    expect(preview.locator("#preview-reject")).to_have_text("0")
    expect(preview.locator("#preview-undecided")).to_have_text("0")
    expect(secretariat.get_by_label(label("登録決定日"))).to_have_value(datetime.now(JST).date().isoformat())
    secretariat.get_by_label(label("上記の件数を確認しました。この期の登録決定を実行します（各申請者に通知され、"
                                   "元に戻すことはできません）。")).check()
    checkpoint(secretariat, "cohort-closed-decision-form")
    secretariat.get_by_role("button", name="登録決定を実行", exact=True).click()
    expect(flash(secretariat)).to_contain_text("登録決定を実行しました（新規登録1件、更新0件、不登録0件）。")
    expect(secretariat.locator("#cohort-state")).to_have_text("登録決定")
    counts = secretariat.locator("#state-counts")
    expect(counts.get_by_role("row")).to_have_count(2)  # the header and one state
    expect(counts.get_by_role("row").nth(1)).to_have_text(re.compile(r"^\s*登録決定\s*1\s*$"))
    expect(secretariat.locator("#decision-done")).to_be_visible()
    checkpoint(secretariat, "cohort-decided")
    [registered_mail] = [mail for mail in mails(to=APPLICANT) if mail.subject.endswith("登録が決定しました")]
    assert ORGANISATION in registered_mail.body
    # The mail says the number and the certificate are on the organisation's page; its link
    # leads to the application's status page instead, which shows neither (reported).
    assert live_server.link_in(registered_mail.body)

    # --- The applicant follows the registration link and downloads the certificate. ---
    applicant.get_by_role("navigation", name="サイトメニュー").get_by_role("link", name="事業者ページ").click()
    expect(applicant.get_by_role("heading", level=1, name=ORGANISATION)).to_be_visible()
    expect(panel(applicant, "申請一覧")).to_contain_text("登録決定")
    registrations = panel(applicant, "登録情報")
    expect(registrations).to_contain_text("有効")
    checkpoint(applicant, "organisation-registered")
    registrations.get_by_role("link", name=REGISTRATION, exact=True).click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(f"登録番号{REGISTRATION}")
    expect(applicant.get_by_role("status")).to_contain_text("有効")
    checkpoint(applicant, "registration")
    with applicant.expect_download(timeout=30_000) as download_info:
        applicant.get_by_role("link", name="登録証をダウンロード（PDF）").click()
    download = download_info.value
    assert download.suggested_filename == f"熊本県SDGs登録証_{REGISTRATION}.pdf"
    certificate = tmp_path / "certificate.pdf"
    download.save_as(certificate)
    assert certificate.read_bytes().startswith(b"%PDF-")

    # The certificate embeds IPAex (pdffonts: name type encoding emb sub uni object-id generation).
    fonts = subprocess.run(["pdffonts", str(certificate)], capture_output=True, text=True, check=True).stdout
    ipaex = [line.split() for line in fonts.splitlines() if re.search(r"\+IPAex(Mincho|Gothic)\s", line)]
    assert ipaex and all(columns[-5] == "yes" for columns in ipaex), fonts

    # Its QR code, read off the rendered page, is the public verification address.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(certificate),
                    str(tmp_path / "certificate")], check=True, capture_output=True)
    [png] = sorted(tmp_path.glob("certificate*.png"))
    codes = zxingcpp.read_barcodes(Image.open(png))
    verify_url = live_server(f"/verify/{REGISTRATION}")
    assert [code.text for code in codes] == [verify_url], [(code.format, code.text) for code in codes]

    # --- Anyone, without an account, opens that address: 有効. ---
    anyone.goto(verify_url)
    expect(anyone.get_by_role("heading", level=1)).to_have_text(f"登録の確認（登録番号{REGISTRATION}）")
    notice = anyone.get_by_role("status")
    expect(notice.locator(".status-registration-active")).to_have_text("有効")
    expect(notice).to_contain_text("この登録は本日")
    details = panel(anyone, "登録内容")
    expect(details).to_contain_text(REGISTRATION)
    expect(details).to_contain_text(ORGANISATION)
    expect(details).to_contain_text(f"第{COHORT}期")
    expect(anyone.get_by_role("navigation", name="サイトメニュー").get_by_role("link", name="ログイン")).to_be_visible()
    checkpoint(anyone, "verify-public")
