"""The review queue, the review desk and the staff home are kept (portal.core.page_cache) and yet
show a write at once, made on another server: the second app instance shares the database, not
the page cache, as two servers behind the balancer do."""
from __future__ import annotations

from support import login

from portal.core.extensions import db


def _client(server, user_id):
    client = server.test_client()
    login(client, user_id)
    return client


def _get(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.headers.get("X-Page-Cache"), response.get_data(as_text=True)


def _assign(app, application_id, reviewer_id):
    from portal.accounts.models import User
    from portal.applications import operations
    from portal.applications.models import Application

    with app.test_request_context():
        reviewer = db.session.get(User, reviewer_id)
        operations.assign_reviewer(db.session.get(Application, application_id), reviewer, reviewer)
        db.session.commit()


def test_an_assignment_made_on_one_server_shows_at_once_on_the_others_kept_pages(
        app, second_server, reviewer, make_cohort, make_submitted):
    cohort_id = make_cohort()
    first = make_submitted(cohort_id, name="株式会社あさぎり")
    browser = _client(second_server, reviewer)  # the reviewer's requests land on the other server
    pages = {"queue": "/staff/review/?reviewer=mine", "desk": f"/staff/review/{first}", "home": "/staff/"}
    for path in pages.values():
        assert _get(browser, path)[0] == "miss"
        assert _get(browser, path)[0] == "hit"
    assert "株式会社あさぎり" not in _get(browser, pages["queue"])[1]

    _assign(app, first, reviewer)  # on the first server, through the operation

    state, queue = _get(browser, pages["queue"])
    assert state == "miss" and "株式会社あさぎり" in queue  # now the reviewer's own
    state, desk = _get(browser, pages["desk"])
    assert state == "miss" and "審査 一郎" in desk
    state, home = _get(browser, pages["home"])
    assert state == "miss" and 'data-count="1"' in home


def test_a_new_submission_reaches_the_kept_queue_of_every_server(app, second_server, reviewer, make_cohort,
                                                                   make_submitted):
    cohort_id = make_cohort()
    make_submitted(cohort_id, name="株式会社いちふさ")
    browsers = [_client(app, reviewer), _client(second_server, reviewer)]
    for browser in browsers:
        _get(browser, "/staff/review/")
        assert _get(browser, "/staff/review/")[0] == "hit"
    make_submitted(cohort_id, name="株式会社にしき")
    for browser in browsers:
        state, queue = _get(browser, "/staff/review/")
        assert state == "miss" and "株式会社にしき" in queue and "株式会社いちふさ" in queue


def test_the_kept_desk_carries_each_reviewers_own_csrf_token(app, reviewer, make_user, make_cohort, make_submitted,
                                                              load):
    import re

    application_id = make_submitted(make_cohort())
    other = make_user("reviewer", email="reviewer2@example.jp", name="審査 二郎")
    tokens = []
    for user_id in (reviewer, other):
        browser = _client(app, user_id)
        for _ in range(2):
            _state, desk = _get(browser, f"/staff/review/{application_id}")
            found = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', desk)) | set(
                re.findall(r'name="csrf_token" value="([^"]+)"', desk))
            assert len(found) == 1 and "csrf-placeholder" not in desk
            tokens.append(found.pop())
    # A token is the session's secret, signed with the time: compare the secrets (a second may
    # pass between two requests and change the signature).
    secrets = [token.split(".", 1)[0] for token in tokens]
    assert secrets[0] == secrets[1] and secrets[2] == secrets[3] and secrets[0] != secrets[2]

    # The token on the kept page is the browser's own: the review it starts is taken.
    version = re.search(r'name="version" value="(\d+)"', desk).group(1)
    response = browser.post(f"/staff/review/{application_id}/start",
                            data={"csrf_token": tokens[3], "version": version})
    assert response.status_code == 302 and load(application_id).state.value == "under_review"
