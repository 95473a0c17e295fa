"""Helpers for tests: read like a user's story (sign in, post a form with its token, follow a
mailed link). Imported by test modules as `from support import …`."""
from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import threading
from contextlib import contextmanager

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct-horse-battery"


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip a test whose dependency is missing here, but fail it in CI, where it must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


ORGANISATION = {
    "kind": "corporation", "corporate_number": "8330001000000", "name": "株式会社テスト熊本",
    "name_kana": "カブシキガイシャテストクマモト", "representative_title": "代表取締役",
    "representative_name": "熊本 花子", "postal_code": "8600806", "address": "熊本県熊本市中央区花畑町1-1",
    "industry": "E", "employees": 10, "capital": 10_000_000, "website": "https://example.jp",
    "contact_name": "担当 次郎", "contact_department": "総務課", "contact_phone": "096-000-0000",
    "contact_email": "contact@example.jp",
}


def session_id(app, user_id: int) -> str:
    """What Flask-Login keeps in the session for the user: the id and the account's current
    session token (sign-out and password changes replace the token)."""
    from portal.accounts.models import User
    from portal.core.extensions import db

    with app.app_context():
        return db.session.get(User, user_id).get_id()


def login(client, user_id: int) -> None:
    """Sign `client` in as the user, the way Flask-Login's session does."""
    value = session_id(client.application, user_id)
    with client.session_transaction() as session:
        session["_user_id"] = value
        session["_fresh"] = True


def warm_user(client) -> None:
    """A request first, so that the worker holds its copy of the signed-in user
    (portal.accounts.sessions) and the next request's statements are compared like with like: a
    write to `users` since (a user created for the test) means one more statement, once."""
    assert client.get("/account").status_code == 200


def login_with_form(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the first form on the page at `path`."""
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def link_in(body: str) -> str:
    """The first portal link in a mail body, as a path."""
    match = re.search(r"http://portal\.test(/\S+)", body)
    assert match, body
    return match.group(1)


def minimal_content(goal: int = 13) -> dict:
    """The smallest draft content that may be submitted: one key action per area (each tied to
    `goal`), every basic item met, five challenge items, every declaration confirmed."""
    from portal.applications.checklist import load_checklist
    from portal.applications.content import DECLARATIONS

    checklist = load_checklist("1")
    return {
        "vision": "v", "declarations": {key: True for key in DECLARATIONS},
        "actions": [{"area": area, "description": "d", "goals": [goal], "targets": [], "indicator": "i",
                     "current_value": "1", "target_value": "2", "unit": ""}
                    for area in ("economy", "society", "environment")],
        "checklist": {"version": "1", "basic": [i.id for i in checklist.basic],
                      "challenge": [i.id for i in checklist.challenge[:5]]},
    }


@contextmanager
def counted(app):
    """The SQL statements the app's engine sends while the block runs, as a list that fills as
    they go: query counts are compared, never timed."""
    from sqlalchemy import event

    from portal.core.extensions import db

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- a real SMTP server -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Sink:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message)
        return "250 OK"


class SmtpServer:
    """A real SMTP server on 127.0.0.1:port, started and stopped by the test."""

    def __init__(self, port: int):
        self.port = port
        self.sink = _Sink()
        self._controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self):
        return self.sink.messages
