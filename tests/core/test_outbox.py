"""The mail outbox: queued with the change, sent after commit, retried, never lost, never twice."""
from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.accounts import operations
from portal.core import outbox
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.outbox import MAX_ATTEMPTS, MailState, OutboxMail


@pytest.fixture
def mail_folder(app, monkeypatch, tmp_path):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    return folder


def _all_mails(app) -> list[OutboxMail]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        db.session.expunge_all()
        return rows


def _make_due(app) -> None:
    """Pretend the retry delay has passed."""
    with app.app_context():
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def _queue_reset(app, email_address: str, commit: bool = True, rollback: bool = False) -> None:
    """A real operation that queues a mail, inside a request, then commit or not."""
    with app.test_request_context():
        operations.request_password_reset(email_address)
        if rollback:
            db.session.rollback()
        if commit:
            db.session.commit()
    # leaving the context is the end of the request: mails are sent now


def _eml_files(folder):
    return sorted(folder.glob("*.eml")) if folder.exists() else []


# --- commit and rollback -------------------------------------------------------------------


def test_a_mail_of_a_rolled_back_transaction_is_never_sent(app, make_user, smtp):
    smtp.start()
    make_user(email="hanako@example.jp")
    _queue_reset(app, "hanako@example.jp", commit=False, rollback=True)
    assert _all_mails(app) == []
    with app.app_context():
        assert outbox.send_pending() == (0, 0)
    assert smtp.messages == []


def test_a_mail_of_a_request_that_never_committed_is_never_sent(app, make_user, smtp):
    """The request ends with its change (and its mail) still uncommitted: both are dropped."""
    smtp.start()
    make_user(email="hanako@example.jp")
    _queue_reset(app, "hanako@example.jp", commit=False)
    assert _all_mails(app) == []
    with app.app_context():
        assert outbox.send_pending() == (0, 0)
    assert smtp.messages == []


def test_a_mail_queued_in_a_request_is_written_after_commit_in_the_recipients_language(
        app, make_user, mail_folder):
    make_user(email="hanako@example.jp", name="熊本 花子", locale="ja")
    make_user(email="jane@example.jp", name="Jane Doe", locale="en")

    with app.test_request_context():
        operations.request_password_reset("hanako@example.jp")
        db.session.flush()
        assert _eml_files(mail_folder) == []  # not before the commit
        db.session.commit()
        assert _eml_files(mail_folder) == []  # nor before the request ends
    files = _eml_files(mail_folder)
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "hanako@example.jp"
    assert message["Subject"] == "【熊本県SDGs登録制度】パスワード再設定のご案内"
    assert "熊本県SDGs登録制度事務局" in str(message["From"])
    body = message.get_body().get_content()
    assert "熊本 花子 様" in body
    assert "http://portal.test/" in body

    _queue_reset(app, "jane@example.jp")
    files = _eml_files(mail_folder)
    assert len(files) == 2
    english = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    english = [m for m in english if m["To"] == "jane@example.jp"]
    assert len(english) == 1
    assert english[0]["Subject"] == "[Kumamoto Prefecture SDGs Registration System] Setting a new password"
    assert "Dear Jane Doe," in english[0].get_body().get_content()

    rows = _all_mails(app)
    assert [(r.recipient, r.state, r.attempts) for r in rows] == [
        ("hanako@example.jp", MailState.SENT, 1), ("jane@example.jp", MailState.SENT, 1)]
    assert all(r.sent_at is not None for r in rows)


# --- SMTP ----------------------------------------------------------------------------------


def test_mail_arrives_over_smtp(app, make_user, smtp):
    smtp.start()
    make_user(email="hanako@example.jp", name="熊本 花子")
    _queue_reset(app, "hanako@example.jp")

    assert len(smtp.messages) == 1
    envelope = smtp.sink.envelopes[0]
    assert envelope.rcpt_tos == ["hanako@example.jp"]
    assert envelope.mail_from == "no-reply@sdgs.example.jp"
    message = smtp.messages[0]
    assert message["Subject"] == "【熊本県SDGs登録制度】パスワード再設定のご案内"
    assert "熊本 花子 様" in message.get_body().get_content()
    [row] = _all_mails(app)
    assert row.state == MailState.SENT


