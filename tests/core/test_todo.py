"""やること panels: each item appears with its condition and disappears when it is met, links
where the work is, says its deadline; the panels cost a constant number of queries; signed-in
people never see the sign-up call, but a link to their own home."""
from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from support import counted, login, warm_user
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst

_serial = itertools.count(1)


# --- builders -----------------------------------------------------------------------------------

def _client(app, user_id: int, lang: str = "en"):
    client = app.test_client()
    login(client, user_id)
    assert client.get(f"/?lang={lang}").status_code == 200
    return client


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _item(page: str, key: str) -> str | None:
    """The <li> of the panel item `key`, or None."""
    match = re.search(rf'<li class="todo-item[^"]*" id="todo-{re.escape(key)}"[^>]*>(.*?)</li>', page, re.S)
    return match.group(0) if match else None


def _in_english(app, fn, *args, **kwargs) -> str:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        return fn(*args, **kwargs)


def _cohort(app, number: int, state: str = "open", opens_in_days: int = -10, closes_in_days: int = 20) -> int:
    from portal.cohorts import operations
    from portal.cohorts.models import CohortState

    now = datetime.now(JST)
    with app.app_context():
        cohort = operations.plan_cohort(number, now + timedelta(days=opens_in_days), now + timedelta(days=closes_in_days))
        for step in {"planned": [], "open": ["open"], "closed": ["open", "closed"]}[state]:
            operations.move_cohort(cohort, CohortState(step))
        db.session.commit()
        return cohort.id


def _applicant(make_user, make_organisation, **fields) -> tuple[int, int]:
    n = next(_serial)
    user_id = make_user(email=f"todo-owner{n}@example.jp", locale="en")
    return user_id, make_organisation(user_id, name=f"団体{n}", name_kana=f"ダンタイ{n}", kind="group",
                                      corporate_number=None, **fields)


def _draft(app, user_id: int, cohort_id: int) -> int:
    from support import minimal_content

    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts.models import Cohort

    with app.test_request_context():
        user = db.session.get(User, user_id)
        application = operations.start_application(user.organisation, db.session.get(Cohort, cohort_id), user)
        for section, value in minimal_content().items():
            operations.save_section(application, section, value, user)
        db.session.commit()
        return application.id


def _act(app, application_id: int, action: str, actor_id: int, **kwargs) -> None:
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.applications.models import Application

    with app.test_request_context():
        application = db.session.get(Application, application_id)
        actor = db.session.get(User, actor_id)
        {"submit": lambda: operations.submit_application(application, actor),
         "review": lambda: operations.start_review(application, actor),
         "assign": lambda: operations.assign_reviewer(application, db.session.get(User, kwargs["to"]), actor),
         "return": lambda: operations.return_for_correction(application, "直してください", {}, kwargs.get("deadline"),
                                                            actor),
         "recommend": lambda: operations.recommend(application, True, actor)}[action]()
        db.session.commit()


def _registration(app, organisation_id: int, valid_until: date, cohort_number: int | None = None) -> int:
    """An active registration of a decided cohort, ending on `valid_until`."""
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.registrations.models import Registration

    number = cohort_number or 40 + next(_serial)
    now = datetime.now(timezone.utc)
    with app.app_context():
        cohort = cohorts.plan_cohort(number, now - timedelta(days=1200), now - timedelta(days=1150))
        cohort.state = CohortState.DECIDED
        db.session.flush()
        registration = Registration(number=f"KS{number:02d}-0001", cohort_id=cohort.id, sequence=1,
                                    organisation_id=organisation_id, registered_on=valid_until - timedelta(days=1000),
                                    valid_until=valid_until, municipality_code="43101", in_city=True)
        db.session.add(registration)
        db.session.commit()
        return registration.id


def _seminar_signup(app, organisation_id: int, user_id: int, starts_at: datetime) -> int:
    from portal.seminars.models import Seminar, SeminarSignup

    with app.app_context():
        seminar = Seminar(title_ja="SDGs経営セミナー", title_en="SDGs management seminar", description_ja="説明",
                          venue="熊本県庁",
                          starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=10,
                          seats_per_organisation=2, seats_confirmed=1, signup_opens_at=starts_at - timedelta(days=30),
                          signup_closes_at=starts_at - timedelta(hours=1), audience="everyone")
        db.session.add(seminar)
        db.session.flush()
        db.session.add(SeminarSignup(seminar_id=seminar.id, organisation_id=organisation_id, user_id=user_id, seats=1,
                                     state="confirmed"))
        db.session.commit()
        return seminar.id


