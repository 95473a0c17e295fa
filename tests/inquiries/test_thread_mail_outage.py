"""A visitor's question answered while the mail server is down: the visitor asks, confirms the
address by the mailed link, the secretariat answers while the server is down — the answer is
stored and its mail waits in the outbox —, the server comes back and `flask outbox send` delivers
it with the link to the thread; the visitor reads the answer there and replies, and the
secretariat sees the inquiry waiting again."""
from __future__ import annotations

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.outbox import MailState, OutboxMail
from portal.inquiries.models import InquiryState
from portal.inquiries.queries import waiting_for_staff
from support import csrf_token, link_in, login


def _outbox(app, to):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == to).order_by(OutboxMail.id)).all()
        db.session.expunge_all()
        return rows


def _waiting_count(app, user_id):
    from portal.accounts.models import User

    with app.test_request_context():
        return waiting_for_staff(db.session.get(User, user_id))


def test_the_thread_round_trip_survives_a_mail_outage(app, make_user, ask, staff_answer, stored, smtp, runner):
    reviewer = make_user("reviewer", email="reviewer@example.jp", name="審査 一郎")
    visitor = app.test_client()

    # The server is down from the start: the confirmation mail waits in the outbox.
    response = ask(visitor)
    assert response.status_code == 200 and "hanako@example.net" in response.get_data(as_text=True)
    (inquiry,), (question,) = stored()
    assert inquiry.state == InquiryState.UNCONFIRMED and question.body == "重点的な取組は何件書けばよいですか。"
    (confirmation,) = _outbox(app, "hanako@example.net")
    assert confirmation.state == MailState.PENDING and "ConnectionRefusedError" in confirmation.last_error

    # Unconfirmed, the question is nowhere on the staff pages.
    office = app.test_client()
    login(office, reviewer)
    assert inquiry.reference not in office.get("/staff/inquiries/?state=all").get_data(as_text=True)
    assert office.get(f"/staff/inquiries/{inquiry.id}").status_code == 404
    assert _waiting_count(app, reviewer) == 0

    smtp.start()
    assert "sent 1, failed 0" in runner.invoke(args=["outbox", "send", "--now"]).output
    (mailed,) = smtp.messages
    link = link_in(mailed.get_body(("plain",)).get_content())
    assert link.startswith("/inquiries/t/")
    page = visitor.get(link)
    assert page.status_code == 200
    (inquiry,), _messages = stored()
    assert inquiry.state == InquiryState.OPEN
    assert _waiting_count(app, reviewer) == 1
    listed = office.get("/staff/inquiries/").get_data(as_text=True)
    assert inquiry.reference in listed and "申請書の書き方について" in listed

    # The server goes down; the reviewer answers: the answer is stored, its mail waits.
    smtp.stop()
    answer = "重点的な取組は、経済・社会・環境の各分野で1件以上お書きください。"
    response = staff_answer(office, inquiry.id, answer)
    assert response.status_code == 302
    (inquiry,), messages = stored()
    assert inquiry.state == InquiryState.ANSWERED and messages[-1].body == answer and messages[-1].from_staff
    assert inquiry.assignee_id == reviewer
    waiting = _outbox(app, "hanako@example.net")[-1]
    assert waiting.state == MailState.PENDING and waiting.attempts == 1 and answer in waiting.body
    assert _waiting_count(app, reviewer) == 0

    # The server is back: the scheduled send delivers the answer, with the office's signature
    # and a link to the thread.
    smtp.start()
    assert "sent 1, failed 0" in runner.invoke(args=["outbox", "send", "--now"]).output
    delivered = smtp.messages[-1]
    body = delivered.get_body(("plain",)).get_content()
    assert str(delivered["To"]) == "hanako@example.net"
    assert "Q-%06d" % inquiry.id in str(delivered["Subject"]) and answer in body
    assert delivered["Reply-To"] is not None
    thread_link = link_in(body)
    assert thread_link.startswith("/inquiries/t/") and thread_link != link

    # The visitor reads the answer by the new link and replies.
    thread = visitor.get(thread_link).get_data(as_text=True)
    assert answer in thread
    token = csrf_token(visitor, thread_link)
    response = visitor.post(thread_link, data={"csrf_token": token, "body": "ありがとうございます。追加で質問です。"})
    assert response.status_code == 302
    (inquiry,), messages = stored()
    assert inquiry.state == InquiryState.OPEN and messages[-1].body == "ありがとうございます。追加で質問です。"
    assert messages[-1].author_id is None and not messages[-1].from_staff

    # The secretariat sees it waiting again, at the top of the list.
    assert _waiting_count(app, reviewer) == 1
    listed = office.get("/staff/inquiries/").get_data(as_text=True)
    assert f'href="/staff/inquiries/{inquiry.id}"' in listed
    assert "追加で質問です" in office.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
