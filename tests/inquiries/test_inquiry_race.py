"""Two staff members answering one inquiry at the same moment, from pages showing the same
version: one answer is stored and mailed, the other is refused (InquiryChanged) with nothing of
it stored. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (READ COMMITTED)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.outbox import OutboxMail
from portal.inquiries import operations
from portal.inquiries.models import Inquiry, InquiryCategory, InquiryMessage, InquiryState


def _run_together(app, *actions) -> list[str]:
    barrier = threading.Barrier(len(actions))
    results = [""] * len(actions)

    def run(index, action):
        with app.test_request_context():
            try:
                barrier.wait()
                action()
                db.session.commit()
                results[index] = "ok"
            except operations.InquiryChanged:
                db.session.rollback()
                results[index] = "changed"
            except Exception as error:  # a deadlock or a lock timeout would be a server error
                db.session.rollback()
                results[index] = f"error: {error!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_answers_at_once_store_and_mail_one(app, make_user):
    asker, first, second = make_user(email="asker@example.jp"), make_user("reviewer"), make_user("secretariat")
    with app.test_request_context():
        inquiry = operations.ask(operations.Question(InquiryCategory.OTHER, "件名", "質問"), "ja",
                                 user=db.session.get(User, asker))
        db.session.commit()
        inquiry_id, version = inquiry.id, inquiry.version

    def answering(staff_id, text):
        def act():
            operations.answer(db.session.get(Inquiry, inquiry_id), text, db.session.get(User, staff_id), version)
        return act

    results = _run_together(app, answering(first, "回答A"), answering(second, "回答B"))
    assert sorted(results) == ["changed", "ok"], results
    with app.app_context():
        answers = db.session.scalars(select(InquiryMessage.body).where(InquiryMessage.from_staff)).all()
        assert len(answers) == 1
        assert db.session.get(Inquiry, inquiry_id).state == InquiryState.ANSWERED
        mailed = db.session.scalar(select(func.count()).select_from(OutboxMail)
                                   .where(OutboxMail.body.contains(answers[0])))
        assert mailed == 1