def _org_page(app, client, organisation_id: int) -> str:
    return _page(client, f"/organisations/{organisation_id}")


# --- applicants -----------------------------------------------------------------------------------

def test_a_draft_shows_until_when_it_can_be_submitted_and_goes_once_submitted(app, make_user, make_organisation):
    from portal.cohorts.models import Cohort
    from portal.core import deadlines

    user_id, organisation_id = _applicant(make_user, make_organisation)
    cohort_id = _cohort(app, 3)
    client = _client(app, user_id)
    page = _org_page(app, client, organisation_id)
    assert _item(page, "draft-1") is None and 'id="start-application"' in page  # nothing started: start

    application_id = _draft(app, user_id, cohort_id)
    with app.app_context():
        closes_at = db.session.get(Cohort, cohort_id).closes_at
    closing = _in_english(app, deadlines.until, closes_at)
    page = _org_page(app, client, organisation_id)
    item = _item(page, f"draft-{application_id}")
    assert item and f'href="/applications/{application_id}"' in item and closing in item
    assert "Cohort 3" in item
    # The draft is continued (with its deadline), not started again beside it.
    assert 'id="start-application"' not in page and f'id="continue-{application_id}"' in page
    assert page.count(closing) == 2

    _act(app, application_id, "submit", user_id)
    page = _org_page(app, client, organisation_id)
    assert _item(page, f"draft-{application_id}") is None and 'id="todo"' not in page
    assert 'id="start-application"' not in page and f'id="continue-{application_id}"' not in page


def test_a_draft_in_a_cohort_whose_window_is_over_is_no_item(app, make_user, make_organisation):
    user_id, organisation_id = _applicant(make_user, make_organisation)
    cohort_id = _cohort(app, 3, closes_in_days=1)
    application_id = _draft(app, user_id, cohort_id)
    client = _client(app, user_id)
    assert _item(_org_page(app, client, organisation_id), f"draft-{application_id}")
    from portal.cohorts.models import Cohort

    with app.app_context():
        db.session.get(Cohort, cohort_id).closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
    assert _item(_org_page(app, client, organisation_id), f"draft-{application_id}") is None


def test_a_correction_request_shows_its_deadline_and_goes_on_resubmission(app, make_user, make_organisation):
    from portal.core import deadlines

    user_id, organisation_id = _applicant(make_user, make_organisation)
    reviewer = make_user("reviewer")
    application_id = _draft(app, user_id, _cohort(app, 3))
    _act(app, application_id, "submit", user_id)
    client = _client(app, user_id)
    assert _item(_org_page(app, client, organisation_id), f"returned-{application_id}") is None

    deadline = today_jst() + timedelta(days=10)
    _act(app, application_id, "return", reviewer, deadline=deadline)
    item = _item(_org_page(app, client, organisation_id), f"returned-{application_id}")
    assert item and f'href="/applications/{application_id}"' in item
    assert _in_english(app, deadlines.until, deadline, sentence=True) in item
    assert f'data-deadline="{deadline.isoformat()}"' in item

    _act(app, application_id, "submit", user_id)
    assert _item(_org_page(app, client, organisation_id), f"returned-{application_id}") is None


def test_renewal_is_due_four_months_before_the_term_ends_not_twelve(app, make_user, make_organisation):
    from portal.core.i18n import display_date

    user_id, organisation_id = _applicant(make_user, make_organisation)
    ending_soon = _registration(app, organisation_id, today_jst() + timedelta(days=120), cohort_number=2)
    client = _client(app, user_id)
    later_id = _cohort(app, 5, state="planned", opens_in_days=30, closes_in_days=60)

    page = _org_page(app, client, organisation_id)
    item = _item(page, f"renewal-{ending_soon}")
    assert item and f'href="/applications/renew/{ending_soon}"' in item
    assert 'id="start-application"' not in page  # a registrant renews; it does not apply anew
    assert _in_english(app, display_date, today_jst() + timedelta(days=120)) in item  # when the term ends
    assert "Cohort 5" in item  # the renewal cohort to use, with its window

    # A registration ending in a year is not due yet.
    other_user, other_organisation = _applicant(make_user, make_organisation)
    far = _registration(app, other_organisation, today_jst() + timedelta(days=365))
    assert _item(_org_page(app, _client(app, other_user), other_organisation), f"renewal-{far}") is None

    # Once the renewal is started, the item is its draft (in the cohort it was started in).
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts.models import Cohort
    from portal.registrations.models import Registration

    with app.test_request_context():
        renewal = operations.start_renewal(db.session.get(Registration, ending_soon), db.session.get(Cohort, later_id),
                                           db.session.get(User, user_id))
        db.session.commit()
        renewal_id = renewal.id
    page = _org_page(app, client, organisation_id)
    assert _item(page, f"renewal-{ending_soon}") is None
    assert _item(page, f"draft-{renewal_id}") is not None


