"""Many organisations signing up at the same moment, through real HTTP requests: the portal is
served by a threaded werkzeug server and each organisation posts from its own thread, all
released at once. Never more confirmed seats than the capacity, the rest on the waiting list
in the order the server took them, every request answered; cancellations at the same moment
promote the first in line.

On PostgreSQL (TEST_DATABASE_URL) the seminar's row lock does the work; on SQLite the same
code runs with writers serialised by the database."""
from __future__ import annotations

import http.client
import os
import re
import threading
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from support import require_or_skip, session_id
from portal.core.extensions import db
from portal.core.outbox import OutboxMail
from portal.seminars.models import Seminar, SeminarSignup
from portal.seminars.queries import waitlist_position

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@contextmanager
def served(app):
    """The app on a free port of 127.0.0.1, one thread per request."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Visitor:
    """One person's browser, reduced to what the test needs: a session cookie, GET and POST."""

    def __init__(self, app, base: str, user_id: int):
        self.address = urlsplit(base)
        # The signed session cookie a sign-in would have set (the login form is rate-limited
        # per address, and all these people come from 127.0.0.1).
        self.cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": session_id(app, user_id),
                                                                               "_fresh": True})

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=120)
        headers = {"Cookie": f"session={self.cookie}", "Accept-Language": "ja"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                if cookie.startswith("session="):
                    self.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def form_token(self, path: str) -> str:
        status, _location, page = self.request("GET", path)
        assert status == 200, page[:500]
        return _TOKEN.search(page).group(1)


def _together(calls):
    """Run the calls in threads released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported by the test, not lost in a thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def _signups(app, seminar_id):
    with app.app_context():
        signups = db.session.scalars(select(SeminarSignup).where(SeminarSignup.seminar_id == seminar_id)
                                     .order_by(SeminarSignup.id)).all()
        positions = {s.id: waitlist_position(s) for s in signups}
        seminar = db.session.get(Seminar, seminar_id)
        db.session.expunge_all()
        return signups, positions, seminar


def _rush(app, registrants, make_seminar, people: int, seats: int, cancelling: int):
    organisations = registrants(people + cancelling)
    first, late = organisations[:people], organisations[people:]
    seminar_id = make_seminar(capacity=seats, seats_per_organisation=1)
    signup_path = f"/seminars/{seminar_id}/signup"
    with served(app) as base:
        visitors = [Visitor(app, base, person["user"]) for person in organisations]
        tokens = [visitor.form_token(signup_path) for visitor in visitors]

        def post(visitor, token, name):
            return visitor.request("POST", signup_path, {"csrf_token": token, "seats": "1", "names-0": name})

        answers = _together([lambda v=v, t=t, n=n: post(v, t, f"出席者 {n}")
                             for n, (v, t) in enumerate(zip(visitors[:people], tokens[:people]))])
        # Every request answered: the page of the seminar, with the flash of its outcome.
        assert [a if isinstance(a, Exception) else (a[0], a[1]) for a in answers] == \
            [(302, f"/seminars/{seminar_id}")] * people

        signups, positions, seminar = _signups(app, seminar_id)
        assert len(signups) == people
        confirmed = [s for s in signups if s.state == "confirmed"]
        waiting = [s for s in signups if s.state == "waitlisted"]
        assert len(confirmed) == seats and seminar.seats_confirmed == seats
        # First come, first served: the ten confirmed came before everyone waiting, and the
        # waiting list runs 1, 2, 3 … in the order the server took the sign-ups.
        assert max(s.id for s in confirmed) < min(s.id for s in waiting)
        assert [positions[s.id] for s in waiting] == list(range(1, people - seats + 1))
        assert [s.id for s in sorted(signups, key=lambda s: (s.created_at, s.id))] == [s.id for s in signups]

        # Now some confirmed ones cancel while latecomers sign up, all at once.
        leaving = confirmed[:cancelling]
        owner_of = {person["organisation"]: visitor for person, visitor in zip(organisations, visitors)}
        cancel_tokens = [owner_of[s.organisation_id].form_token(f"/seminars/signups/{s.id}/cancel") for s in leaving]
        calls = [lambda s=s, t=t: owner_of[s.organisation_id].request(
                     "POST", f"/seminars/signups/{s.id}/cancel", {"csrf_token": t})
                 for s, t in zip(leaving, cancel_tokens)]
        calls += [lambda v=v, t=t, n=n: post(v, t, f"遅れて来た人 {n}")
                  for n, (v, t) in enumerate(zip(visitors[people:], tokens[people:]))]
        answers = _together(calls)
        assert all(not isinstance(a, Exception) and a[0] == 302 for a in answers), answers

    signups, positions, seminar = _signups(app, seminar_id)
    state = {s.id: s.state for s in signups}
    now = {s.id: s for s in signups}
    assert seminar.seats_confirmed == seats == sum(1 for s in signups if s.state == "confirmed")
    assert all(state[s.id] == "cancelled" for s in leaving)
    # The first in line got the freed seats; the latecomers queue behind everyone.
    assert all(state[s.id] == "confirmed" for s in waiting[:cancelling])
    assert all(state[s.id] == "waitlisted" for s in waiting[cancelling:])
    latecomers = [s for s in signups if s.organisation_id in {p["organisation"] for p in late}]
    assert len(latecomers) == len(late) and all(s.state == "waitlisted" for s in latecomers)
    still_waiting = [s for s in signups if s.state == "waitlisted"]
    assert [positions[s.id] for s in still_waiting] == list(range(1, len(still_waiting) + 1))
    assert all(now[s.id].promoted for s in waiting[:cancelling])

    with app.app_context():  # one mail per sign-up, one per cancellation, one per promotion
        mails = db.session.scalars(select(OutboxMail)).all()
    assert len(mails) == people + 2 * cancelling + len(late)
    promoted_to = {p["email"] for p in organisations if p["organisation"] in
                   {s.organisation_id for s in waiting[:cancelling]}}
    assert promoted_to <= {m.recipient for m in mails if m.attachments}


@pytest.mark.postgres
def test_fifty_sign_ups_at_once_for_ten_seats_on_postgresql(app, registrants, make_seminar):
    require_or_skip(bool(os.environ.get("TEST_DATABASE_URL")), "TEST_DATABASE_URL is not set (no PostgreSQL)")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
    _rush(app, registrants, make_seminar, people=50, seats=10, cancelling=5)


def test_twenty_sign_ups_at_once_for_five_seats(app, registrants, make_seminar):
    """The same on the database the suite runs on (SQLite by default)."""
    _rush(app, registrants, make_seminar, people=20, seats=5, cancelling=3)
