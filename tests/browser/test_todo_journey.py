"""やること, in a real browser, in Japanese: an applicant on a phone signs in and lands on the
organisation page, whose panel says what to do next (finish the draft, until the cohort's close);
the item takes them to the application. A reviewer signs in, lands on the staff pages (not the
landing page's sign-up call) and goes from the panel's count to the queue filtered to it. A
partner's panel names a supported organisation whose term ends soon.

Panel items are found by their ids (their Japanese wording is new and may still change). Every
page visited is photographed into test-artifacts/ and checked with axe-core.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from support import PASSWORD, minimal_content

from .conftest import expect, label

pytestmark = pytest.mark.browser


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(label("メールアドレス")).fill(email)
    page.get_by_label(label("パスワード")).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("navigation", name="サイトメニュー").get_by_role("button", name="ログアウト")).to_be_visible()


def _draft(app, user_id: int, submit: bool = False) -> int:
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.deadlines import close_after
    from portal.core.extensions import db
    from portal.core.i18n import today_jst

    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(3, now - timedelta(days=5), close_after(today_jst() + timedelta(days=20)))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        user = db.session.get(User, user_id)
        application = operations.start_application(user.organisation, cohort, user)
        for section, value in minimal_content().items():
            operations.save_section(application, section, value, user)
        if submit:
            operations.submit_application(application, user)
        db.session.commit()
        return application.id


def test_an_applicant_on_a_phone_goes_from_the_panel_to_the_draft(app, make_user, make_organisation, new_page,
                                                                   checkpoint):
    owner = make_user(email="owner@example.jp", name="熊本 花子")
    make_organisation(owner)
    application_id = _draft(app, owner)
    page = new_page(phone=True)
    sign_in(page, "owner@example.jp")

    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    item = page.locator(f"#todo-draft-{application_id}")
    expect(item).to_be_visible()
    expect(item).to_contain_text("第3期")
    expect(item.locator(".todo-when")).to_contain_text("23時59分まで")
    expect(page.locator("#start-application")).to_have_count(0)  # the draft is continued, not started again
    expect(page.locator(f"#continue-{application_id}")).to_be_visible()
    checkpoint(page, "organisation page with the panel")

    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application_id}$"))

    page.goto("/")
    expect(page.locator("#my-home")).to_have_attribute("href", "/organisation")
    expect(page.locator('a[href="/signup"]')).to_have_count(0)
    checkpoint(page, "landing page signed in")


def test_a_reviewer_lands_on_the_staff_pages_and_follows_a_count_to_the_queue(app, make_user, make_organisation,
                                                                              page, checkpoint):
    owner = make_user(email="owner@example.jp", name="熊本 花子")
    make_organisation(owner)
    _draft(app, owner, submit=True)
    make_user("reviewer", email="reviewer@example.jp", name="審査 一郎")
    sign_in(page, "reviewer@example.jp")

    expect(page).to_have_url(re.compile(r"/staff/$"))
    item = page.locator("#todo-staff-unassigned")
    expect(item).to_have_attribute("data-count", "1")
    checkpoint(page, "staff home with the panel")
    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/staff/review/\?.*reviewer=unassigned"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_partner_sees_a_supported_organisation_whose_term_ends_soon(app, make_user, make_organisation, page,
                                                                      checkpoint):
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.partners.models import PartnerConsent
    from portal.registrations.models import Registration

    partner = make_user("partner", email="partner@example.jp", partner="bank-a")
    owner = make_user(email="owner@example.jp")
    organisation_id = make_organisation(owner)
    now = datetime.now(timezone.utc)
    with app.app_context():
        from portal.accounts.models import User

        cohort = cohorts.plan_cohort(1, now - timedelta(days=1200), now - timedelta(days=1150))
        cohort.state = CohortState.DECIDED
        db.session.flush()
        db.session.add(Registration(number="KS01-0001", cohort_id=cohort.id, sequence=1, organisation_id=organisation_id,
                                    registered_on=today_jst() - timedelta(days=1000),
                                    valid_until=today_jst() + timedelta(days=80), municipality_code="43101",
                                    in_city=True))
        db.session.add(PartnerConsent(organisation_id=organisation_id,
                                      institution_id=db.session.get(User, partner).partner_id,
                                      granted_at=now - timedelta(days=200)))
        db.session.commit()
    sign_in(page, "partner@example.jp")

    expect(page).to_have_url(re.compile(r"/partner/$"))
    item = page.locator(f"#todo-ending-{organisation_id}")
    expect(item).to_contain_text("株式会社テスト熊本")
    checkpoint(page, "partner dashboard with the panel")
    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/partner/organisations/{organisation_id}$"))