def test_a_progress_report_is_due_while_the_period_is_open_until_filed(app, make_user, make_organisation):
    from portal.core import deadlines
    from portal.reports import operations
    from portal.reports.models import ProgressReport

    user_id, organisation_id = _applicant(make_user, make_organisation)
    registration_id = _registration(app, organisation_id, today_jst() + timedelta(days=700))
    client = _client(app, user_id)
    with app.test_request_context():
        closed = operations.open_period(2020, today_jst() - timedelta(days=60), today_jst() - timedelta(days=1), None)
        db.session.commit()
        closed_id = closed.id
    assert _item(_org_page(app, client, organisation_id), f"report-{closed_id}-{registration_id}") is None

    closes_on = today_jst() + timedelta(days=20)
    with app.test_request_context():
        period = operations.open_period(2021, today_jst() - timedelta(days=5), closes_on, None)
        db.session.commit()
        period_id = period.id
    item = _item(_org_page(app, client, organisation_id), f"report-{period_id}-{registration_id}")
    assert item and f'href="/reports/registrations/{registration_id}/periods/{period_id}"' in item
    assert _in_english(app, deadlines.until, closes_on, sentence=True) in item

    with app.app_context():
        db.session.add(ProgressReport(period_id=period_id, registration_id=registration_id))
        db.session.commit()
    assert _item(_org_page(app, client, organisation_id), f"report-{period_id}-{registration_id}") is None


def test_a_seminar_tomorrow_is_an_item_one_next_week_is_not(app, make_user, make_organisation):
    from portal.seminars.models import SeminarSignup

    user_id, organisation_id = _applicant(make_user, make_organisation)
    tomorrow = datetime.combine(today_jst() + timedelta(days=1), datetime.min.time(), tzinfo=JST) + timedelta(hours=14)
    soon = _seminar_signup(app, organisation_id, user_id, tomorrow)
    later = _seminar_signup(app, organisation_id, user_id, tomorrow + timedelta(days=6))
    client = _client(app, user_id)
    page = _org_page(app, client, organisation_id)
    item = _item(page, f"seminar-{soon}")
    assert item and f'href="/seminars/{soon}"' in item and "Seminar tomorrow" in item and "14:00" in item
    assert _item(page, f"seminar-{later}") is None

    # Cancelled seats are nothing to go to.
    with app.app_context():
        signup = db.session.scalar(db.select(SeminarSignup).where(SeminarSignup.seminar_id == soon))
        signup.state = "cancelled"
        db.session.commit()
    assert _item(_org_page(app, client, organisation_id), f"seminar-{soon}") is None


def test_a_seminar_later_today_is_an_item(app, make_user, make_organisation):
    user_id, organisation_id = _applicant(make_user, make_organisation)
    seminar_id = _seminar_signup(app, organisation_id, user_id, datetime.now(timezone.utc) + timedelta(minutes=30))
    assert _item(_org_page(app, _client(app, user_id), organisation_id), f"seminar-{seminar_id}")


def test_staff_see_no_applicant_panel_on_an_organisation_page(app, make_user, make_organisation):
    user_id, organisation_id = _applicant(make_user, make_organisation)
    _draft(app, user_id, _cohort(app, 3))
    page = _page(_client(app, make_user("secretariat")), f"/organisations/{organisation_id}")
    assert 'id="todo"' not in page


# --- staff ----------------------------------------------------------------------------------------

def _submitted(app, make_user, make_organisation, cohort_id: int) -> int:
    user_id, _organisation = _applicant(make_user, make_organisation)
    application_id = _draft(app, user_id, cohort_id)
    _act(app, application_id, "submit", user_id)
    return application_id


