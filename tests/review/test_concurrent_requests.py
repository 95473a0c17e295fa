"""Two people clicking at the same moment, through real concurrent requests: two reviewers on
one application, two secretariat members deciding one cohort."""
import re
import threading

from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select

from support import csrf_token
from portal.applications.models import Application
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.registrations.models import Registration


def _together(*posts):
    """Run the posts in threads released at once; their responses in order."""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def run(index, post):
        barrier.wait()
        results[index] = post()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _form(client, path):
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    return csrf_token(client, path), version.group(1) if version else None


def test_two_reviewers_at_once_one_wins_and_the_other_is_told(app, make_cohort, make_submitted, reviewer, make_user,
                                                             staff_client, load):
    application_id = make_submitted(make_cohort(), state="under_review")
    first, second = staff_client(reviewer), staff_client(make_user("reviewer", email="second@example.jp"))
    path = f"/staff/review/{application_id}"
    token_1, version_1 = _form(first, path)
    token_2, version_2 = _form(second, path)
    approve, reject = _together(
        lambda: first.post(f"{path}/approve", data={"csrf_token": token_1, "version": version_1}),
        lambda: second.post(f"{path}/reject", data={"csrf_token": token_2, "version": version_2,
                                                    "reason": "根拠が不足しています。"}))
    state = load(application_id).state
    assert state in ("recommended_approval", "recommended_rejection")
    loser = reject if state == "recommended_approval" else approve
    assert loser.status_code in (302, 409)
    follow = (second if loser is reject else first).get(path).get_data(as_text=True)
    with app.test_request_context(), force_locale("ja"):
        from portal.review.views import _stale_text

        told = str(escape(_stale_text()))
    assert told in loser.get_data(as_text=True) + follow  # the second one is told, nothing lost silently


def test_two_decisions_at_once_through_the_pages(app, make_cohort, make_submitted, make_user, staff_client):
    from portal.accounts.models import User
    from portal.applications import operations

    cohort_id = make_cohort(number=12)
    ids = [make_submitted(cohort_id, state="under_review") for _ in range(3)]
    reviewer_id = make_user("reviewer", email="r@example.jp")
    with app.test_request_context():
        reviewer = db.session.get(User, reviewer_id)
        for application_id in ids:
            operations.recommend(db.session.get(Application, application_id), True, reviewer)
        db.session.get(Cohort, cohort_id).state = CohortState.CLOSED
        db.session.commit()
    clients = [staff_client(make_user("secretariat", email=f"s{i}@example.jp")) for i in range(2)]
    path = f"/staff/cohorts/{cohort_id}"
    tokens = [csrf_token(c, path) for c in clients]
    responses = _together(*[
        (lambda c=c, t=t: c.post(f"{path}/decide", data={"csrf_token": t, "decided_on": "2026-12-20",
                                                          "confirm": "y"}))
        for c, t in zip(clients, tokens, strict=True)])
    assert all(r.status_code in (200, 302) for r in responses)
    with app.app_context():
        numbers = db.session.scalars(select(Registration.number).order_by(Registration.number)).all()
        assert numbers == ["KS12-0001", "KS12-0002", "KS12-0003"]
        assert db.session.get(Cohort, cohort_id).state == "decided"