def test_a_mail_waits_while_the_server_is_down_and_flask_outbox_send_delivers_it_once(
        app, make_user, smtp, runner):
    make_user(email="hanako@example.jp")
    before = utcnow()
    _queue_reset(app, "hanako@example.jp")  # the server is down

    [row] = _all_mails(app)
    assert row.state == MailState.PENDING
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > before + timedelta(seconds=60)
    assert row.sent_at is None

    smtp.start()
    # Not yet due: nothing is sent, nothing is tried.
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 0, failed 0" in result.output
    assert smtp.messages == []

    _make_due(app)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["Subject"] == "【熊本県SDGs登録制度】パスワード再設定のご案内"

    _make_due(app)  # even when everything looks due again, a sent mail is not sent again
    result = runner.invoke(args=["outbox", "send"])
    assert "sent 0, failed 0" in result.output
    assert len(smtp.messages) == 1
    [row] = _all_mails(app)
    assert (row.state, row.attempts) == (MailState.SENT, 2)


def test_flask_outbox_send_reports_a_failure(app, make_user, smtp, runner):
    make_user(email="hanako@example.jp")
    _queue_reset(app, "hanako@example.jp")
    _make_due(app)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code != 0
    assert "sent 0, failed 1" in result.output
    [row] = _all_mails(app)
    assert (row.state, row.attempts) == (MailState.PENDING, 2)


def test_a_mail_failing_max_attempts_times_becomes_failed(app, make_user, smtp):
    make_user(email="hanako@example.jp")
    _queue_reset(app, "hanako@example.jp")  # attempt 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        [row] = _all_mails(app)
        assert (row.state, row.attempts) == (MailState.PENDING, attempt - 1)
        _make_due(app)
        with app.app_context():
            assert outbox.send_pending() == (0, 1)
    [row] = _all_mails(app)
    assert (row.state, row.attempts) == (MailState.FAILED, MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in row.last_error

    smtp.start()
    _make_due(app)
    with app.app_context():
        assert outbox.send_pending() == (0, 0)  # given up: the secretariat has to look
    assert smtp.messages == []


def test_a_mail_just_rescheduled_is_not_retried_by_a_sender_that_listed_it_earlier(app, make_user, smtp):
    make_user(email="hanako@example.jp")
    _queue_reset(app, "hanako@example.jp")
    [row] = _all_mails(app)
    assert row.attempts == 1
    with app.app_context():
        # A parallel `flask outbox send` that selected the mail before the failure above.
        assert outbox.deliver([row.id], include_stale=True) == (0, 0)
    [row] = _all_mails(app)
    assert (row.state, row.attempts) == (MailState.PENDING, 1)


def test_a_claim_abandoned_by_a_crashed_sender_is_taken_over(app, smtp):
    smtp.start()
    with app.app_context():
        stale = OutboxMail(recipient="a@example.jp", subject="stale", body="x\n", locale="ja",
                           state=MailState.SENDING, claimed_at=utcnow() - timedelta(hours=1))
        fresh = OutboxMail(recipient="b@example.jp", subject="fresh", body="x\n", locale="ja",
                           state=MailState.SENDING, claimed_at=utcnow())
        db.session.add_all([stale, fresh])
        db.session.commit()
        assert outbox.send_pending() == (1, 0)
    assert [m["Subject"] for m in smtp.messages] == ["stale"]


# --- parallel senders ----------------------------------------------------------------------


def test_two_parallel_senders_deliver_each_mail_exactly_once(app, smtp, monkeypatch):
    smtp.start()
    with app.app_context():
        db.session.add_all(
            OutboxMail(recipient=f"user{n}@example.jp", subject=f"お知らせ {n}", body=f"本文 {n}\n", locale="ja")
            for n in range(30)
        )
        db.session.commit()

    # Both senders list the due mails before either claims one: they compete for all 30.
    listed = threading.Barrier(2, timeout=30)
    lists: list[list[int]] = []
    original = outbox.deliver

    def deliver_together(ids, include_stale=False):
        lists.append(list(ids))
        listed.wait()
        return original(ids, include_stale)

    monkeypatch.setattr(outbox, "deliver", deliver_together)
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                results.append(outbox.send_pending())
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [len(ids) for ids in lists] == [30, 30]

    received = Counter(str(m["Subject"]) for m in smtp.messages)
    assert received == Counter({f"お知らせ {n}": 1 for n in range(30)})
    assert len(results) == 2
    assert sum(sent for sent, _ in results) == 30
    assert sum(failed for _, failed in results) == 0
    with app.app_context():
        states = dict(db.session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all())
        attempts = set(db.session.scalars(select(OutboxMail.attempts)))
    assert states == {MailState.SENT: 30}
    assert attempts == {1}
