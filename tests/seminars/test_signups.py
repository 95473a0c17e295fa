"""Sign-ups through the operations: confirmed while seats are free, then the waiting list in
arrival order; a cancellation promotes the first that fits; the secretariat's edits and
cancellation; the audiences; the mails, in each recipient's language, with the .ics."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.seminars import operations
from portal.seminars.models import Seminar, SeminarSignup

from seminar_helpers import jst_at, translated

ONLINE = "https://meet.example.jp/kumamoto-sdgs-seminar"


def _calendar(mail) -> Calendar:
    (attachment,) = [a for a in mail.attachments if a.filename.endswith(".ics")]
    assert attachment.content_type == "text/calendar"
    return Calendar.from_ical(attachment.data)


def _event(mail):
    (event,) = _calendar(mail).events
    return event


def test_seats_are_confirmed_until_full_then_the_waiting_list_in_order(app, registrants, make_seminar, sign_up, load,
                                                                       mails):
    a, b, c, d = registrants(4)
    seminar_id = make_seminar(capacity=5, seats_per_organisation=3, online_url=ONLINE)
    first = sign_up(seminar_id, a["user"], names=("熊本 一郎", "熊本 二郎", "熊本 三郎"))
    second = sign_up(seminar_id, b["user"], names=("阿蘇 花子", "阿蘇 太郎"))
    third = sign_up(seminar_id, c["user"], names=("天草 一",))
    fourth = sign_up(seminar_id, d["user"], names=("八代 一", "八代 二"))

    assert [load(SeminarSignup, i).state for i in (first, second, third, fourth)] == [
        "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert load(Seminar, seminar_id).seats_confirmed == 5
    assert [a.name for a in load(SeminarSignup, first).attendees] == ["熊本 一郎", "熊本 二郎", "熊本 三郎"]

    confirmed = mails(a["email"])[-1]
    event = _event(confirmed)
    assert str(event["summary"]) == "SDGs経営実践セミナー"
    assert event.decoded("dtstart") == jst_at(10, 14)
    assert event.decoded("dtend") == jst_at(10, 16)
    assert ONLINE in confirmed.body and ONLINE in str(event["description"])
    waiting = mails(d["email"])[-1]
    assert not waiting.attachments
    assert ONLINE not in waiting.body  # the link is for confirmed attendees only
    assert "2" in waiting.body  # number 2 on the waiting list


def test_a_cancellation_promotes_the_first_waiting_sign_up_that_fits(app, registrants, make_seminar, sign_up, load,
                                                                      mails):
    a, b, c, d = registrants(4)
    seminar_id = make_seminar(capacity=3, seats_per_organisation=3)
    held = sign_up(seminar_id, a["user"], names=("A1", "A2"))
    sign_up(seminar_id, b["user"], names=("B1",))
    big = sign_up(seminar_id, c["user"], names=("C1", "C2", "C3"))  # first in line, needs three
    small = sign_up(seminar_id, d["user"], names=("D1", "D2"))  # second in line, needs two
    with app.test_request_context():
        promoted = operations.cancel_signup(db.session.get(SeminarSignup, held), db.session.get(User, a["user"]))
        db.session.commit()
        assert [s.id for s in promoted] == [small]
    # Two seats free: the three-seat sign-up does not fit and keeps its place; the next one fits.
    assert load(SeminarSignup, held).state == "cancelled"
    assert load(SeminarSignup, small).state == "confirmed" and load(SeminarSignup, small).promoted
    assert load(SeminarSignup, big).state == "waitlisted"
    assert load(Seminar, seminar_id).seats_confirmed == 3
    promoted_mail = mails(d["email"])[-1]
    assert _event(promoted_mail)["uid"] == f"seminar-{seminar_id}@portal.test"
    assert mails(a["email"])[-1].subject.endswith(translated(app, "ja", "Seminar sign-up cancelled: %(title)s",
                                                                title="SDGs経営実践セミナー"))

    # Cancelling from the waiting list frees no seat and promotes nobody.
    with app.test_request_context():
        assert operations.cancel_signup(db.session.get(SeminarSignup, big), db.session.get(User, c["user"])) == []
        db.session.commit()
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "seminar_signups")).all()
    assert entries.count("seminar_signup.promoted") == 1 and entries.count("seminar_signup.cancelled") == 2


def test_a_cancelled_sign_up_cannot_be_cancelled_again_nor_after_the_start(app, registrants, make_seminar, sign_up):
    a, b = registrants(2)
    seminar_id = make_seminar()
    first = sign_up(seminar_id, a["user"])
    second = sign_up(seminar_id, b["user"])
    with app.test_request_context():
        operations.cancel_signup(db.session.get(SeminarSignup, first), db.session.get(User, a["user"]))
        db.session.commit()
        with pytest.raises(operations.SeminarError) as error:
            operations.cancel_signup(db.session.get(SeminarSignup, first), db.session.get(User, a["user"]))
        assert error.value.code == "signup_cancelled"
        db.session.rollback()
        with pytest.raises(operations.SeminarError) as error:
            operations.cancel_signup(db.session.get(SeminarSignup, second), db.session.get(User, b["user"]),
                                     now=jst_at(10, 14, 5))
        assert error.value.code == "started"


def test_the_organisation_may_sign_up_again_after_cancelling(app, registrants, make_seminar, sign_up, load):
    (a,) = registrants(1)
    seminar_id = make_seminar()
    first = sign_up(seminar_id, a["user"])
    with app.test_request_context():
        operations.cancel_signup(db.session.get(SeminarSignup, first), db.session.get(User, a["user"]))
        db.session.commit()
    again = sign_up(seminar_id, a["user"], names=("別の人",))
    assert load(SeminarSignup, again).state == "confirmed"


def _update(app, seminar_id, actor_id, **changes):
    with app.test_request_context():
        seminar = db.session.get(Seminar, seminar_id)
        data = {field: getattr(seminar, field) for field in operations.FIELDS}
        data.update(changes)
        result = operations.update_seminar(seminar, data, db.session.get(User, actor_id))
        db.session.commit()
        return result


def test_a_larger_capacity_promotes_and_a_smaller_one_is_refused_below_the_confirmed_seats(
        app, registrants, make_seminar, sign_up, load, secretariat, mails):
    a, b, c = registrants(3)
    seminar_id = make_seminar(capacity=2, seats_per_organisation=2)
    sign_up(seminar_id, a["user"], names=("A1", "A2"))
    waiting_b = sign_up(seminar_id, b["user"], names=("B1",))
    waiting_c = sign_up(seminar_id, c["user"], names=("C1", "C2"))
    changes = _update(app, seminar_id, secretariat, capacity=3)
    assert changes == {"capacity": [2, 3]}
    assert load(SeminarSignup, waiting_b).state == "confirmed"
    assert load(SeminarSignup, waiting_c).state == "waitlisted"
    assert mails(b["email"])[-1].subject.endswith(translated(app, "ja", "A seat is free for you: %(title)s",
                                                                title="SDGs経営実践セミナー"))
    with pytest.raises(operations.SeminarError) as error:
        _update(app, seminar_id, secretariat, capacity=2)
    assert error.value.code == "capacity_below_confirmed"
    assert load(Seminar, seminar_id).capacity == 3


def test_a_new_time_tells_everyone_signed_up_and_updates_their_calendar(app, registrants, make_seminar, sign_up,
                                                                         secretariat, mails, load):
    a, b = registrants(2)
    seminar_id = make_seminar(capacity=1, seats_per_organisation=1)
    confirmed = sign_up(seminar_id, a["user"])
    sign_up(seminar_id, b["user"])
    with app.app_context():
        db.session.get(SeminarSignup, confirmed).reminded_at = jst_at(0)
        db.session.commit()
    before = len(mails())
    _update(app, seminar_id, secretariat, starts_at=jst_at(11, 13), ends_at=jst_at(11, 15))
    told = mails()[before:]
    assert sorted(m.recipient for m in told) == sorted([a["email"], b["email"]])
    event = _event(next(m for m in told if m.recipient == a["email"]))
    assert event.decoded("dtstart") == jst_at(11, 13) and event["sequence"] == 1
    assert not next(m for m in told if m.recipient == b["email"]).attachments
    assert load(SeminarSignup, confirmed).reminded_at is None  # reminded again the day before the new date

    # A new title tells nobody.
    before = len(mails())
    _update(app, seminar_id, secretariat, title_en="SDGs in practice (2nd)")
    assert len(mails()) == before


def test_cancelling_the_seminar_mails_everyone_signed_up_and_stops_sign_ups(
        app, registrants, make_seminar, sign_up, secretariat, mails, load):
    a, b, c = registrants(3)
    seminar_id = make_seminar(capacity=1, seats_per_organisation=1)
    sign_up(seminar_id, a["user"])
    sign_up(seminar_id, b["user"])
    with app.test_request_context():
        told = operations.cancel_seminar(db.session.get(Seminar, seminar_id), db.session.get(User, secretariat),
                                         "講師の急病のため、中止いたします。")
        db.session.commit()
    assert told == 2
    for person in (a, b):
        mail = mails(person["email"])[-1]
        assert "講師の急病のため" in mail.body
    cancelled = _calendar(mails(a["email"])[-1])
    assert str(cancelled["method"]) == "CANCEL" and str(cancelled.events[0]["status"]) == "CANCELLED"
    assert not mails(b["email"])[-1].attachments  # waiting: nothing in their calendar to remove
    with pytest.raises(operations.SeminarError) as error:
        sign_up(seminar_id, c["user"])
    assert error.value.code == "cancelled"
    with app.test_request_context():
        with pytest.raises(operations.SeminarError) as error:
            operations.cancel_seminar(db.session.get(Seminar, seminar_id), db.session.get(User, secretariat), "x")
        assert error.value.code == "cancelled"


def test_the_audiences(app, registrants, make_seminar, sign_up, make_user, make_organisation):
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from support import minimal_content

    (registrant,) = registrants(1)
    applicant, bystander = registrants(2, registered=False, prefix="n")
    drafter, = registrants(1, registered=False, prefix="d")
    # The applicant submitted an application; the drafter only has a draft.
    with app.test_request_context():
        cohort = cohorts.plan_cohort(20, jst_at(-5), jst_at(20))
        cohorts.move_cohort(cohort, CohortState.OPEN)
        for person, submit in ((applicant, True), (drafter, False)):
            owner = db.session.get(User, person["user"])
            application = applications.start_application(owner.organisation, cohort, owner)
            if submit:
                for key, value in minimal_content().items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner)
        db.session.commit()

    only_registrants = make_seminar(audience="registrants")
    with_applicants = make_seminar(audience="registrants_applicants")
    everyone = make_seminar(audience="everyone")
    admitted = {}
    for seminar_id in (only_registrants, with_applicants, everyone):
        for person in (registrant, applicant, drafter, bystander):
            try:
                sign_up(seminar_id, person["user"])
            except operations.SeminarError as error:
                assert error.code == "not_eligible"
            else:
                admitted.setdefault(seminar_id, set()).add(person["email"])
    assert admitted[only_registrants] == {registrant["email"]}
    assert admitted[with_applicants] == {registrant["email"], applicant["email"]}
    assert admitted[everyone] == {p["email"] for p in (registrant, applicant, drafter, bystander)}


def test_mails_are_in_each_recipients_language(app, registrants, make_seminar, sign_up, mails):
    (english,) = registrants(1, locale="en")
    seminar_id = make_seminar()
    sign_up(seminar_id, english["user"])
    mail = mails(english["email"])[-1]
    assert mail.locale == "en"
    assert "SDGs in practice for small businesses" in mail.subject
    assert str(_event(mail)["summary"]) == "SDGs in practice for small businesses"
    assert "Dear" in mail.body


def test_an_account_without_an_organisation_cannot_sign_up(app, make_user, make_seminar, sign_up):
    newcomer = make_user(email="new@example.jp")
    seminar_id = make_seminar(audience="everyone")
    with pytest.raises(operations.SeminarError) as error:
        sign_up(seminar_id, newcomer)
    assert error.value.code == "no_organisation"


def test_a_deactivated_contact_is_replaced_by_the_members(app, registrants, make_seminar, sign_up, mails, make_user):
    from portal.organisations.models import Membership

    (a,) = registrants(1)
    colleague = make_user(email="colleague@example.jp")
    with app.app_context():
        db.session.add(Membership(organisation_id=a["organisation"], user_id=colleague, is_owner=False))
        db.session.commit()
    seminar_id = make_seminar()
    signup = sign_up(seminar_id, a["user"])
    with app.test_request_context():
        owner = db.session.get(User, a["user"])
        owner.active = False
        db.session.commit()
        operations.cancel_signup(db.session.get(SeminarSignup, signup), db.session.get(User, colleague),
                                 now=jst_at(0) + timedelta(minutes=1))
        db.session.commit()
    assert mails("colleague@example.jp")[-1].subject.endswith(translated(
        app, "ja", "Seminar sign-up cancelled: %(title)s", title="SDGs経営実践セミナー"))