def _count(page: str, key: str) -> int | None:
    item = _item(page, key)
    if item is None:
        return None
    return int(re.search(r'data-count="(\d+)"', item).group(1))


def test_reviewer_items_mine_unassigned_and_resubmitted_follow_the_applications(app, make_user, make_organisation):
    cohort_id = _cohort(app, 3)
    reviewer = make_user("reviewer")
    secretariat = make_user("secretariat")
    client = _client(app, reviewer)
    page = _page(client, "/staff/")
    assert _item(page, "staff-unassigned") is None and "Nothing is waiting for you." in page

    first = _submitted(app, make_user, make_organisation, cohort_id)
    _submitted(app, make_user, make_organisation, cohort_id)
    page = _page(client, "/staff/")
    assert _count(page, "staff-unassigned") == 2 and _item(page, "staff-mine") is None
    item = _item(page, "staff-unassigned")
    assert "/staff/review/?" in item and "reviewer=unassigned" in item
    assert f"cohort={cohort_id}" in item and "state=submitted" in item

    _act(app, first, "assign", secretariat, to=reviewer)
    page = _page(client, "/staff/")
    assert _count(page, "staff-unassigned") == 1 and _count(page, "staff-mine") == 1
    assert "reviewer=mine" in _item(page, "staff-mine")

    _act(app, first, "review", reviewer)
    _act(app, first, "return", reviewer)
    page = _page(client, "/staff/")
    assert _item(page, "staff-mine") is None  # returned: the applicant's turn
    from portal.applications.models import Application

    with app.app_context():
        owner = db.session.get(Application, first).created_by_id
    _act(app, first, "submit", owner)
    page = _page(client, "/staff/")
    assert _count(page, "staff-resubmitted") == 1 and _count(page, "staff-mine") == 1

    if _in_state(app, first) == "submitted":
        _act(app, first, "review", reviewer)
    _act(app, first, "recommend", reviewer)
    page = _page(client, "/staff/")
    assert _item(page, "staff-mine") is None and _item(page, "staff-resubmitted") is None
    # The secretariat's items are not the reviewer's.
    assert _item(page, "cohort-close-3") is None


def _in_state(app, application_id: int) -> str:
    from portal.applications.models import Application

    with app.app_context():
        return str(db.session.get(Application, application_id).state)


def test_secretariat_items_change_notices_claims_logo_requests_and_cohorts(app, make_user, make_organisation):
    from portal.claims.models import RegistrationClaim
    from portal.logos.models import LogoPermit
    from portal.registrations.models import ChangeNotice

    secretariat = make_user("secretariat")
    city = make_user("city")
    client = _client(app, secretariat)
    page = _page(client, "/staff/")
    for key in ("staff-change-notices", "staff-claims", "logo-requests"):
        assert _item(page, key) is None

    user_id, organisation_id = _applicant(make_user, make_organisation)
    registration_id = _registration(app, organisation_id, today_jst() + timedelta(days=700))
    with app.app_context():
        notice = ChangeNotice(registration_id=registration_id, changes={"name": "新しい名前"}, state="filed")
        claim = RegistrationClaim(registration_id=registration_id, user_id=user_id, method="request")
        permit = LogoPermit(state="submitted", holder_name="ロゴ申請者", submitted_at=datetime.now(timezone.utc))
        db.session.add_all([notice, claim, permit])
        db.session.commit()
        notice_id, claim_id, permit_id = notice.id, claim.id, permit.id

    page = _page(client, "/staff/")
    assert _count(page, "staff-change-notices") == 1 and "/staff/registrations/notices?state=filed" in page
    assert _count(page, "staff-claims") == 1
    logo = _item(page, "logo-requests")
    assert "the city&#39;s decision" in logo or "the city's decision" in logo  # the prefecture only reads it
    assert "todo-info" in logo and "list=waiting" in logo
    city_page = _page(_client(app, city), "/city/")
    assert _count(city_page, "logo-requests") == 1 and "your decision" in _item(city_page, "logo-requests")
    # A reviewer sees the logo count, not the secretariat's lists.
    reviewer_page = _page(_client(app, make_user("reviewer")), "/staff/")
    assert _item(reviewer_page, "logo-requests") and _item(reviewer_page, "staff-change-notices") is None
    assert _item(reviewer_page, "staff-claims") is None

    with app.app_context():
        db.session.get(ChangeNotice, notice_id).state = "accepted"
        db.session.get(RegistrationClaim, claim_id).state = "approved"
        db.session.get(LogoPermit, permit_id).state = "returned"
        db.session.commit()
    page = _page(client, "/staff/")
    for key in ("staff-change-notices", "staff-claims", "logo-requests"):
        assert _item(page, key) is None, key
    assert _item(_page(_client(app, city), "/city/"), "logo-requests") is None


