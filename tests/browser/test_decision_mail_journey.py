"""Mails in business form, end to end: a reviewer returns one application for correction and the
applicant reads, in Japanese, a mail that greets the organisation and the person, says who writes,
gives the message and the deadline in 和暦 and is signed by the secretariat with its contacts.
Another application was recommended for rejection with an internal reason; before deciding, the
secretariat gives that applicant its reason on the review page (the cohort page says the decision
waits for it). The decision mails follow: the registered organisation reads its registration
number and term, the other reads the reason and the secretariat's own words — never the
reviewer's internal note.

Staff work on English pages (their choice, remembered); the applicants' mails are in Japanese,
their language.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale, gettext

from support import PASSWORD

from .conftest import expect

pytestmark = pytest.mark.browser

JST = timezone(timedelta(hours=9))
COHORT = 4
REGISTERED = "株式会社くまもと未来"
REGISTERED_OWNER = ("mirai@example.jp", "熊本 花子")
REJECTED = "阿蘇みらい農園株式会社"
REJECTED_OWNER = ("aso@example.jp", "阿蘇 次郎")
REVIEWER = "reviewer@example.jp"
SECRETARIAT = "secretariat@example.jp"
RETURN_MESSAGE = "重点的な取組の指標を、数値で確認できる形に書き直してください。"
INTERNAL = "内部メモ：指標の根拠資料が見当たらない。"
OWN_WORDS = "次期の申請では、取組ごとに指標と2030年の目標値をご記入ください。"


def _ja(app, message: str, **values) -> str:
    """A message as the applicant's Japanese mail says it (for any state of the catalogue)."""
    with app.test_request_context(), force_locale("ja"):
        return gettext(message, **values)


