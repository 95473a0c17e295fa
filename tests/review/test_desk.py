"""The review desk (issue #19): a corrected resubmission goes back to its reviewer under review;
the checks made outside the portal are recorded (bad input refused at the field, nothing
stored); a warning when the 法人番号 is in another application or a registration; the queue
opens on the current cohort's actionable applications with counts per state; no id is used
twice on the review page or the queue."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from pages import structure_problems
from sqlalchemy import func, select
from support import csrf_token

from portal.accounts.models import User
from portal.applications import operations
from portal.applications.models import Application
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.review.models import ExternalCheck

QUEUE = "/staff/review/"


def _html(client, path: str, **args) -> str:
    if "?" in path:  # a link taken from a page, with its own query string
        path, args = path + "&lang=en", {}
    else:
        args = {"lang": "en", **args}
    response = client.get(path, query_string=args or None)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _duplicate_ids(html: str) -> list[str]:
    return [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]


def _queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="application-(\d+)"', html)]


def _returned(app, application_id: int, reviewer_id: int | None, assign: bool) -> None:
    """Start the review (assigning the reviewer when `assign`), return the application, and
    let the applicant correct the vision: ready to resubmit."""
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        staff = db.session.get(User, reviewer_id)
        if assign:
            operations.assign_reviewer(application, staff, staff)
        operations.start_review(application, staff)
        operations.return_for_correction(application, "ビジョンを具体的に。", {"vision": "数値を"}, None, staff)
        db.session.commit()
        owner = application.organisation.owner
        operations.save_section(application, "vision", "2030年には熊本でCO2を半減する会社になる。", owner)
        db.session.commit()


def _close(app, cohort_id: int) -> None:
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState

    with app.app_context():
        cohorts.move_cohort(db.session.get(Cohort, cohort_id), CohortState.CLOSED)
        db.session.commit()


def _resubmit(app, application_id: int) -> None:
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        operations.submit_application(application, application.organisation.owner)
        db.session.commit()


# --- resubmission goes back to its reviewer ---------------------------------------------------

def test_a_corrected_resubmission_goes_back_under_review_to_its_reviewer(
        app, make_cohort, make_submitted, reviewer, staff_client, load):
    application_id = make_submitted(make_cohort())
    _returned(app, application_id, reviewer, assign=True)
    _resubmit(app, application_id)

    application = load(application_id)
    assert application.state == "under_review" and application.reviewer_id == reviewer
    assert application.revision_count == 2
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "application.submitted")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.changes["state"] == ["returned", "under_review"] and entry.changes["revision"] == 2

    # The reviewer recommends straight away: no "start the review" on the page.
    html = _html(staff_client(reviewer), f"/staff/review/{application_id}")
    assert f'action="/staff/review/{application_id}/start"' not in html
    assert f'action="/staff/review/{application_id}/approve"' in html
    assert 'id="change-vision"' in html  # revision 2's change marked in place


def test_the_applicant_sees_under_review_after_resubmitting_to_a_reviewer(
        app, client, make_cohort, make_submitted, reviewer, load):
    from support import login

    application_id = make_submitted(make_cohort())
    _returned(app, application_id, reviewer, assign=True)
    owner_id = load(application_id).created_by_id
    login(client, owner_id)
    token = csrf_token(client, f"/applications/{application_id}/step/confirm")
    response = client.post(f"/applications/{application_id}/submit", data={"csrf_token": token},
                           follow_redirects=True, query_string={"lang": "en"})
    assert response.status_code == 200
    assert load(application_id).state == "under_review"
    status = client.get(f"/applications/{application_id}?lang=en").get_data(as_text=True)
    assert re.search(r'<strong class="badge status-under_review">Under review</strong>', status)


def test_a_resubmission_nobody_reviews_waits_as_submitted(app, make_cohort, make_submitted, reviewer, load):
    application_id = make_submitted(make_cohort())
    _returned(app, application_id, reviewer, assign=False)
    _resubmit(app, application_id)
    application = load(application_id)
    assert application.state == "submitted" and application.reviewer_id is None


def test_a_resubmission_read_before_the_reviewer_changed_is_refused_not_misrouted(
        app, make_cohort, make_submitted, reviewer, secretariat, load):
    """The state it lands in depends on the reviewer read; the compare-and-set on the version
    refuses the submission when the reviewer was changed meanwhile (on PostgreSQL too)."""
    import pytest

    application_id = make_submitted(make_cohort())
    _returned(app, application_id, reviewer, assign=True)
    with app.test_request_context():
        application = db.session.get(Application, application_id)  # read: the reviewer is assigned
        owner = application.organisation.owner
        with app.app_context():  # meanwhile, in another request: the secretariat unassigns
            other = db.session.get(Application, application_id)
            operations.assign_reviewer(other, None, db.session.get(User, secretariat))
            db.session.commit()
        with pytest.raises(operations.ApplicationError) as refused:
            operations.submit_application(application, owner)
        assert refused.value.code == "changed"
    stored = load(application_id)
    assert stored.state == "returned" and stored.reviewer_id is None and stored.revision_count == 1
    _resubmit(app, application_id)  # submitted again from a fresh page: nobody reviews it, so it waits
    assert load(application_id).state == "submitted"


# --- checks made outside the portal ----------------------------------------------------------

def _record(client, application_id: int, **fields):
    token = csrf_token(client, QUEUE)
    return client.post(f"/staff/review/{application_id}/external-checks?lang=en",
                       data={"csrf_token": token, **fields})


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ExternalCheck))


def test_a_check_outside_the_portal_is_recorded_with_date_result_and_who(
        app, make_cohort, make_submitted, reviewer, staff_client):
    application_id = make_submitted(make_cohort(), state="under_review")
    client = staff_client(reviewer)
    day = today_jst() - timedelta(days=2)
    response = _record(client, application_id, kind="police", checked_on=day.isoformat(), result="follow_up",
                       note="照会番号 123")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/review/{application_id}#external-checks")
    html = _html(client, f"/staff/review/{application_id}")
    police = html[html.index('id="external-police"'):]
    police = police[:police.index("</li>")]
    assert "Needs follow-up" in police and "審査 一郎" in police and "照会番号 123" in police
    tax = html[html.index('id="external-tax"'):]
    assert "Not recorded yet" in tax[:tax.index("</li>")]
    with app.app_context():
        check = db.session.scalars(select(ExternalCheck)).one()
        assert (check.kind, check.result, check.checked_on, check.recorded_by_id) == ("police", "follow_up", day,
                                                                                       reviewer)
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "application.external_check_recorded")).one()
        assert entry.object_id == application_id and entry.actor_id == reviewer
    # The later record of a kind is the one shown; the earlier one is counted.
    _record(client, application_id, kind="police", checked_on=today_jst().isoformat(), result="clear")
    html = _html(client, f"/staff/review/{application_id}")
    police = html[html.index('id="external-police"'):]
    police = police[:police.index("</li>")]
    assert "No problem found" in police and "1 earlier record" in police
    assert "Check outside the portal recorded" in html  # the staff timeline


def test_bad_input_for_a_check_is_refused_at_the_field_and_nothing_is_stored(
        app, make_cohort, make_submitted, reviewer, staff_client):
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    future = (today_jst() + timedelta(days=1)).isoformat()
    cases = [
        ({"checked_on": today_jst().isoformat(), "result": "clear"}, "external-kind-error",
         "Choose which check was made."),
        ({"kind": "tax", "checked_on": future, "result": "clear"}, "external-checked_on-error",
         "The date of the check cannot be in the future."),
        ({"kind": "tax", "checked_on": "昨日", "result": "clear"}, "external-checked_on-error", None),
        ({"kind": "tax", "checked_on": "", "result": "clear"}, "external-checked_on-error",
         "Give the date of the check"),
        ({"kind": "tax", "checked_on": today_jst().isoformat(), "result": "fine"}, "external-result-error", None),
        ({"kind": "arson", "checked_on": today_jst().isoformat(), "result": "clear"}, "external-kind-error", None),
        ({"kind": "tax", "checked_on": today_jst().isoformat(), "result": "clear", "note": "x" * 1001},
         "external-note-error", None),
    ]
    for fields, error_id, message in cases:
        response = _record(client, application_id, **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, fields
        assert f'id="{error_id}"' in html, fields
        assert "<details class=\"disclosure\" open>" in html  # the form is shown open, with its errors
        if message:
            assert message in html
        assert structure_problems(html) == [] and _duplicate_ids(html) == []
    assert _stored(app) == 0


def test_no_check_is_recorded_on_a_withdrawn_application(app, make_cohort, make_submitted, reviewer, staff_client):
    application_id = make_submitted(make_cohort())
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        operations.withdraw_application(application, application.organisation.owner)
        db.session.commit()
    client = staff_client(reviewer)
    html = _html(client, f"/staff/review/{application_id}")
    assert 'id="external-form"' not in html
    response = _record(client, application_id, kind="tax", checked_on=today_jst().isoformat(), result="clear")
    assert response.status_code == 302
    assert _stored(app) == 0


def test_a_visitor_or_applicant_cannot_record_a_check(app, client, make_cohort, make_submitted, load):
    from support import login

    application_id = make_submitted(make_cohort())
    login(client, load(application_id).created_by_id)
    token = csrf_token(client, "/account")
    response = client.post(f"/staff/review/{application_id}/external-checks",
                           data={"csrf_token": token, "kind": "tax", "checked_on": today_jst().isoformat(),
                                 "result": "clear"})
    assert response.status_code == 403
    assert _stored(app) == 0


# --- the same 法人番号 elsewhere ------------------------------------------------------------

def test_the_corporate_number_warning_follows_other_applications_and_registrations(
        app, make_cohort, make_submitted, make_application, complete_content, reviewer, staff_client, load):
    from portal.cohorts.models import Cohort, CohortState
    from portal.registrations.models import Registration

    cohort_3, cohort_4 = make_cohort(3), make_cohort(4)
    first = make_submitted(cohort_3, corporate_number="8330001000000")
    lone = make_submitted(cohort_3, corporate_number="7330001000001")
    owner_id = load(first).created_by_id
    second = make_application(owner_id, cohort_4, complete_content())
    _resubmit(app, second)  # submitted (revision 1)
    client = staff_client(reviewer)

    html = _html(client, f"/staff/review/{first}")
    warning = html[html.index('id="same-corporate-number"'):]
    warning = warning[:warning.index("</div>")]
    assert "8330001000000" in warning and f'href="/staff/review/{second}"' in warning
    assert 'id="same-corporate-number"' not in _html(client, f"/staff/review/{lone}")

    # Withdrawn: no longer a reason to warn.
    with app.test_request_context():
        application = db.session.get(Application, second)
        operations.withdraw_application(application, application.organisation.owner)
        db.session.commit()
    assert 'id="same-corporate-number"' not in _html(client, f"/staff/review/{first}")

    # A registration with the number (an earlier cohort's) warns too, with its link.
    with app.app_context():
        organisation_id = load(first).organisation_id
        old = Cohort(number=2, opens_at=db.session.get(Cohort, cohort_3).opens_at - timedelta(days=900),
                     closes_at=db.session.get(Cohort, cohort_3).opens_at - timedelta(days=880),
                     state=CohortState.DECIDED, decided_on=today_jst() - timedelta(days=850))
        db.session.add(old)
        db.session.flush()
        registration = Registration(number="KS02-0007", cohort_id=old.id, sequence=7, organisation_id=organisation_id,
                                    registered_on=today_jst() - timedelta(days=850),
                                    valid_until=today_jst() + timedelta(days=200))
        db.session.add(registration)
        db.session.commit()
        registration_id = registration.id
    html = _html(client, f"/staff/review/{first}")
    warning = html[html.index('id="same-corporate-number"'):]
    assert "KS02-0007" in warning and f'href="/registrations/{registration_id}"' in warning


# --- the queue -------------------------------------------------------------------------------

def test_the_queue_opens_on_the_current_cohorts_actionable_applications_newest_first(
        app, make_cohort, make_submitted, reviewer, secretariat, staff_client):
    earlier = make_cohort(3, opens_in_days=-60, closes_in_days=5)
    old_work = make_submitted(earlier)
    _close(app, earlier)
    current = make_cohort(4)
    first = make_submitted(current)
    reviewing = make_submitted(current, state="under_review")
    returned = make_submitted(current, state="under_review")
    recommended = make_submitted(current, state="under_review")
    newest = make_submitted(current)
    with app.test_request_context():
        staff = db.session.get(User, reviewer)
        operations.return_for_correction(db.session.get(Application, returned), "直してください。", {}, None, staff)
        operations.recommend(db.session.get(Application, recommended), True, staff)
        operations.assign_reviewer(db.session.get(Application, reviewing), staff, staff)
        db.session.commit()
    client = staff_client(reviewer)

    html = _html(client, QUEUE)
    assert _queue_ids(html) == [newest, reviewing, first]  # submitted or under review, most recent first
    assert old_work not in _queue_ids(html)
    assert structure_problems(html) == [] and _duplicate_ids(html) == []
    counts = dict(re.findall(r'id="count-(\w+)"[^>]*><a [^>]*>.*?</a>: <strong>(\d+)</strong>', html))
    assert counts["actionable"] == "3" and counts["submitted"] == "2" and counts["under_review"] == "1"
    assert counts["returned"] == "1" and counts["recommended_approval"] == "1" and counts["approved"] == "0"
    # Each count links to its filter of this cohort; the decided ones are one click away.
    assert f'href="/staff/review/?cohort={current}&amp;state=returned"' in html
    assert _queue_ids(_html(client, QUEUE, cohort=current, state="returned")) == [returned]
    assert _queue_ids(_html(client, QUEUE, cohort=current, state="recommended_approval")) == [recommended]
    # "Mine" and "unassigned": one click each, keeping the cohort and the states.
    mine = re.search(r'href="([^"]+)" id="tab-mine"', html).group(1).replace("&amp;", "&")
    unassigned = re.search(r'href="([^"]+)" id="tab-unassigned"', html).group(1).replace("&amp;", "&")
    assert _queue_ids(_html(client, mine)) == [reviewing]
    assert _queue_ids(_html(client, unassigned)) == [newest, first]
    # The export selects what the page shows.
    export = re.search(r'href="([^"]+)" id="export-csv"', html).group(1).replace("&amp;", "&")
    assert f"cohort={current}" in export and "state=actionable" in export
    rows = client.get(export).get_data().decode("utf-8-sig").splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == [newest, reviewing, first]
    # Every cohort and status: a filter away.
    assert set(_queue_ids(_html(client, QUEUE, cohort="", state=""))) == {
        old_work, first, reviewing, returned, recommended, newest}


def test_without_an_open_cohort_the_queue_opens_on_the_closed_undecided_one(
        app, make_cohort, make_submitted, reviewer, staff_client):
    closed = make_cohort(3)
    waiting = make_submitted(closed)
    _close(app, closed)
    make_cohort(4, state="planned", opens_in_days=30, closes_in_days=60)
    html = _html(staff_client(reviewer), QUEUE)
    assert _queue_ids(html) == [waiting]
    assert "Applications per status in Cohort 3" in html


# --- ids -------------------------------------------------------------------------------------

def test_no_id_is_used_twice_on_the_review_page_in_any_state(
        app, make_cohort, make_submitted, reviewer, secretariat, staff_client):
    make_cohort(5)  # a later cohort: the move form is offered
    cohort = make_cohort(4)
    submitted = make_submitted(cohort, corporate_number="8330001000000")
    reviewing = make_submitted(cohort, state="under_review")
    recommended = make_submitted(cohort, state="under_review")
    with app.test_request_context():
        operations.recommend(db.session.get(Application, recommended), False, db.session.get(User, reviewer),
                             "理由")
        db.session.commit()
    for user in (reviewer, secretariat):
        client = staff_client(user)
        for application_id in (submitted, reviewing, recommended):
            html = _html(client, f"/staff/review/{application_id}")
            assert _duplicate_ids(html) == [], (user, application_id)
            assert structure_problems(html) == []
    # The secretariat's page has both the rejection and the move forms: each reason has its own id,
    # and each label points to its own box.
    html = _html(staff_client(secretariat), f"/staff/review/{reviewing}")
    assert 'id="reject-reason"' in html and 'id="move-reason"' in html and 'id="reason"' not in html
    assert 'for="move-reason"' in html and 'for="reject-reason"' in html
    # The return form's notes open only when chosen.
    assert re.search(r'<details class="disclosure" id="return">', html)


def test_a_move_posted_from_the_page_moves_the_application(
        app, make_cohort, make_submitted, secretariat, staff_client, load):
    cohort = make_cohort(4)
    later = make_cohort(5)
    application_id = make_submitted(cohort, state="under_review")
    client = staff_client(secretariat)
    token = csrf_token(client, QUEUE)
    response = client.post(f"/staff/review/{application_id}/move",
                           data={"csrf_token": token, "version": load(application_id).version, "cohort_id": later,
                                 "reason": "審査が間に合わないため"})
    assert response.status_code == 302
    assert load(application_id).cohort_id == later