def test_cohorts_to_close_and_to_decide(app, make_user):
    from portal.cohorts import operations
    from portal.cohorts.models import Cohort, CohortState

    client = _client(app, make_user("secretariat"))
    cohort_id = _cohort(app, 4, closes_in_days=5)
    assert _item(_page(client, "/staff/"), "cohort-close-4") is None  # still taking applications
    with app.app_context():
        db.session.get(Cohort, cohort_id).closes_at = datetime.now(timezone.utc) - timedelta(hours=1)
        db.session.commit()
    item = _item(_page(client, "/staff/"), "cohort-close-4")
    assert item and f'href="/staff/cohorts/{cohort_id}"' in item

    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.decision_planned_on = today_jst() + timedelta(days=30)
        operations.move_cohort(cohort, CohortState.CLOSED)
        db.session.commit()
    page = _page(client, "/staff/")
    assert _item(page, "cohort-close-4") is None
    from portal.core.i18n import display_date

    decide = _item(page, "cohort-decide-4")
    assert decide and _in_english(app, display_date, today_jst() + timedelta(days=30)) in decide


# --- partners -------------------------------------------------------------------------------------

def _consent(app, organisation_id: int, institution_id: int, granted_days_ago: int) -> int:
    from portal.partners.models import PartnerConsent

    with app.app_context():
        consent = PartnerConsent(organisation_id=organisation_id, institution_id=institution_id,
                                 granted_at=datetime.now(timezone.utc) - timedelta(days=granted_days_ago))
        db.session.add(consent)
        db.session.commit()
        return consent.id


def _institution(app, user_id: int) -> int:
    from portal.accounts.models import User

    with app.app_context():
        return db.session.get(User, user_id).partner_id


def test_partner_items_terms_ending_and_new_consents(app, make_user, make_organisation):
    from portal.core.i18n import display_date
    from portal.partners.models import PartnerConsent

    partner = make_user("partner", partner="bank-a")
    institution = _institution(app, partner)
    _owner, ending = _applicant(make_user, make_organisation)
    _owner, lasting = _applicant(make_user, make_organisation)
    _owner, other_bank = _applicant(make_user, make_organisation)
    _registration(app, ending, today_jst() + timedelta(days=90))
    _registration(app, lasting, today_jst() + timedelta(days=365))
    _registration(app, other_bank, today_jst() + timedelta(days=60))
    ending_consent = _consent(app, ending, institution, granted_days_ago=100)
    _consent(app, lasting, institution, granted_days_ago=3)
    _consent(app, other_bank, _institution(app, make_user("partner", partner="bank-b")), granted_days_ago=1)

    client = _client(app, partner)
    page = _page(client, "/partner/")
    item = _item(page, f"ending-{ending}")
    assert item and f'href="/partner/organisations/{ending}"' in item
    assert _in_english(app, display_date, today_jst() + timedelta(days=90)) in item
    assert _item(page, f"ending-{lasting}") is None and _item(page, f"ending-{other_bank}") is None
    assert _item(page, f"consent-{lasting}") and _item(page, f"consent-{ending}") is None  # 100 days ago
    assert _item(page, f"consent-{other_bank}") is None  # another institution's

    with app.app_context():
        db.session.get(PartnerConsent, ending_consent).revoked_at = datetime.now(timezone.utc)
        db.session.commit()
    assert _item(_page(client, "/partner/"), f"ending-{ending}") is None


# --- cost -----------------------------------------------------------------------------------------

