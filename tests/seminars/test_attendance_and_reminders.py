"""Attendance marked by the secretariat, the attendance history other features read
(`attendance_of`), and `flask seminars remind` the day before."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.seminars import operations
from portal.seminars.models import Seminar, SeminarAttendee, SeminarSignup
from portal.seminars.queries import attendance_of

from seminar_helpers import jst_at, translated
from support import counted


def _attendees(app, signup_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(SeminarAttendee.id).where(SeminarAttendee.signup_id == signup_id)
                                       .order_by(SeminarAttendee.position)))


def _mark(app, seminar_id, present, actor, now):
    with app.test_request_context():
        result = operations.mark_attendance(db.session.get(Seminar, seminar_id), set(present),
                                            db.session.get(User, actor), now=now)
        db.session.commit()
        return result


def test_attendance_is_marked_from_the_day_and_read_back_as_history(app, registrants, make_seminar, sign_up,
                                                                      secretariat):
    a, b, c = registrants(3)
    seminar_id = make_seminar(starts_in_days=3, capacity=4)
    first = sign_up(seminar_id, a["user"], names=("A1", "A2"))
    second = sign_up(seminar_id, b["user"], names=("B1", "B2"))
    sign_up(seminar_id, c["user"], names=("C1",))  # waiting: never in the history

    with pytest.raises(operations.SeminarError) as error:
        _mark(app, seminar_id, [], secretariat, now=jst_at(2, 23, 59))
    assert error.value.code == "too_early"

    a1, _a2 = _attendees(app, first)
    b1, b2 = _attendees(app, second)
    on_the_day = jst_at(3, 13, 30)  # at the door, before the start
    marked = _mark(app, seminar_id, [a1, b1, b2], secretariat, now=on_the_day)
    assert (marked.attended, marked.absent) == (3, 1)

    with app.app_context():
        after = jst_at(3, 17)
        history = attendance_of([a["organisation"], b["organisation"], c["organisation"], 999_999], now=after)
        before = attendance_of([a["organisation"]], now=jst_at(3, 13))
    assert set(history) == {a["organisation"], b["organisation"], c["organisation"], 999_999}
    (mine,) = history[a["organisation"]]
    assert (mine.seminar_id, mine.seats, mine.attended, mine.absent, mine.marked) == (seminar_id, 2, 1, 1, True)
    assert mine.title("en") == "SDGs in practice for small businesses" and mine.title("ja") == "SDGs経営実践セミナー"
    assert history[b["organisation"]][0].attended == 2
    assert history[c["organisation"]] == [] and history[999_999] == []
    assert before[a["organisation"]] == []  # not begun yet

    # Marking again corrects it.
    _mark(app, seminar_id, [a1, _a2], secretariat, now=on_the_day + timedelta(hours=1))
    with app.app_context():
        again = attendance_of([a["organisation"], b["organisation"]], now=jst_at(3, 17))
    assert again[a["organisation"]][0].attended == 2 and again[b["organisation"]][0].absent == 2


def test_the_history_leaves_out_cancelled_seminars_and_asks_one_query(app, registrants, make_seminar, sign_up,
                                                                       secretariat):
    organisations = registrants(5)
    kept = make_seminar(starts_in_days=2)
    dropped = make_seminar(starts_in_days=4)
    for person in organisations:
        sign_up(kept, person["user"], names=("X",))
        sign_up(dropped, person["user"], names=("Y",))
    with app.test_request_context():
        operations.cancel_seminar(db.session.get(Seminar, dropped), db.session.get(User, secretariat), "中止")
        db.session.commit()
    with counted(app) as statements, app.app_context():
        history = attendance_of([p["organisation"] for p in organisations], now=jst_at(10))
    assert len(statements) == 1
    assert all([h.seminar_id for h in items] == [kept] for items in history.values())
    assert not any(h.marked for items in history.values() for h in items)
    with app.app_context():
        assert attendance_of([]) == {}


def test_reminders_go_once_to_the_confirmed_sign_ups_of_tomorrows_seminars(app, registrants, make_seminar, sign_up,
                                                                            runner, mails, secretariat):
    a, b, c, d = registrants(4)
    tomorrow = make_seminar(starts_in_days=1, capacity=2, seats_per_organisation=1,
                            signup_closes_at=jst_at(1, 12), online_url="https://meet.example.jp/s1")
    later = make_seminar(starts_in_days=2, signup_closes_at=jst_at(2, 12))
    called_off = make_seminar(starts_in_days=1, signup_closes_at=jst_at(1, 12))
    first = sign_up(tomorrow, a["user"])
    sign_up(tomorrow, b["user"])
    sign_up(tomorrow, c["user"])  # waiting
    sign_up(later, d["user"])
    sign_up(called_off, d["user"])
    with app.test_request_context():
        operations.cancel_seminar(db.session.get(Seminar, called_off), db.session.get(User, secretariat), "中止")
        db.session.commit()

    before = len(mails())
    result = runner.invoke(args=["seminars", "remind"])
    assert result.exit_code == 0, result.output
    assert "2 mail(s)" in result.output
    reminded = mails()[before:]
    assert sorted(m.recipient for m in reminded) == sorted([a["email"], b["email"]])
    subject = translated(app, "ja", "Tomorrow: %(title)s", title="SDGs経営実践セミナー")
    assert all(m.subject.endswith(subject) for m in reminded)
    assert "https://meet.example.jp/s1" in reminded[0].body

    again = runner.invoke(args=["seminars", "remind"])
    assert "0 mail(s)" in again.output and len(mails()) == before + 2

    # A seat freed today goes to the waiting list; the next run reminds the promoted one only.
    with app.test_request_context():
        operations.cancel_signup(db.session.get(SeminarSignup, first), db.session.get(User, a["user"]))
        db.session.commit()
    before = len(mails())
    third = runner.invoke(args=["seminars", "remind"])
    assert "1 mail(s)" in third.output
    assert [m.recipient for m in mails()[before:] if m.subject.endswith(subject)] == [c["email"]]

    # --today acts as another day: the day before `later`.
    day = (jst_at(1)).date().isoformat()
    fourth = runner.invoke(args=["seminars", "remind", "--today", day])
    assert "1 mail(s)" in fourth.output and mails()[-1].recipient == d["email"]
