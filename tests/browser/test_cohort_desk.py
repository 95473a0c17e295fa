"""Closing a cohort, in Japanese, at a desk and on a phone: the warning that blocks the decision
links to the undecided applications (each to its review page); the secretariat moves all of
them to the next cohort with one reason in one step, the decision form appears, and the 決裁
list downloads as a PDF. Every page is photographed and checked with axe-core."""
from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from .conftest import expect, label
from .test_review_journey import sign_in

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
SECRETARIAT = "secretariat@example.jp"
REASON = "第7期の審査期間内に審査を終えられないため、第8期で審査します。"


def _complete_content() -> dict:
    path = Path(__file__).resolve().parents[1] / "applications" / "conftest.py"
    spec = importlib.util.spec_from_file_location("cohort_desk_application_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._complete_content()


@pytest.fixture
def closed_cohort(app, make_user, make_organisation):
    """Cohort 7 closed: one application recommended for approval, one for rejection (with its
    reason), two still undecided; cohort 8 planned. Returns (cohort 7 id, undecided ids)."""
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db

    make_user("secretariat", email=SECRETARIAT, name="事務局 花子")
    reviewer_id = make_user("reviewer", email="reviewer@example.jp", name="審査 一郎")
    names = ["株式会社くまもと未来", "阿蘇グリーン合同会社", "一般社団法人天草つなぐ会", "八代みらい工房"]
    owners = []
    for index, name in enumerate(names):
        owner_id = make_user(email=f"owner{index}@example.jp", name=f"申請 {index}")
        make_organisation(owner_id, name=name, name_kana="テスト", corporate_number=None, kind="group")
        owners.append(owner_id)
    now = datetime.now(JST)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(7, now - timedelta(days=30), now + timedelta(days=1))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        reviewer = db.session.get(User, reviewer_id)
        undecided = []
        for index, owner_id in enumerate(owners):
            owner = db.session.get(User, owner_id)
            application = applications.start_application(owner.organisation, cohort, owner)
            for section, value in _complete_content().items():
                applications.save_section(application, section, value, owner)
            applications.submit_application(application, owner)
            if index < 2:
                applications.start_review(application, reviewer)
                applications.recommend(application, index == 0, reviewer, "" if index == 0 else "理由")
                if index == 1:
                    applications.give_rejection_reason(application, "criteria", "", reviewer)
            else:
                undecided.append(application.id)
        cohorts.move_cohort(cohort, CohortState.CLOSED)
        cohorts.plan_cohort(8, now + timedelta(days=60), now + timedelta(days=90))
        db.session.commit()
        return cohort.id, undecided


def test_the_secretariat_moves_the_undecided_on_and_can_decide(new_page, checkpoint, closed_cohort, mails):
    cohort_id, undecided = closed_cohort
    desk = new_page()
    sign_in(desk, SECRETARIAT)
    desk.goto(f"/staff/cohorts/{cohort_id}")
    expect(desk.get_by_role("heading", level=1, name="第7期")).to_be_visible()
    checkpoint(desk, "cohort-undecided-desktop")

    warning = desk.locator("#decision-blocked-undecided")
    expect(warning).to_be_visible()
    warning.get_by_role("link").click()
    listed = desk.locator("#undecided-list tbody tr")
    expect(listed).to_have_count(2)
    for application_id in undecided:  # each to its review page
        link = desk.locator(f'#undecided-list tr[data-application="{application_id}"] a')
        expect(link).to_have_attribute("href", f"/staff/review/{application_id}")
    expect(desk.locator("#undecided-list")).to_contain_text("一般社団法人天草つなぐ会")

    phone = new_page(phone=True)
    sign_in(phone, SECRETARIAT)
    phone.goto(f"/staff/cohorts/{cohort_id}#undecided-title")
    checkpoint(phone, "cohort-undecided-phone")

    before = len(mails())
    form = desk.locator("#move-undecided-form")
    form.get_by_label(label("移動先の期")).select_option(label="第8期（受付予定）")
    form.get_by_label(label("移動の理由")).fill(REASON)
    form.get_by_role("button").click()
    expect(desk.locator("#decision-form")).to_be_visible()
    expect(desk.locator("#undecided-list")).to_have_count(0)
    expect(desk.locator("#preview-undecided")).to_have_text("0")
    checkpoint(desk, "cohort-after-move-desktop")
    assert len(mails()) - before == 2  # each applicant of the two moved

    with desk.expect_download() as download:
        desk.locator("#approval-list-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
