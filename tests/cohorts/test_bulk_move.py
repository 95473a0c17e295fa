"""Closing a cohort: the warning that blocks the decision lists the undecided applications (each
linked to its review page) and moves all of them to a later cohort in one action with one reason,
through the batch operation the single move uses — audited per application, all or nothing,
refused cleanly when anything changed meanwhile."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pages import structure_problems
from support import csrf_token, login

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.applications.models import Application, ApplicationRevision
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.audit import AuditEntry
from portal.core.extensions import db

BASE = "/staff/cohorts"




@pytest.fixture
def later(app):
    """later(number, state="planned") -> the id of a cohort after the built one."""

    def build(number: int, state: str = "planned") -> int:
        now = datetime.now(timezone.utc)
        with app.test_request_context():
            cohort = operations.plan_cohort(number, now + timedelta(days=100), now + timedelta(days=130))
            if state == "decided":
                cohort.state = CohortState.DECIDED
            db.session.commit()
            return cohort.id

    return build


def _page(client, cohort_id: int) -> str:
    response = client.get(f"{BASE}/{cohort_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _form_values(page: str) -> dict:
    form = re.search(r'<form[^>]*id="move-undecided-form".*?</form>', page, re.DOTALL)
    assert form, "no move form on the page"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.group(0)).group(1)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', form.group(0)).group(1)
    return {"csrf_token": token, "shown": shown}


def _move(client, cohort_id: int, target: int, reason: str, values: dict | None = None):
    values = values or _form_values(_page(client, cohort_id))
    return client.post(f"{BASE}/{cohort_id}/move-undecided",
                       data={**values, "target_cohort": target, "move_reason": reason})


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _where(app, ids) -> dict[int, tuple[int, str, int]]:
    """application id -> (cohort id, state, revisions)."""
    with app.app_context():
        revisions = dict(db.session.execute(
            select(ApplicationRevision.application_id, func.count()).where(ApplicationRevision.application_id.in_(ids))
            .group_by(ApplicationRevision.application_id)).all())
        return {a.id: (a.cohort_id, a.state.value, revisions.get(a.id, 0))
                for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))}


def _moved_entries(app) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "application.moved")
                                     .order_by(AuditEntry.object_id)).all()
        db.session.expunge_all()
        return entries


def test_the_warning_lists_the_undecided_and_one_post_moves_them_all(app, secretariat, build_cohort, later, mails):
    cohort_id, ids = build_cohort(approve=1, reject=1, undecided=3)
    undecided = [i for i in ids if _where(app, [i])[i][1] == "submitted"]
    assert len(undecided) == 3
    target = later(8)
    before = _where(app, ids)

    page = _page(secretariat, cohort_id)
    assert not structure_problems(page), structure_problems(page)
    assert 'id="decision-blocked-undecided"' in page and 'href="#undecided-title"' in page
    listed = re.findall(r'<tr data-application="(\d+)">', page)
    assert sorted(map(int, listed)) == sorted(undecided)
    for application_id in undecided:  # each links to its review page
        assert f'href="/staff/review/{application_id}"' in page
    assert 'id="decision-form"' not in page
    assert re.search(rf'<option value="{target}">Cohort 8 \(Planned\)</option>', page)

    sent_before = len(mails())
    response = _move(secretariat, cohort_id, target, "第7期の審査に間に合わないため")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert any("3 applications were moved to Cohort 8" in text for text in _flashes(secretariat))

    after = _where(app, ids)
    for application_id in ids:
        cohort, state, revisions = after[application_id]
        assert (state, revisions) == before[application_id][1:]  # states and revisions unchanged
        assert cohort == (target if application_id in undecided else cohort_id)
    entries = _moved_entries(app)
    assert sorted(e.object_id for e in entries) == sorted(undecided)  # one entry per application
    assert all(e.changes == {"cohort": [7, 8], "reason": "第7期の審査に間に合わないため"} for e in entries)
    assert len(mails()) - sent_before == 3  # each applicant hears of it
    with app.app_context():
        assert operations.decision_preview(db.session.get(Cohort, cohort_id))["undecided"] == 0
    page = _page(secretariat, cohort_id)
    assert 'id="decision-form"' in page and 'id="undecided-list"' not in page


def test_the_single_move_is_a_batch_of_one_through_the_same_operation(app, build_cohort, later, monkeypatch):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=1)
    target = later(8)
    calls = []
    batch = applications.move_applications
    monkeypatch.setattr(applications, "move_applications", lambda batch_of, *a, **k: calls.append([x.id for x in batch_of]) or batch(batch_of, *a, **k))
    with app.test_request_context():
        applications.move_to_cohort(db.session.get(Application, ids[0]), db.session.get(Cohort, target), None, "r")
        db.session.commit()
    assert calls == [ids]
    assert _where(app, ids)[ids[0]][0] == target


@pytest.mark.parametrize("which, message", [
    ("decided", "already been decided"), ("earlier", "only to a later cohort"), ("same", "only to a later cohort")])
def test_a_decided_earlier_or_the_same_cohort_is_refused_and_nothing_moves(app, secretariat, build_cohort, later,
                                                                         mails, which, message):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=2, number=7)
    targets = {"decided": later(9, "decided"), "earlier": later(3), "same": cohort_id}
    later(8)  # a valid choice exists, so the form is offered
    before, sent = _where(app, ids), len(mails())
    response = _move(secretariat, cohort_id, targets[which], "理由")
    assert response.status_code == 302
    assert any(message in text for text in _flashes(secretariat)), _flashes(secretariat)
    assert _where(app, ids) == before and not _moved_entries(app) and len(mails()) == sent


def test_an_empty_reason_is_shown_at_the_field_and_nothing_moves(app, secretariat, build_cohort, later):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=2)
    target = later(8)
    before = _where(app, ids)
    response = _move(secretariat, cohort_id, target, "   ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="move_reason-error">Give the reason for moving the applications to another cohort.<', page)
    assert 'aria-invalid="true"' in re.search(r'<textarea[^>]*id="move_reason"[^>]*>', page).group(0)
    assert not structure_problems(page), structure_problems(page)
    assert _where(app, ids) == before and not _moved_entries(app)


def test_an_application_changed_meanwhile_refuses_the_batch(app, secretariat, build_cohort, later, make_user):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=3)
    target = later(8)
    values = _form_values(_page(secretariat, cohort_id))  # the page as the secretariat saw it
    reviewer_id = make_user("reviewer", email="late@example.jp")
    with app.test_request_context():  # … then a reviewer starts on one of them
        applications.start_review(db.session.get(Application, ids[1]), db.session.get(User, reviewer_id))
        db.session.commit()
    before = _where(app, ids)
    response = _move(secretariat, cohort_id, target, "理由", values)
    assert response.status_code == 302
    assert any("changed by someone else meanwhile, so nothing was moved" in t for t in _flashes(secretariat))
    assert _where(app, ids) == before and not _moved_entries(app)


def test_a_new_undecided_application_refuses_the_batch(app, secretariat, build_cohort, later):
    cohort_id, ids = build_cohort(approve=1, reject=0, undecided=2)
    target = later(8)
    values = _form_values(_page(secretariat, cohort_id))
    recommended = next(i for i in ids if _where(app, [i])[i][1] == "recommended_approval")
    with app.test_request_context():  # a recommendation is taken back: one more is undecided
        applications.reset_recommendation(db.session.get(Application, recommended), None)
        db.session.commit()
    assert _where(app, [recommended])[recommended][1] == "under_review"
    before = _where(app, ids)
    response = _move(secretariat, cohort_id, target, "理由", values)
    assert response.status_code == 302
    assert any("nothing was moved" in t for t in _flashes(secretariat))
    assert _where(app, ids) == before and not _moved_entries(app)


def test_one_organisation_already_in_the_target_refuses_the_whole_batch(app, secretariat, build_cohort, later):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=3)
    target = later(8)
    with app.test_request_context():  # one organisation has a draft in cohort 8 already
        blocked = db.session.get(Application, ids[2])
        owner = blocked.organisation.owner
        applications.start_application(blocked.organisation, db.session.get(Cohort, target), owner)
        name = blocked.organisation.name
        db.session.commit()
    before = _where(app, ids)
    response = _move(secretariat, cohort_id, target, "理由")
    assert response.status_code == 302
    flashes = _flashes(secretariat)
    assert any(name in t and "already has an application in that cohort" in t and "Nothing was moved" in t
               for t in flashes), flashes
    assert _where(app, ids) == before and not _moved_entries(app)


def test_without_a_later_cohort_the_page_says_to_plan_one(app, secretariat, build_cohort):
    cohort_id, _ids = build_cohort(approve=0, reject=0, undecided=1)
    page = _page(secretariat, cohort_id)
    assert 'id="undecided-list"' in page and 'id="move-undecided-form"' not in page
    assert 'id="move-undecided-no-target"' in page and 'href="/staff/cohorts/new"' in page


def test_a_reviewer_may_not_move_them(app, client, make_user, build_cohort, later):
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=2)
    target = later(8)
    login(client, make_user("reviewer", email="r2@example.jp"))
    token = csrf_token(client, "/staff/review/")
    before = _where(app, ids)
    response = client.post(f"{BASE}/{cohort_id}/move-undecided",
                           data={"csrf_token": token, "target_cohort": target, "move_reason": "r",
                                 "shown": ",".join(f"{i}:2" for i in ids)})
    assert response.status_code == 403
    assert _where(app, ids) == before


def _together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_bulk_moves_at_once_move_each_application_once(app, build_cohort, later, make_user):
    """Two secretariat members send the same move at the same moment (on PostgreSQL: really at
    once): the applications move once, each audited once, and the second is told."""
    cohort_id, ids = build_cohort(approve=0, reject=0, undecided=3)
    eight, nine = later(8), later(9)
    clients = []
    for n in range(2):
        client = app.test_client()
        login(client, make_user("secretariat", email=f"s{n}@example.jp"))
        client.get("/?lang=en")
        clients.append(client)
    values = [_form_values(_page(c, cohort_id)) for c in clients]
    responses = _together(*[(lambda c=c, v=v, t=t: _move(c, cohort_id, t, "理由", v))
                            for c, v, t in zip(clients, values, (eight, nine))])
    assert all(r.status_code == 302 for r in responses)
    cohorts = {cohort for cohort, _state, _revisions in _where(app, ids).values()}
    assert len(cohorts) == 1 and cohorts <= {eight, nine}  # all together, in one of the two
    assert sorted(e.object_id for e in _moved_entries(app)) == sorted(ids)
    told = [t for c in clients for t in _flashes(c)]
    assert any("nothing was moved" in t for t in told), told


def test_a_move_and_a_decision_at_once_never_register_a_moved_application(app, build_cohort, later, make_user):
    """The secretariat moves a recommended application on while another decides the cohort: the
    decision waits for the move (or the move for the decision) — a moved application is never
    decided with the cohort it left."""
    from portal.registrations.models import Registration

    cohort_id, ids = build_cohort(approve=2, reject=0, undecided=0)
    target = later(8)
    moving, deciding = app.test_client(), app.test_client()
    login(moving, make_user("secretariat", email="m@example.jp"))
    login(deciding, make_user("secretariat", email="d@example.jp"))

    def move():
        with app.test_request_context():
            application = db.session.get(Application, ids[0])
            try:
                applications.move_to_cohort(application, db.session.get(Cohort, target), None, "理由")
                db.session.commit()
                return "moved"
            except applications.ApplicationError as error:
                db.session.rollback()
                return error.code

    def decide():
        token = csrf_token(deciding, f"{BASE}/{cohort_id}")
        return deciding.post(f"{BASE}/{cohort_id}/decide", data={"csrf_token": token, "decided_on": "2026-12-20",
                                                                   "confirm": "y"}).status_code

    moved, decided = _together(move, decide)
    where = _where(app, ids)
    with app.app_context():
        registered = set(db.session.scalars(select(Registration.organisation_id).where(
            Registration.cohort_id == cohort_id)))
        organisation = db.session.get(Application, ids[0]).organisation_id
    if moved == "moved":
        assert where[ids[0]][:2] == (target, "recommended_approval") and organisation not in registered
    else:
        # Refused: the cohort was decided first ("not_movable"), or, on SQLite, which takes no row
        # locks, decided between the move's read and its write (the version column: "move_changed").
        assert moved in ("not_movable", "move_changed") and where[ids[0]][:2] == (cohort_id, "approved")
    assert decided == 302
