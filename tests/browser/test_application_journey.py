"""Issue "Online application", on a phone, in Japanese: a new applicant signs up, confirms the
address, enters the organisation, starts an application in the open cohort and fills every
step by the labels a person reads; signs out, comes back later and finds the draft as it was
left; submits, sees 受付済み and 第1版, downloads the application copy (a PDF with the IPAex
font embedded) and has the confirmation mail.

Every step page is photographed into test-artifacts/ and checked with axe-core.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from support import require_or_skip
from portal.core.reference import sdgs

from .conftest import expect, label

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
EMAIL = "mirai@example.jp"
PASSWORD = "kumamoto-sdgs-2030"
NAME = "熊本 花子"
ORGANISATION = "株式会社くまもと未来"
POSTAL_CODE = "862-8570"
ADDRESS = "熊本県熊本市中央区水前寺6丁目18-1"
COHORT = 3
BANK = "肥後銀行"
ATTACHMENT = "会社案内.pdf"

VISION = "2030年には、地域の資源を生かしたものづくりで、熊本で最も信頼される会社になる。\n従業員と地域がともに成長する。"

# One key action per area, in the rows the form creates: (area, description, goal (number,
# name), target, indicator, current value as typed, current value as shown again, target value,
# unit). Full-width digits and a thousands separator are typed as people type them.
ACTIONS = (
    ("economy", "地元の若者を毎年2名以上採用し、資格取得を支援する。", (8, "働きがいも経済成長も"), "8.5",
     "県内出身の新卒採用数", "１", "1", "2", "人"),
    ("society", "女性管理職の比率を高める。", (5, "ジェンダー平等を実現しよう"), "5.5",
     "女性管理職の比率", "12.5", "12.5", "30", "%"),
    ("environment", "工場の屋根に太陽光発電を設置し、CO₂排出量を減らす。", (13, "気候変動に具体的な対策を"), "13.2",
     "CO₂排出量（年間）", "1,200", "1200", "600", "t"),
)

DECLARATIONS = (
    "2030年のあるべき姿と重点的な取組は、経済・社会・環境の3つの側面を踏まえたものであり、"
    "SDGsの17のゴール・169のターゲットと関連付けています。",
    "国税及び地方税の滞納はありません。",
    "暴力団、暴力団員又は暴力団若しくは暴力団員と密接な関係を有する者（熊本県暴力団排除条例第2条に規定するもの）ではありません。",
    "公序良俗に反する行為は行っておらず、重大な法令違反もありません。",
    "登録期間中、事業者名及びフリガナ、所在市町村（番地等は除きます。）、業種、2030年のあるべき姿、重点的な取組（関連するゴール及びターゲットを含みます。）、登録番号、登録期並びに登録期間が、登録事業者一覧及びオープンデータとして公開されることに同意します。",
)
CONSENT = "上で選択した支援機関と、申請内容及び登録情報を共有することに同意します。この同意はいつでも撤回できます。"


# --- what the test prepares --------------------------------------------------------------

@pytest.fixture
def open_cohort_and_bank(app):
    """The open cohort 3 and the supporting institution 肥後銀行, made by their operations."""
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db
    from portal.partners import operations as partners
    from portal.partners.models import InstitutionKind

    now = datetime.now(JST)
    with app.app_context():
        cohort = cohorts.plan_cohort(COHORT, now - timedelta(days=10), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        partners.create_institution("higo", BANK, "The Higo Bank", InstitutionKind.BANK)
        db.session.commit()


@pytest.fixture
def checklist_items():
    """(basic, challenge): the checklist items of version 1, as (id, Japanese text)."""
    from portal.applications.checklist import load_checklist

    checklist = load_checklist("1")
    return ([(i.id, i.text_ja) for i in checklist.basic], [(i.id, i.text_ja) for i in checklist.challenge])


def tiny_pdf(text: str = "Kumamoto SDGs") -> bytes:
    """A small, valid one-page PDF (its cross-reference table has the right offsets)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- steps of the story ------------------------------------------------------------------

def sign_in(page) -> None:
    page.get_by_label(label("メールアドレス")).fill(EMAIL)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()


