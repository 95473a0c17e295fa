"""The mail server is down while the secretariat decides a cohort: the decision stands, no
mail is lost, and `flask outbox send` delivers each one exactly once when the server is back."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.outbox import MailState, OutboxMail
from portal.registrations.models import Registration
from support import csrf_token, login


def _decide_over_http(client, secretary, cohort_id):
    login(client, secretary)
    page = f"/staff/cohorts/{cohort_id}"
    token = csrf_token(client, page)
    return client.post(f"{page}/decide", data={"decided_on": "2026-12-20", "confirm": "y", "csrf_token": token})


def _outbox(app) -> Counter:
    with app.app_context():
        return Counter(dict(db.session.execute(
            select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all()))


def _mail_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(OutboxMail.id)))


def test_smtp_down_during_the_decision_loses_nothing_and_each_mail_is_sent_once_later(
        app, client, make_user, build_cohort, smtp, runner):
    # The mail server is not started: every connection is refused (the applicants' submission
    # receipts are already waiting too).
    cohort_id, _ = build_cohort(approve=6, reject=2)
    before = _mail_ids(app)
    response = _decide_over_http(client, make_user("secretariat"), cohort_id)
    assert response.status_code == 302

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 6
        decision = db.session.scalars(select(OutboxMail).where(OutboxMail.id.not_in(before))).all()
        assert len(decision) == 8  # one per applicant, registered or not
        tried = [mail for mail in decision if mail.attempts]
        # One attempt found the server down; the rest were not each made to wait for it.
        assert len(tried) == 1 and "ConnectionRefusedError" in tried[0].last_error
        assert {mail.state for mail in decision} == {MailState.PENDING}
        everything = Counter((mail.recipient, mail.subject) for mail in db.session.scalars(select(OutboxMail)))
    assert smtp.messages == []

    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    # The mails tried while the server was down wait for their retry time…
    waiting = sum(everything.values()) - 2
    assert f"sent {waiting}, failed 0" in result.output
    result = runner.invoke(args=["outbox", "send", "--now"])  # …unless the operator says now
    assert "sent 2, failed 0" in result.output
    result = runner.invoke(args=["outbox", "send", "--now"])
    assert "sent 0, failed 0" in result.output

    received = Counter((str(message["To"]), str(message["Subject"])) for message in smtp.messages)
    assert received == everything  # every mail, each exactly once
    assert _outbox(app) == Counter({MailState.SENT: sum(everything.values())})


def test_with_the_server_up_the_request_hands_over_a_few_and_the_scheduled_send_the_rest(
        app, client, make_user, build_cohort, smtp, runner, monkeypatch):
    smtp.start()
    cohort_id, _ = build_cohort(approve=5, reject=2)
    receipts = len(smtp.messages)
    monkeypatch.setitem(app.config, "OUTBOX_SEND_IN_REQUEST", 3)
    assert _decide_over_http(client, make_user("secretariat"), cohort_id).status_code == 302
    assert len(smtp.messages) == receipts + 3
    assert _outbox(app)[MailState.PENDING] == 4

    result = runner.invoke(args=["outbox", "send"])
    assert "sent 4, failed 0" in result.output
    decision = smtp.messages[receipts:]
    assert len({str(message["To"]) for message in decision}) == len(decision) == 7
