"""The secretariat's system page: the outbox (waiting, given up, their errors, retry now),
recent errors, migrations and version."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import __version__
from portal.core.audit import AuditEntry
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.observability import ErrorEvent
from portal.core.outbox import MAX_ATTEMPTS, MailState, OutboxMail
from support import counted, csrf_token, login


def _mail(state, n, attempts=0, error=None, **fields):
    return OutboxMail(recipient=f"user{n}@example.jp", subject=f"お知らせ {n}", body="本文\n", locale="ja",
                      state=state, attempts=attempts, last_error=error, **fields)


@pytest.fixture
def mails(app):
    """Two sent, one waiting for its first attempt, one waiting after a failure, one given up."""
    with app.app_context():
        rows = [
            _mail(MailState.SENT, 1, attempts=1, sent_at=utcnow()),
            _mail(MailState.SENT, 2, attempts=1, sent_at=utcnow()),
            _mail(MailState.PENDING, 3),
            _mail(MailState.PENDING, 4, attempts=2, error="ConnectionRefusedError: [Errno 111] Connection refused",
                  next_attempt_at=utcnow() + timedelta(minutes=4)),
            _mail(MailState.FAILED, 5, attempts=MAX_ATTEMPTS, error="SMTPRecipientsRefused: user5@example.jp"),
        ]
        db.session.add_all(rows)
        db.session.add(ErrorEvent(request_id="4f2a9c0d1e", method="POST", path="/applications/7/submit",
                                  user_id=None, error_type="builtins.RuntimeError", message="boom"))
        db.session.commit()
        return {row.subject: row.id for row in rows}


def _state(app, mail_id):
    with app.app_context():
        mail = db.session.get(OutboxMail, mail_id)
        return mail.state, mail.attempts, mail.next_attempt_at


def test_the_secretariat_sees_the_outbox_errors_migrations_and_version(client, make_user, mails):
    login(client, make_user("secretariat"))
    page = client.get("/staff/system/").get_data(as_text=True)
    assert '<dd id="count-pending">2</dd>' in page
    assert '<span class="badge badge-warn">1</span>' in page  # given up
    assert '<dd id="count-sent">2</dd>' in page
    # The problem mails, with their errors; not the sent ones nor the one never tried.
    assert f'id="mail-{mails["お知らせ 4"]}"' in page and "Connection refused" in page
    assert f'id="mail-{mails["お知らせ 5"]}"' in page and "SMTPRecipientsRefused" in page
    for quiet in ("お知らせ 1", "お知らせ 3"):
        assert f'id="mail-{mails[quiet]}"' not in page
    assert "4f2a9c0d1e" in page and "/applications/7/submit" in page and "builtins.RuntimeError" in page
    assert __version__ in page
    assert "最新の状態" in page  # migrations at head


def test_retry_now_sends_the_ticked_mails_after_the_request_and_is_audited(app, client, make_user, mails,
                                                                        monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    secretary = make_user("secretariat")
    login(client, secretary)
    token = csrf_token(client, "/staff/system/")
    waiting, given_up, sent = mails["お知らせ 4"], mails["お知らせ 5"], mails["お知らせ 1"]
    response = client.post("/staff/system/mail/retry", data={"csrf_token": token,
                                                             "mail": [str(waiting), str(given_up), str(sent), "x"]})
    assert response.status_code == 302
    assert "2 件のメールを今から再送します" in client.get("/staff/system/").get_data(as_text=True)

    assert _state(app, waiting)[:2] == (MailState.SENT, 3)
    assert _state(app, given_up)[:2] == (MailState.SENT, MAX_ATTEMPTS + 1)
    assert _state(app, sent)[:2] == (MailState.SENT, 1)  # a sent mail is never sent again
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retry")).all()
        assert sorted(entry.object_id for entry in audited) == [waiting, given_up]
        assert {entry.actor_id for entry in audited} == {secretary}


def test_retry_with_nothing_ticked_changes_nothing(app, client, make_user, mails):
    login(client, make_user("secretariat"))
    before = _state(app, mails["お知らせ 4"])
    token = csrf_token(client, "/staff/system/")
    client.post("/staff/system/mail/retry", data={"csrf_token": token})
    assert "再送するメールを選んでください" in client.get("/staff/system/").get_data(as_text=True)
    assert _state(app, mails["お知らせ 4"]) == before


def test_retry_without_a_token_is_refused(app, client, make_user, mails):
    login(client, make_user("secretariat"))
    before = _state(app, mails["お知らせ 5"])
    assert client.post("/staff/system/mail/retry", data={"mail": str(mails["お知らせ 5"])}).status_code == 400
    assert _state(app, mails["お知らせ 5"]) == before


def test_only_the_secretariat_has_the_page_and_its_link(client, make_user):
    login(client, make_user("reviewer"))
    assert client.get("/staff/system/").status_code == 403
    assert "/staff/system/" not in client.get("/staff/").get_data(as_text=True)
    login(client, make_user("secretariat", email="s@example.jp"))
    assert "/staff/system/" in client.get("/staff/").get_data(as_text=True)


def test_the_page_costs_the_same_queries_for_few_or_many_mails(app, client, make_user):
    login(client, make_user("secretariat"))

    def cost(extra):
        with app.app_context():
            db.session.add_all(_mail(MailState.FAILED, n, attempts=MAX_ATTEMPTS, error="boom") for n in range(extra))
            db.session.commit()
        client.get("/staff/system/")  # warm: the user's session, the migration scripts
        with counted(app) as statements:
            assert client.get("/staff/system/").status_code == 200
        return len(statements)

    assert cost(2) == cost(60)