def save_and_continue(page, next_title: str) -> None:
    page.get_by_role("button", name="保存して次へ").click()
    expect(page.get_by_role("status")).to_contain_text("保存しました。")
    expect(page.get_by_role("heading", level=1)).to_have_text(next_title)


def go_to_step(page, title: str) -> None:
    """Open a step from the list of steps at the top of every step page."""
    steps = page.get_by_role("navigation", name="申請の手順")
    steps.get_by_role("link", name=re.compile(rf"^\d+\s+{re.escape(title)}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def panel(page, heading: str):
    """A <section> of a page, by its heading (the sections have no accessible name of their own)."""
    return page.locator("section", has=page.get_by_role("heading", level=2, name=heading, exact=True))


def goal_name(goal: tuple[int, str]) -> re.Pattern:
    """A goal as a checkbox label or a <summary> shows it: 「8. 働きがいも経済成長も」, or its
    number as a chip before the name."""
    number, name = goal
    return re.compile(rf"^\s*{number}\.?\s*{re.escape(name)}\s*$")


def action_row(page, number: int):
    return page.get_by_role("group", name=f"取組{number}", exact=True)


def fill_action(page, number: int, action: tuple) -> None:
    area, description, goal, target, indicator, current, _, target_value, unit = action
    row = action_row(page, number)
    expect(row.get_by_label(label("分野"))).to_have_value(area)  # the rows come one per area
    row.get_by_label(label("取組内容")).fill(description)
    row.get_by_role("group", name=label("関連するゴール")).get_by_label(goal_name(goal)).check()
    targets = row.get_by_role("group", name=label("関連するターゲット"))
    targets.locator("summary").filter(has_text=goal_name(goal)).click()  # a goal's targets are folded away
    # A target reads as its code and its text (外務省 仮訳).
    targets.get_by_label(f"{target} {sdgs.target(target).text_ja}", exact=True).check()
    row.get_by_label(label("指標")).fill(indicator)
    row.get_by_label(label("現状値")).fill(current)
    row.get_by_label(label("2030年の目標値")).fill(target_value)
    row.get_by_label(label("単位")).fill(unit)


def expect_action_kept(page, number: int, action: tuple) -> None:
    area, description, goal, target, indicator, _, current_shown, target_value, unit = action
    row = action_row(page, number)
    expect(row.get_by_label(label("分野"))).to_have_value(area)
    expect(row.get_by_label(label("取組内容"))).to_have_value(description)
    expect(row.get_by_role("group", name=label("関連するゴール")).get_by_label(goal_name(goal))).to_be_checked()
    chosen_target = row.get_by_role("group", name=label("関連するターゲット")).get_by_label(
        f"{target} {sdgs.target(target).text_ja}", exact=True)
    expect(chosen_target).to_be_checked()
    expect(chosen_target).to_be_visible()  # the goal with a chosen target is shown open
    expect(row.get_by_label(label("指標"))).to_have_value(indicator)
    expect(row.get_by_label(label("現状値"))).to_have_value(current_shown)
    expect(row.get_by_label(label("2030年の目標値"))).to_have_value(target_value)
    expect(row.get_by_label(label("単位"))).to_have_value(unit)


# --- the journey -------------------------------------------------------------------------

def test_a_new_applicant_applies_online_on_a_phone(phone_page, live_server, mails, checkpoint,
                                                   open_cohort_and_bank, checklist_items, tmp_path):
    page = phone_page
    basic, challenge = checklist_items
    chosen_challenge = challenge[:5]
    assert len(basic) == 25

    # Sign up and confirm the address from the mail.
    page.goto("/signup")
    page.get_by_label(label("氏名")).fill(NAME)
    page.get_by_label(label("メールアドレス")).fill(EMAIL)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_label(label("パスワード（確認用）")).fill(PASSWORD)
    page.get_by_label(label("利用規約とプライバシーポリシーに同意します。")).check()
    page.get_by_role("button", name="アカウントを作成", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="メールを確認してください")).to_be_visible()
    [verification] = mails(to=EMAIL)
    page.goto(live_server.link_in(verification.body))
    expect(page.get_by_role("status")).to_contain_text("メールアドレスを確認しました。")

    # Sign in and enter the organisation (the postal code finds the address).
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/organisations/new$"))
    page.wait_for_load_state("load")  # postal.js (deferred) has attached its handlers
    page.get_by_label(label("郵便番号")).fill(POSTAL_CODE)
    page.get_by_role("button", name="住所を検索").click()
    expect(page.get_by_label(label("所在地"))).to_have_value(ADDRESS)
    page.get_by_label("法人", exact=True).check()
    page.get_by_label(label("法人番号")).fill("8330001000000")
    page.get_by_label(label("名称")).fill(ORGANISATION)
    page.get_by_label(label("フリガナ")).fill("カブシキガイシャクマモトミライ")
    page.get_by_label(label("代表者の役職")).fill("代表取締役")
    page.get_by_label(label("代表者の氏名")).fill("熊本 太郎")
    page.get_by_label(label("業種（日本標準産業分類）")).select_option(label="E 製造業")
    page.get_by_label(label("担当者氏名")).fill(NAME)
    page.get_by_label(label("電話番号")).fill("096-333-2111")
    page.get_by_label(label("連絡先メールアドレス")).fill(EMAIL)
    page.get_by_role("button", name="事業者情報を保存").click()
    expect(page.get_by_role("heading", level=1, name=ORGANISATION)).to_be_visible()

    # Start an application in the open cohort.
    page.get_by_role("link", name="申請を始める").click()
    expect(page.get_by_role("heading", level=1, name="申請を始める")).to_be_visible()
    expect(page.get_by_label(label("申請する期"))).to_contain_text(f"第{COHORT}期")
    checkpoint(page, "start")
    page.get_by_role("button", name="下書きを作成").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/steps/profile$"))
    application_path = re.search(r"/applications/\d+", page.url).group(0)

    # 1 事業者情報: the profile entered before, shared with the application.
    expect(page.get_by_role("heading", level=1)).to_have_text("事業者情報")
    expect(page.get_by_label(label("名称"))).to_have_value(ORGANISATION)
    expect(page.get_by_label(label("所在地"))).to_have_value(ADDRESS)
    page.wait_for_load_state("load")
    checkpoint(page, "step-profile")
    save_and_continue(page, "2030年のあるべき姿")

    # 2 2030年のあるべき姿
    page.get_by_label(label("2030年のあるべき姿")).fill(VISION)
    checkpoint(page, "step-vision")
    save_and_continue(page, "重点的な取組")

    # 3 重点的な取組: one row for each of 経済, 社会, 環境 is already there.
    for number, action in enumerate(ACTIONS, start=1):
        fill_action(page, number, action)
    checkpoint(page, "step-actions")
    save_and_continue(page, "チェックリスト")

    # 4 チェックリスト: every basic item and five challenge items, each by its label.
    for item_id, text in basic + chosen_challenge:
        page.get_by_label(f"{item_id} {text}", exact=True).check()
    checkpoint(page, "step-checklist")
    save_and_continue(page, "宣言")

    # 5 宣言
    for text in DECLARATIONS:
        page.get_by_label(label(text)).check()
    checkpoint(page, "step-declarations")
    save_and_continue(page, "支援機関")

    # 6 支援機関
    page.get_by_role("group", name=label("支援機関")).get_by_label(BANK, exact=True).check()
    page.get_by_label(label(CONSENT)).check()
    checkpoint(page, "step-partners")
    save_and_continue(page, "添付書類")

    # 7 添付書類: a real PDF, named in Japanese.
    pdf = tmp_path / ATTACHMENT
    pdf.write_bytes(tiny_pdf())
    page.get_by_label(label("ファイル（PDF、PNG、JPEG、10MBまで）")).set_input_files(pdf)
    page.get_by_role("button", name="アップロード").click()
    expect(page.get_by_role("status")).to_contain_text("ファイルを追加しました。")
    expect(page.get_by_role("link", name=ATTACHMENT)).to_be_visible()
    checkpoint(page, "step-attachments")

    # Leave, and come back another day: the draft is on the organisation's page.
    header = page.get_by_role("navigation", name="サイトメニュー")
    header.get_by_role("button", name="ログアウト").click()
    header.get_by_role("link", name="ログイン").click()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    applications = panel(page, "申請一覧")
    draft = applications.get_by_role("listitem").filter(has_text=f"第{COHORT}期")
    expect(draft).to_contain_text("下書き（未提出）")
    draft.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(application_path) + "$"))
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"状態:\s*下書き（未提出）"))
    page.get_by_role("link", name="申請書の入力を続ける").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事業者情報")
    expect(page.get_by_label(label("名称"))).to_have_value(ORGANISATION)

    # Everything is as it was left.
    go_to_step(page, "2030年のあるべき姿")
    expect(page.get_by_label(label("2030年のあるべき姿"))).to_have_value(VISION)
    go_to_step(page, "重点的な取組")
    expect(page.get_by_role("group", name=re.compile(r"^取組\d+$"))).to_have_count(len(ACTIONS))
    for number, action in enumerate(ACTIONS, start=1):
        expect_action_kept(page, number, action)
    go_to_step(page, "チェックリスト")
    expect(page.locator("input[type=checkbox]:checked")).to_have_count(len(basic) + len(chosen_challenge))
    for item_id, text in (basic[0], basic[-1], chosen_challenge[-1]):
        expect(page.get_by_label(f"{item_id} {text}", exact=True)).to_be_checked()
    expect(page.get_by_label(f"{challenge[5][0]} {challenge[5][1]}", exact=True)).not_to_be_checked()
    go_to_step(page, "宣言")
    for text in DECLARATIONS:
        expect(page.get_by_label(label(text))).to_be_checked()
    go_to_step(page, "支援機関")
    expect(page.get_by_role("group", name=label("支援機関")).get_by_label(BANK, exact=True)).to_be_checked()
    expect(page.get_by_label(label(CONSENT))).to_be_checked()
    go_to_step(page, "添付書類")
    expect(page.get_by_role("link", name=ATTACHMENT)).to_be_visible()
    page.get_by_role("link", name="次へ", exact=True).click()

    # 8 確認・提出: nothing is missing; the summary shows what was entered.
    expect(page.get_by_role("heading", level=1)).to_have_text("確認・提出")
    main = page.get_by_role("main")
    expect(main).to_contain_text("必要な項目はすべて入力されています。")
    expect(page.get_by_role("heading", name="提出の前に入力が必要な項目")).to_have_count(0)
    expect(main).to_contain_text(ORGANISATION)
    expect(main).to_contain_text(ACTIONS[2][1])
    expect(main).to_contain_text(ATTACHMENT)
    checkpoint(page, "step-confirm")
    page.get_by_role("button", name="申請書を提出").click()

    # The status: received, revision 1.
    expect(page).to_have_url(re.compile(re.escape(application_path) + "$"))
    expect(page.get_by_role("status")).to_contain_text("申請書を提出しました（第1版）")
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"状態:\s*受付済み"))
    submitted = panel(page, "提出済みの申請書")
    expect(submitted.get_by_role("link", name="第1版")).to_be_visible()
    checkpoint(page, "submitted-status")

    # The confirmation mail went to the applicant, with a link to the status page.
    [confirmation] = [mail for mail in mails(to=EMAIL) if "受け付けました" in mail.subject]
    assert confirmation.subject.endswith(f"第{COHORT}期の申請を受け付けました")
    assert live_server.link_in(confirmation.body).endswith(application_path)

    # The application copy: a PDF in Japanese with the IPAex font embedded.
    with page.expect_download(timeout=30_000) as download_info:
        submitted.get_by_role("link", name="申請内容の控え（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    copy = tmp_path / "copy.pdf"
    download.save_as(copy)
    assert copy.read_bytes().startswith(b"%PDF-")
    for tool in ("pdffonts", "pdftotext"):
        require_or_skip(shutil.which(tool) is not None, f"{tool} (poppler-utils) is not installed")
    fonts = subprocess.run(["pdffonts", str(copy)], capture_output=True, text=True, check=True).stdout
    # name, type, encoding, then the columns emb sub uni object-id generation
    gothic = [line.split() for line in fonts.splitlines() if re.search(r"\+IPAexGothic\s", line)]
    assert gothic and all(columns[-5] == "yes" for columns in gothic), fonts
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(copy), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "申請内容の控え" in text
    assert ORGANISATION in text
    assert BANK in text and ATTACHMENT in text