@pytest.fixture
def two_applications(app, make_user, make_organisation):
    """Cohort 4 open, two submitted applications: the first untouched, the second under review
    and recommended for rejection with an internal reason. Returns (first id, second id)."""
    from tests.browser.test_review_journey import _complete_content

    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.core.extensions import db

    reviewer_id = make_user("reviewer", email=REVIEWER, name="審査 一郎")
    make_user("secretariat", email=SECRETARIAT, name="事務局 花子")
    ids = []
    now = datetime.now(JST)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(COHORT, now - timedelta(days=10), now + timedelta(days=20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        db.session.commit()
        cohort_id = cohort.id
    for name, (email, person), number in ((REGISTERED, REGISTERED_OWNER, "8330001000000"),
                                          (REJECTED, REJECTED_OWNER, "5330001000077")):
        owner_id = make_user(email=email, name=person)
        make_organisation(owner_id, name=name, contact_email=email, corporate_number=number)
        with app.test_request_context():
            owner = db.session.get(User, owner_id)
            cohort = db.session.get(Cohort, cohort_id)
            application = applications.start_application(owner.organisation, cohort, owner)
            for section, value in _complete_content().items():
                applications.save_section(application, section, value, owner)
            applications.submit_application(application, owner)
            db.session.commit()
            ids.append(application.id)
    with app.test_request_context():
        from portal.applications.models import Application

        second = db.session.get(Application, ids[1])
        reviewer = db.session.get(User, reviewer_id)
        applications.start_review(second, reviewer)
        applications.recommend(second, False, reviewer, INTERNAL)
        db.session.commit()
    return ids[0], ids[1]


def sign_in(page, email: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _signature_office(app) -> str:
    from portal.contacts.blocks import contact

    with app.app_context():
        return contact("prefecture").office_in("ja")[0]


def test_return_and_decision_mails_read_as_the_secretariat_writes(
        app, new_page, live_server, mails, checkpoint, two_applications):
    first, second = two_applications
    reviewer, secretariat = new_page(), new_page()
    office = _signature_office(app)

    # --- The reviewer returns the first application with a message and a deadline. ---
    sign_in(reviewer, REVIEWER)
    reviewer.goto(f"/staff/review/{first}")
    reviewer.get_by_role("button", name="Start the review", exact=True).click()
    expect(reviewer.locator("#state")).to_have_text("Under review")
    deadline = datetime.now(JST).date() + timedelta(days=7)
    reviewer.locator("#return > summary").click()  # the return form opens when chosen
    reviewer.get_by_label("Message to the applicant").fill(RETURN_MESSAGE)
    reviewer.get_by_label("Correction deadline").fill(deadline.isoformat())
    reviewer.get_by_role("button", name="Return to the applicant", exact=True).click()
    expect(reviewer.locator("#state")).to_have_text("Returned for correction")
    checkpoint(reviewer, "mail-journey-returned")

    [returned] = [m for m in mails(to=REGISTERED_OWNER[0]) if RETURN_MESSAGE in m.body]
    lines = returned.body.splitlines()
    assert returned.locale == "ja"
    assert returned.subject.startswith(_ja(app, "[Kumamoto Prefecture SDGs Registration System] %(subject)s",
                                           subject="").strip())
    assert lines[0] == _ja(app, "Dear %(name)s of %(organisation)s,", name=REGISTERED_OWNER[1],
                           organisation=REGISTERED)
    assert _ja(app, "This is the secretariat of the Kumamoto Prefecture SDGs Registration System.") in lines
    era = f"令和{deadline.year - 2018}年{deadline.month}月{deadline.day}日"
    assert era in returned.body and deadline.isoformat() not in returned.body
    assert office in returned.body and "事務局までお問い合わせください" not in returned.body
    assert live_server.link_in(returned.body) == live_server(f"/applications/{first}")

    # The applicant corrects and resubmits; the reviewer recommends approval (as the review
    # journey does in the browser).
    with app.test_request_context():
        from portal.accounts.models import User
        from portal.applications import operations as applications
        from portal.applications.models import Application
        from portal.core.extensions import db

        application = db.session.get(Application, first)
        owner = db.session.scalar(db.select(User).where(User.email == REGISTERED_OWNER[0]))
        applications.submit_application(application, owner)
        reviewer_user = db.session.scalar(db.select(User).where(User.email == REVIEWER))
        applications.start_review(application, reviewer_user)
        applications.recommend(application, True, reviewer_user)
        cohort_id = application.cohort_id
        db.session.commit()

    # --- The secretariat closes the cohort: the decision waits for the rejection's reason. ---
    sign_in(secretariat, SECRETARIAT)
    secretariat.goto(f"/staff/cohorts/{cohort_id}")
    secretariat.get_by_role("button", name="Close applications", exact=True).click()
    blocked = secretariat.locator("#decision-blocked-reasons")
    expect(blocked).to_be_visible()
    expect(secretariat.locator("#decision-form")).to_have_count(0)
    checkpoint(secretariat, "mail-journey-decision-waits")
    blocked.get_by_role("link").click()
    secretariat.get_by_role("link", name=REJECTED).click()
    expect(secretariat.locator("#recommendation-reason")).to_have_text(INTERNAL)
    form = secretariat.locator("#rejection-reason-form")
    form.get_by_label("Reason given to the applicant").select_option("actions_not_concrete")
    form.get_by_label("Further explanation for the applicant").fill(OWN_WORDS)
    checkpoint(secretariat, "mail-journey-reason-form")
    form.get_by_role("button", name="Save the reason for the applicant", exact=True).click()
    expect(secretariat.get_by_role("status").first).to_contain_text("The reason for the applicant was saved.")
    expect(secretariat.locator("#rejection-reason-given")).to_contain_text(OWN_WORDS)

    secretariat.goto(f"/staff/cohorts/{cohort_id}")
    secretariat.get_by_label("I have checked the numbers above.", exact=False).check()
    secretariat.get_by_role("button", name="Decide the cohort", exact=True).click()
    expect(secretariat.locator("#cohort-state")).to_have_text("Decided")
    checkpoint(secretariat, "mail-journey-decided")

    # --- The decision mails, in Japanese. ---
    decided_on = datetime.now(JST).date()
    [registered] = [m for m in mails(to=REGISTERED_OWNER[0])
                    if m.subject.endswith(_ja(app, "Your organisation has been registered"))]
    number = f"KS{COHORT:02d}-0001"
    assert registered.body.splitlines()[0] == _ja(app, "Dear %(name)s of %(organisation)s,",
                                                  name=REGISTERED_OWNER[1], organisation=REGISTERED)
    assert _ja(app, "Registration number: %(number)s", number=number) in registered.body
    assert f"令和{decided_on.year - 2018}年（{decided_on.year}年）{decided_on.month}月{decided_on.day}日" \
        in registered.body
    assert office in registered.body and decided_on.isoformat() not in registered.body

    [rejected] = [m for m in mails(to=REJECTED_OWNER[0])
                  if m.subject.endswith(_ja(app, "The result of your application"))]
    assert rejected.body.splitlines()[0] == _ja(app, "Dear %(name)s of %(organisation)s,",
                                                name=REJECTED_OWNER[1], organisation=REJECTED)
    from portal.applications.rejection import REASONS

    with app.test_request_context(), force_locale("ja"):
        reason = str(REASONS["actions_not_concrete"])
    assert f"{_ja(app, 'Why it was not registered:')}\n{reason}\n{OWN_WORDS}" in rejected.body
    assert INTERNAL not in rejected.body
    assert office in rejected.body and "事務局までお問い合わせください" not in rejected.body
    assert live_server.link_in(rejected.body) == live_server(f"/applications/{second}")
    assert date.today()  # (the decision day is today in JST, asserted above)
