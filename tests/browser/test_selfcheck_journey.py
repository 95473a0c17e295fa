"""The self-check (自己診断), on a phone: a visitor with no account works through the
checklist, watches the counts follow the ticks, sees exactly which basic item is missing, fixes
it, downloads the result as a PDF, then signs up, enters the organisation, starts an
application and finds the self-check answers already in its checklist step.
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from support import require_or_skip

from .conftest import expect, label
from .test_application_journey import (ADDRESS, COHORT, EMAIL, NAME, ORGANISATION, PASSWORD, POSTAL_CODE,
                                       checklist_items, go_to_step, open_cohort_and_bank, sign_in)  # noqa: F401

pytestmark = pytest.mark.browser


def tick_what_is_here(page, items) -> None:
    """Tick the wanted items shown on this page, each by its label."""
    for item_id, text in items:
        box = page.get_by_label(f"{item_id} {text}", exact=True)
        if box.count():
            box.check()


def test_a_visitor_self_checks_on_a_phone_and_the_answers_reach_the_application(
        phone_page, live_server, mails, checkpoint, open_cohort_and_bank, checklist_items, tmp_path):  # noqa: F811
    page = phone_page
    basic, challenge = checklist_items
    forgotten = basic[-1]  # left unticked at first, so the result has something to name
    chosen = challenge[:5]

    # From the landing page, no account.
    page.goto("/")
    page.get_by_role("link", name=re.compile("自己診断")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("自己診断")
    checkpoint(page, "selfcheck-start")
    page.get_by_role("link", name="自己診断を始める").click()

    # Page by page; the counts follow the ticks as they are made (selfcheck.js).
    expect(page.get_by_role("heading", level=1)).to_have_text("基本項目")
    page.wait_for_load_state("load")
    counts = page.locator("#selfcheck-counts")
    expect(counts.locator('[data-count="basic"]')).to_have_text("0")
    first_page = [item for item in basic if page.get_by_label(f"{item[0]} {item[1]}", exact=True).count()]
    tick_what_is_here(page, first_page)
    expect(counts.locator('[data-count="basic"]')).to_have_text(str(len(first_page)))
    expect(page.locator(".selfcheck-example").first).to_contain_text("例：")  # each item has an example
    checkpoint(page, "selfcheck-page-1")
    page.get_by_role("button", name="次へ").click()

    while page.get_by_role("heading", level=1, name="自己診断の結果").count() == 0:
        page.wait_for_load_state("load")
        tick_what_is_here(page, [item for item in basic if item != forgotten] + chosen)
        page.get_by_role("button", name=re.compile("^(次へ|結果を見る)$")).click()

    # The result names the one basic item missing; its link leads back to it.
    main = page.get_by_role("main")
    expect(main).to_contain_text("まだ満たしていません")
    missing = page.locator(".selfcheck-missing")
    expect(missing.get_by_role("listitem")).to_have_count(1)
    expect(missing).to_contain_text(forgotten[1])
    expect(counts.locator('[data-count="challenge"]')).to_have_text("5")
    checkpoint(page, "selfcheck-result-missing")
    missing.get_by_role("link").click()
    page.get_by_label(f"{forgotten[0]} {forgotten[1]}", exact=True).check()
    expect(counts.locator('[data-count="basic"]')).to_have_text(str(len(basic)))
    while page.get_by_role("heading", level=1, name="自己診断の結果").count() == 0:
        page.get_by_role("button", name=re.compile("^(次へ|結果を見る)$")).click()
    expect(main).to_contain_text("要件を満たします")
    checkpoint(page, "selfcheck-result")

    # The result as a PDF, in the IPAex font.
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("link", name="結果をダウンロード（PDF）").click()
    result = tmp_path / "self-check.pdf"
    download_info.value.save_as(result)
    assert result.read_bytes().startswith(b"%PDF-")
    for tool in ("pdffonts", "pdftotext"):
        require_or_skip(shutil.which(tool) is not None, f"{tool} (poppler-utils) is not installed")
    fonts = subprocess.run(["pdffonts", str(result)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"\+IPAexGothic\s", fonts), fonts
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(result), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert chosen[0][0] in text and "25 / 25" in text

    # Sign up, confirm the address, sign in, enter the organisation.
    page.goto("/signup")
    page.get_by_label(label("氏名")).fill(NAME)
    page.get_by_label(label("メールアドレス")).fill(EMAIL)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_label(label("パスワード（確認用）")).fill(PASSWORD)
    page.get_by_label(label("利用規約とプライバシーポリシーに同意します。")).check()
    page.get_by_role("button", name="アカウントを作成", exact=True).click()
    [verification] = mails(to=EMAIL)
    page.goto(live_server.link_in(verification.body))
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/organisations/new$"))
    page.get_by_label(label("郵便番号")).fill(POSTAL_CODE)
    page.get_by_label(label("所在地")).fill(ADDRESS)
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

    # Start an application: the answers are in its checklist step.
    page.get_by_role("link", name="申請を始める").click()
    expect(page.get_by_label(label("申請する期"))).to_contain_text(f"第{COHORT}期")
    page.get_by_role("button", name="下書きを作成").click()
    expect(page.get_by_role("status").filter(has_text="チェックリストに写しました")).to_be_visible()
    go_to_step(page, "チェックリスト")
    expect(page.locator("input[type=checkbox]:checked")).to_have_count(len(basic) + len(chosen))
    for item_id, text in (basic[0], forgotten, chosen[-1]):
        expect(page.get_by_label(f"{item_id} {text}", exact=True)).to_be_checked()
    expect(page.get_by_label(f"{challenge[5][0]} {challenge[5][1]}", exact=True)).not_to_be_checked()
    checkpoint(page, "selfcheck-carried-into-application")

    # The answers left the session: the self-check starts empty again.
    page.goto("/self-check")
    expect(page.locator('[data-count="basic"]')).to_have_text("0")