def _statements(app, client, path: str) -> int:
    warm_user(client)
    with counted(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_staff_panel_costs_the_same_whatever_is_waiting(app, make_user, make_organisation):
    secretariat = make_user("secretariat")
    client = _client(app, secretariat)
    cohort_id = _cohort(app, 3)
    _submitted(app, make_user, make_organisation, cohort_id)
    _cohort(app, 4, state="closed")
    few = _statements(app, client, "/staff/")
    for _ in range(4):
        _submitted(app, make_user, make_organisation, cohort_id)
    _cohort(app, 5, state="closed")
    _cohort(app, 6, state="closed")
    assert _statements(app, client, "/staff/") == few


def test_applicant_panel_costs_a_constant_number_of_queries(app, make_user, make_organisation):
    from portal.accounts.models import User
    from portal.todo import items_for

    user_id, organisation_id = _applicant(make_user, make_organisation)
    _registration(app, organisation_id, today_jst() + timedelta(days=100), cohort_number=2)
    _cohort(app, 5, state="planned", opens_in_days=10, closes_in_days=40)
    start = datetime.now(timezone.utc) + timedelta(hours=3)

    def cost() -> tuple[int, int]:
        with app.test_request_context():
            user = db.session.get(User, user_id)
            user.membership  # noqa: B018  (loaded with the user, as in a request)
            with counted(app) as statements:
                found = items_for("applicant", user)
            return len(statements), len(found)

    few, items = cost()
    for n in range(4):
        _seminar_signup(app, organisation_id, user_id, start + timedelta(minutes=n))
    many, more_items = cost()
    assert more_items == items + 4 and many == few <= 6


# --- no sign-up calls for signed-in people ------------------------------------------------------

@pytest.mark.parametrize("role,home", [("applicant", "/organisation"), ("reviewer", "/staff/"),
                                       ("secretariat", "/staff/"), ("city", "/city/"), ("partner", "/partner/")])
def test_signed_in_people_see_their_home_not_the_sign_up_call(app, make_user, role, home):
    user_id = make_user(role, partner="bank-a" if role == "partner" else None)
    client = _client(app, user_id)
    for path in ("/", "/logos/", "/self-check/"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/signup"' not in page, path
    landing = _page(client, "/")
    assert re.search(rf'<a class="button" id="my-home" href="{re.escape(home)}">', landing)


def test_visitors_are_asked_to_sign_up(client):
    page = _page(client, "/")
    assert 'href="/signup"' in page and 'id="my-home"' not in page


@pytest.mark.parametrize("role,home", [("reviewer", "/staff/"), ("city", "/city/"), ("partner", "/partner/")])
def test_signing_in_opens_ones_own_home(app, client, make_user, role, home):
    from support import login_with_form

    make_user(role, email=f"{role}-home@example.jp", partner="bank-a" if role == "partner" else None)
    response = login_with_form(client, f"{role}-home@example.jp")
    assert response.status_code == 302 and response.headers["Location"] == home


def test_partner_panel_costs_the_same_whatever_is_waiting(app, make_user, make_organisation):
    partner = make_user("partner", partner="bank-a")
    institution = _institution(app, partner)
    client = _client(app, partner)

    def supported(count: int) -> None:
        for _ in range(count):
            _owner, organisation_id = _applicant(make_user, make_organisation)
            _registration(app, organisation_id, today_jst() + timedelta(days=60))
            _consent(app, organisation_id, institution, granted_days_ago=2)

    supported(1)
    few = _statements(app, client, "/partner/")
    supported(7)
    page = _page(client, "/partner/")
    assert page.count('class="todo-item') == 2 * 5 + 2  # five of each, then a line to all of them
    assert _statements(app, client, "/partner/") == few
    # A filtered list is not the place for the panel.
    assert 'id="todo"' not in _page(client, "/partner/?status=ending")


def test_another_feature_adds_a_staff_item_with_one_line(app, make_user, monkeypatch):
    """The hook the inquiries feature uses: its provider's dotted path in the staff panel's list."""
    import sys
    import types

    from flask import url_for

    from portal.todo import Item, staff

    module = types.ModuleType("todo_test_inquiries")

    def waiting(user, now):
        return [Item("inquiries", "2 inquiries waiting", url_for("core.staff_home"), count=2)]

    module.waiting = waiting
    monkeypatch.setitem(sys.modules, "todo_test_inquiries", module)
    monkeypatch.setattr(staff, "PROVIDERS", [*staff.PROVIDERS, "todo_test_inquiries:waiting"])
    page = _page(_client(app, make_user("reviewer")), "/staff/")
    assert _count(page, "inquiries") == 2 and "2 inquiries waiting" in _item(page, "inquiries")
