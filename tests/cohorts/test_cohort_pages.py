"""The secretariat's cohort pages, through HTTP: plan → open → close → decide, the decision
preview, refusals that are clear messages (never a 500), reviewers kept out, no N+1 on the list."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pages import structure_problems
from support import counted, csrf_token, login, minimal_content, warm_user

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.applications.models import Application
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.deadlines import close_after, start_of
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.registrations.models import Registration

BASE = "/staff/cohorts"




@pytest.fixture
def plan(app):
    """plan(number, state="planned") -> cohort id, with a window around now."""

    def build(number: int, state: str = "planned") -> int:
        now = datetime.now(timezone.utc)
        with app.test_request_context():
            cohort = operations.plan_cohort(number, now - timedelta(days=10), now + timedelta(days=10))
            if state in ("open", "closed"):
                operations.move_cohort(cohort, CohortState.OPEN)
            if state == "closed":
                operations.move_cohort(cohort, CohortState.CLOSED)
            db.session.commit()
            return cohort.id

    return build


@pytest.fixture
def apply(app, make_user, make_organisation):
    """apply(cohort_id, approve=2, reject=0, undecided=0): applications in an open cohort,
    made by the operations of portal/applications, as the review would leave them."""

    content = minimal_content(13)
    reviewer_id = make_user("reviewer")
    names = iter(range(1000))

    def build(cohort_id: int, approve: int = 2, reject: int = 0, undecided: int = 0) -> list[int]:
        owners = [make_user() for _ in range(approve + reject + undecided)]
        for owner in owners:
            make_organisation(owner, corporate_number=None, kind="group", name=f"団体{next(names)}")
        with app.test_request_context():
            cohort = db.session.get(Cohort, cohort_id)
            reviewer = db.session.get(User, reviewer_id)
            ids = []
            for index, owner_id in enumerate(owners):
                owner = db.session.get(User, owner_id)
                application = applications.start_application(owner.organisation, cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner)
                if index < approve + reject:
                    applications.start_review(application, reviewer)
                    applications.recommend(application, index < approve, reviewer, "" if index < approve else "理由")
                    if index >= approve:
                        applications.give_rejection_reason(application, "criteria", "", reviewer)
                ids.append(application.id)
            db.session.commit()
            return ids

    return build


def _cohort(app, cohort_id: int) -> Cohort:
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        db.session.expunge(cohort)
        return cohort


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _post(client, path: str, data: dict | None = None, token_from: str | None = None):
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def _flashes(client, path: str) -> str:
    """The text of the flash messages shown on the next page."""
    page = client.get(path).get_data(as_text=True)
    return " ".join(re.findall(r'<div class="notice notice-\w+" role="\w+">(.*?)</div>', page, re.DOTALL))


def _text(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    assert match, f"no #{element_id}"
    return match.group(1).strip()


# --- the whole cycle ---------------------------------------------------------------------------

def test_plan_open_close_and_decide(app, secretariat, apply):
    client = secretariat
    page = client.get(f"{BASE}/new")
    assert page.status_code == 200
    assert not structure_problems(page.get_data(as_text=True))
    assert re.search(r'id="number"[^>]*value="1"', page.get_data(as_text=True))  # next number suggested
    assert re.search(r'type="date"[^>]*id="last_day"|id="last_day"[^>]*type="date"', page.get_data(as_text=True))

    today = datetime.now(JST).date()
    response = _post(client, f"{BASE}/new", {
        "number": "4", "first_day": (today - timedelta(days=1)).isoformat(),
        "last_day": (today + timedelta(days=30)).isoformat(),
        "checklist_version": "1", "decision_planned_on": "2026-12-20"})
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.number == 4))
        cohort_id = cohort.id
        assert response.headers["Location"].endswith(f"{BASE}/{cohort_id}")
        assert (cohort.state, cohort.opens_at, cohort.closes_at) == (
            "planned", start_of(today - timedelta(days=1)), close_after(today + timedelta(days=30)))
        assert (cohort.checklist_version, cohort.decision_planned_on) == ("1", date(2026, 12, 20))

    show = f"{BASE}/{cohort_id}"
    assert _post(client, f"{show}/open", token_from=show).status_code == 302
    assert _cohort(app, cohort_id).state == "open"
    apply(cohort_id, approve=2, reject=1)
    assert _post(client, f"{show}/close", token_from=show).status_code == 302
    assert _cohort(app, cohort_id).state == "closed"

    page = client.get(show).get_data(as_text=True)
    assert not structure_problems(page)
    assert [_text(page, f"preview-{k}") for k in ("approve", "reject", "undecided")] == ["2", "1", "0"]
    assert 'id="decision-form"' in page
    assert re.search(rf'id="decided_on"[^>]*value="{datetime.now(JST).date().isoformat()}"', page)  # today in JST

    response = _post(client, f"{show}/decide", {"decided_on": "2026-12-20", "confirm": "y"}, token_from=show)
    assert response.status_code == 302 and response.headers["Location"].endswith(show)
    assert "2 registered, 0 renewed, 1 rejected" in _flashes(client, show)
    page = client.get(show).get_data(as_text=True)
    assert 'id="decision-done"' in page and 'id="decision-form"' not in page
    assert 'id="open-form"' not in page and 'id="close-form"' not in page
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        assert (cohort.state, cohort.decided_on) == ("decided", date(2026, 12, 20))
        assert db.session.scalars(select(Registration.number).order_by(Registration.number)).all() == [
            "KS04-0001", "KS04-0002"]
        states = sorted(db.session.scalars(select(Application.state)).all())
        assert states == ["approved", "approved", "rejected"]

    # A second click: "already decided", nothing changes.
    response = _post(client, f"{show}/decide", {"decided_on": "2026-12-21", "confirm": "y"}, token_from=show)
    assert response.status_code == 302
    assert "already been decided" in _flashes(client, show)
    assert _count(app, Registration) == 2
    assert _cohort(app, cohort_id).decided_on == date(2026, 12, 20)

    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert not structure_problems(listing)
    assert f'href="{show}"' in listing
    assert re.search(r'id="cohort-4" data-state="decided"', listing)
    assert 'data-state="approved" data-count="2"' in listing and 'data-state="rejected" data-count="1"' in listing


def test_staff_enter_the_last_day_and_the_window_closes_at_midnight_after_it_in_japan(app, secretariat):
    """"Last day: the 27th" stores a close at 00:00 JST on the 28th (15:00 UTC on the 27th), and the
    pages say the 27th, 23:59."""
    response = _post(secretariat, f"{BASE}/new", {
        "number": "２", "first_day": "2026/10/01", "last_day": "２０２６-１２-２７", "checklist_version": "1"})
    assert response.status_code == 302
    cohort = _cohort(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert cohort.number == 2
    assert cohort.opens_at == datetime(2026, 9, 30, 15, 0, tzinfo=timezone.utc)  # 00:00 JST on 1 October
    assert cohort.closes_at == datetime(2026, 12, 27, 15, 0, tzinfo=timezone.utc)  # 00:00 JST on 28 December
    assert cohort.closes_at.astimezone(JST) == datetime(2026, 12, 28, 0, 0, tzinfo=JST)
    assert cohort.decision_planned_on is None
    page = secretariat.get(f"{BASE}/").get_data(as_text=True)
    assert "from Thursday 1 October 2026 until Sunday 27 December 2026, 23:59 JST" in page
    assert "28 December" not in page
    show = secretariat.get(response.headers["Location"]).get_data(as_text=True)
    assert "until Sunday 27 December 2026, 23:59 JST" in show


def test_a_one_day_window_is_allowed(app, secretariat):
    response = _post(secretariat, f"{BASE}/new", _plan_form(opens="2026-10-01", closes="2026-10-01"))
    assert response.status_code == 302
    cohort = _cohort(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert cohort.closes_at - cohort.opens_at == timedelta(days=1)


def test_the_next_number_is_suggested(app, secretariat, plan):
    plan(1)
    plan(5)
    page = secretariat.get(f"{BASE}/new").get_data(as_text=True)
    assert re.search(r'id="number"[^>]*value="6"', page)


# --- the decision preview ---------------------------------------------------------------------

def test_the_preview_counts_and_undecided_applications_block_the_decision(app, secretariat, plan, apply):
    cohort_id = plan(3, "open")
    apply(cohort_id, approve=2, reject=1, undecided=1)
    with app.test_request_context():
        operations.move_cohort(db.session.get(Cohort, cohort_id), CohortState.CLOSED)
        db.session.commit()
    show = f"{BASE}/{cohort_id}"
    page = secretariat.get(show).get_data(as_text=True)
    assert [_text(page, f"preview-{k}") for k in ("approve", "reject", "undecided")] == ["2", "1", "1"]
    assert 'id="decision-blocked-undecided"' in page and 'id="decision-form"' not in page
    assert 'data-state="submitted"' in page  # the counts per state

    response = _post(secretariat, f"{show}/decide", {"decided_on": "2026-12-20", "confirm": "y"}, token_from=show)
    assert response.status_code == 302
    assert "cannot be decided yet" in _flashes(secretariat, show)
    assert _cohort(app, cohort_id).state == "closed"
    assert _count(app, Registration) == 0


# --- refusals ----------------------------------------------------------------------------------

def _plan_form(number="3", opens="2026-10-01", closes="2026-10-31", **more):
    return {"number": number, "first_day": opens, "last_day": closes, "checklist_version": "1", **more}


def test_a_duplicate_number_is_refused_with_a_message(app, secretariat, plan):
    plan(3)
    response = _post(secretariat, f"{BASE}/new", _plan_form("3"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="number-error"' in page and "Cohort 3 already exists" in page
    assert not structure_problems(page)
    assert 'value="2026-10-01"' in page  # what was typed is kept
    assert _count(app, Cohort) == 1


def test_a_number_taken_meanwhile_is_a_message_not_a_500(app, secretariat, plan, monkeypatch):
    from portal.cohorts.forms import CohortForm

    plan(3)
    monkeypatch.setattr(CohortForm, "validate_number", lambda form, field: None)  # the check passed, then…
    response = _post(secretariat, f"{BASE}/new", _plan_form("3"))
    assert response.status_code == 200
    assert 'id="number-error"' in response.get_data(as_text=True)
    assert _count(app, Cohort) == 1


@pytest.mark.parametrize("data, field", [
    (_plan_form(closes="2026-09-30"), "last_day"),
    (_plan_form(closes="2025-10-31"), "last_day"),
    (_plan_form(closes=""), "last_day"),
    (_plan_form(closes="2026-10-01T09:00"), "last_day"),
    (_plan_form(closes="31 Oct"), "last_day"),
    (_plan_form(number="0"), "number"),
    (_plan_form(number="-2"), "number"),
    (_plan_form(number="three"), "number"),
    (_plan_form(number=""), "number"),
    (_plan_form(opens="tomorrow"), "first_day"),
    (_plan_form(opens=""), "first_day"),
    (_plan_form(checklist_version="999"), "checklist_version"),
    (_plan_form(decision_planned_on="20 Dec"), "decision_planned_on"),
])
def test_bad_plans_are_refused_with_a_message(app, secretariat, data, field):
    response = _post(secretariat, f"{BASE}/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    assert 'class="error-summary"' in page
    assert _count(app, Cohort) == 0


def test_window_order_message_is_clear(app, secretariat):
    page = _post(secretariat, f"{BASE}/new", _plan_form(closes="2026-09-01")).get_data(as_text=True)
    assert "The last day cannot be before the first day." in page


def test_a_stale_token_keeps_the_plan_typed(app, secretariat):
    response = secretariat.post(f"{BASE}/new", data={**_plan_form(), "csrf_token": "stale"})
    assert response.status_code == 400
    assert 'value="2026-10-01"' in response.get_data(as_text=True)
    assert _count(app, Cohort) == 0


def test_an_open_cohort_cannot_be_decided(app, secretariat, plan, apply):
    cohort_id = plan(5, "open")
    apply(cohort_id, approve=1)
    show = f"{BASE}/{cohort_id}"
    page = secretariat.get(show).get_data(as_text=True)
    assert 'id="decision-blocked-state"' in page and 'id="decision-form"' not in page
    response = _post(secretariat, f"{show}/decide", {"decided_on": "2026-12-20", "confirm": "y"}, token_from=show)
    assert response.status_code == 302
    assert "Only a closed cohort can be decided" in _flashes(secretariat, show)
    assert _cohort(app, cohort_id).state == "open"
    assert _count(app, Registration) == 0


def test_deciding_needs_the_confirmation_and_a_date(app, secretariat, plan, apply):
    cohort_id = plan(5, "open")
    apply(cohort_id, approve=1)
    with app.test_request_context():
        operations.move_cohort(db.session.get(Cohort, cohort_id), CohortState.CLOSED)
        db.session.commit()
    show = f"{BASE}/{cohort_id}"
    response = _post(secretariat, f"{show}/decide", {"decided_on": "2026-12-20"}, token_from=show)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="confirm-error"' in page
    assert not structure_problems(page)
    response = _post(secretariat, f"{show}/decide", {"decided_on": "not a date", "confirm": "y"}, token_from=show)
    assert response.status_code == 200 and 'id="decided_on-error"' in response.get_data(as_text=True)
    assert _cohort(app, cohort_id).state == "closed"
    assert _count(app, Registration) == 0


def test_moves_that_the_table_forbids_are_messages(app, secretariat, plan):
    cohort_id = plan(6)
    show = f"{BASE}/{cohort_id}"
    response = _post(secretariat, f"{show}/close", token_from=show)  # planned → closed is not a move
    assert response.status_code == 302
    assert "cannot be moved" in _flashes(secretariat, show)
    assert _cohort(app, cohort_id).state == "planned"
    assert _post(secretariat, f"{show}/open", token_from=show).status_code == 302
    assert _post(secretariat, f"{show}/open", token_from=show).status_code == 302  # open → open
    assert "cannot be moved" in _flashes(secretariat, show)
    assert _cohort(app, cohort_id).state == "open"


def test_an_unknown_cohort_is_404(secretariat):
    assert secretariat.get(f"{BASE}/999").status_code == 404
    assert _post(secretariat, f"{BASE}/999/open", token_from=f"{BASE}/").status_code == 404
    assert _post(secretariat, f"{BASE}/999/decide", {"decided_on": "2026-12-20", "confirm": "y"},
                 token_from=f"{BASE}/").status_code == 404


# --- who may --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reviewer", "applicant", "partner"])
def test_only_the_secretariat_may_use_the_cohort_pages(app, client, make_user, plan, role):
    cohort_id = plan(1, "closed")
    login(client, make_user(role, partner="bank-x" if role == "partner" else None))
    token = csrf_token(client, "/account")
    for path in (f"{BASE}/", f"{BASE}/new", f"{BASE}/{cohort_id}"):
        assert client.get(path).status_code == 403, path
    for path in (f"{BASE}/new", f"{BASE}/{cohort_id}/open", f"{BASE}/{cohort_id}/close", f"{BASE}/{cohort_id}/decide"):
        data = {**_plan_form("9"), "decided_on": "2026-12-20", "confirm": "y", "csrf_token": token}
        assert client.post(path, data=data).status_code == 403, path
    assert _cohort(app, cohort_id).state == "closed"
    assert _count(app, Cohort) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, plan):
    cohort_id = plan(1)
    for path in (f"{BASE}/", f"{BASE}/new", f"{BASE}/{cohort_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the list costs the same for 2 or 10 cohorts -----------------------------------------------

def _list_queries(app, client) -> int:
    warm_user(client)
    with counted(app) as statements:
        assert client.get(f"{BASE}/").status_code == 200
    return len(statements)


def _cohorts_with_drafts(app, plan, owner_id, numbers):
    for number in numbers:
        cohort_id = plan(number, "open" if number % 2 else "planned")
        with app.test_request_context():
            owner = db.session.get(User, owner_id)
            applications.start_application(owner.organisation, db.session.get(Cohort, cohort_id), owner)
            db.session.commit()


def test_the_list_costs_the_same_for_2_or_10_cohorts(app, secretariat, make_user, make_organisation, plan):
    owner = make_user()
    make_organisation(owner)
    _cohorts_with_drafts(app, plan, owner, range(1, 3))
    small = _list_queries(app, secretariat)
    _cohorts_with_drafts(app, plan, owner, range(3, 11))
    large = _list_queries(app, secretariat)
    assert _count(app, Cohort) == 10
    assert small == large
    page = secretariat.get(f"{BASE}/").get_data(as_text=True)
    assert page.count('data-state="draft" data-count="1"') == 10
