"""Issue #19, "the review desk", in a browser at 1280×800, in Japanese: a reviewer works a
returned-and-resubmitted application to a recommendation in at most three page loads from the
queue (queue → review page → the recommendation posted and redirected), on a review page at
most about four screens tall; axe finds nothing serious on the queue and the review page, and
no id is used twice on either.

The application is built like the demo's: three key actions with their targets, a checklist
of cohort 3's version with six challenge items, all declarations; returned with a note on the
vision and corrected by the applicant, so revision 2 has a change to mark in place.
"""
from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from support import PASSWORD

from .conftest import expect, label

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
REVIEWER = "reviewer@example.jp"
ORGANISATION = "株式会社くまもと未来"
NEW_VISION = "2030年には、地域の資源を生かしたものづくりで、熊本で最も信頼される会社になる。"
SCREEN = {"width": 1280, "height": 800}
MAX_HEIGHT = 3300  # about four screens of 800 px


def _complete_content() -> dict:
    path = Path(__file__).resolve().parents[1] / "applications" / "conftest.py"
    spec = importlib.util.spec_from_file_location("review_desk_application_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._complete_content()


@pytest.fixture
def resubmitted(app, make_user, make_organisation):
    """Cohort 3 open with two applications: one submitted, and ours — reviewed by the
    reviewer, returned for correction, corrected and resubmitted (revision 2). Returns its id."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db

    reviewer_id = make_user("reviewer", email=REVIEWER, name="審査 一郎")
    owner_id = make_user(email="mirai@example.jp", name="熊本 花子")
    make_organisation(owner_id, name=ORGANISATION, name_kana="カブシキガイシャクマモトミライ",
                      corporate_number="8330001000000")
    other_id = make_user(email="other@example.jp", name="阿蘇 太郎")
    make_organisation(other_id, name="阿蘇めぐみ食品有限会社", name_kana="アソメグミショクヒンユウゲンガイシャ",
                      corporate_number="7330002000001")
    now = datetime.now(JST)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(3, now - timedelta(days=10), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        ids = []
        for user_id in (other_id, owner_id):
            owner = db.session.get(User, user_id)
            application = applications.start_application(owner.organisation, cohort, owner)
            for section, value in _complete_content().items():
                applications.save_section(application, section, value, owner)
            applications.submit_application(application, owner)
            ids.append(application)
        db.session.commit()
        ours = ids[1]
        reviewer = db.session.get(User, reviewer_id)
        applications.assign_reviewer(ours, reviewer, reviewer)
        applications.start_review(ours, reviewer)
        applications.return_for_correction(ours, "2030年のあるべき姿を具体的に書き直してください。",
                                           {"vision": "地域の資源をどう生かすのかを書いてください。"}, None, reviewer)
        db.session.commit()
        owner = db.session.get(User, owner_id)
        applications.save_section(ours, "vision", NEW_VISION, owner)
        db.session.commit()
        applications.submit_application(ours, owner)
        db.session.commit()
        assert ours.state == "under_review"  # back to its reviewer, no second "start review"
        return ours.id


def _duplicate_ids(page) -> list[str]:
    return page.evaluate("""() => {
        const seen = {};
        for (const element of document.querySelectorAll('[id]')) seen[element.id] = (seen[element.id] || 0) + 1;
        return Object.keys(seen).filter(id => seen[id] > 1);
    }""")


def test_a_reviewer_recommends_a_resubmitted_application_in_three_page_loads(
        new_page, checkpoint, resubmitted):
    page = new_page(viewport=SCREEN)
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(REVIEWER)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("navigation", name="サイトメニュー").get_by_role("button", name="ログアウト")).to_be_visible()

    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)

    # 1. The queue, as it opens: the current cohort's work, the resubmitted one first.
    page.goto("/staff/review/")
    expect(page.get_by_role("heading", level=1, name="審査一覧")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(ORGANISATION)
    expect(rows.first).to_contain_text("審査中")
    expect(rows.first).to_contain_text("第2版")
    assert _duplicate_ids(page) == []
    checkpoint(page, "desk-queue")

    # 2. The review page: the application first, the change marked in place, the decision beside it.
    rows.first.get_by_role("link", name=ORGANISATION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"審査：{ORGANISATION}")
    expect(page.locator("#state")).to_have_text("審査中")
    expect(page.locator("#summary-vision #change-vision")).to_contain_text("変更前")
    expect(page.locator("#change-list")).to_be_visible()
    decision = page.locator("#decision")
    expect(decision.get_by_role("button", name="登録可とする", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="審査を開始")).to_have_count(0)
    height = page.evaluate("document.body.scrollHeight")
    assert height <= MAX_HEIGHT, f"the review page is {height} px tall at 1280 px"
    # The decision panel stays at hand while the application is read (sticky on wide screens).
    page.locator("#summary-checklist").scroll_into_view_if_needed()
    expect(decision.get_by_role("button", name="登録可とする", exact=True)).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    assert _duplicate_ids(page) == []
    checkpoint(page, "desk-review-page")

    # 3. The recommendation: one POST, redirected back to the page.
    decision.get_by_role("button", name="登録可とする", exact=True).click()
    expect(page.locator("#state")).to_have_text("登録可")
    expect(page.get_by_role("status").first).to_contain_text("登録可")
    assert len(loads) <= 3, f"{len(loads)} page loads: {loads}"
    checkpoint(page, "desk-recommended")


def test_the_decision_panel_comes_below_the_application_on_a_phone(new_page, checkpoint, resubmitted):
    page = new_page(phone=True)
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(REVIEWER)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.goto(f"/staff/review/{resubmitted}")
    submitted = page.locator("#submitted").bounding_box()
    decision = page.locator("#decision").bounding_box()
    assert decision["y"] > submitted["y"] + submitted["height"] - 1
    # The return form's notes are closed until chosen, and open without a page load.
    notes = page.get_by_label(label("申請者への連絡事項"))
    expect(notes).to_be_hidden()
    page.locator("#return > summary").click()
    expect(notes).to_be_visible()
    checkpoint(page, "desk-review-phone")


def test_a_check_outside_the_portal_is_recorded_from_the_decision_panel(new_page, checkpoint, resubmitted):
    page = new_page(viewport=SCREEN)
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(REVIEWER)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.goto(f"/staff/review/{resubmitted}?lang=en")  # the new strings are checked in English
    panel = page.locator("#external-checks")
    expect(panel.locator("#external-police")).to_contain_text("Not recorded yet")
    panel.locator("summary").click()
    form = panel.locator("#external-form")
    form.get_by_label("Organised-crime exclusion inquiry (police)").check()
    form.get_by_label("Needs follow-up").check()
    # A date in the future is refused at the field, the form kept open with what was chosen.
    form.get_by_label(label("Date of the check")).fill((datetime.now(JST).date() + timedelta(days=3)).isoformat())
    form.get_by_role("button", name="Record the check", exact=True).click()
    form = page.locator("#external-form")
    expect(form.locator("#external-checked_on-error")).to_contain_text("cannot be in the future")
    expect(form.get_by_label("Needs follow-up")).to_be_checked()
    assert _duplicate_ids(page) == []
    checkpoint(page, "desk-external-check-error")
    form.get_by_label(label("Date of the check")).fill(datetime.now(JST).date().isoformat())
    form.get_by_role("button", name="Record the check", exact=True).click()
    police = page.locator("#external-police")
    expect(police).to_contain_text("Needs follow-up")
    expect(police).to_contain_text("審査 一郎")
    checkpoint(page, "desk-external-check-recorded")

