"""The seminar pages as people use them: the secretariat schedules, reads the attendee list,
exports it, prints the attendance sheet, marks attendance and cancels; a registrant finds the
seminars open to them, signs up, adds it to the calendar and cancels. Every page has one <h1>
and a label for every field, in Japanese and in English."""
from __future__ import annotations

import io
import shutil
import subprocess

from icalendar import Calendar
from sqlalchemy import select

from pages import structure_problems
from support import csrf_token, require_or_skip
from portal.accounts.models import User
from portal.core.extensions import db
from portal.seminars import operations
from portal.seminars.models import Seminar, SeminarAttendee, SeminarSignup

from seminar_helpers import jst_at, translated

ONLINE = "https://meet.example.jp/seminar-room"


def _fine(response) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert not structure_problems(page), structure_problems(page)
    return page


def test_the_secretariat_schedules_a_seminar_and_finds_it_listed(app, client_of, secretariat, registrants):
    client = client_of(secretariat)
    staff_menu = _fine(client.get("/staff/"))
    assert 'href="/staff/seminars/"' in staff_menu
    _fine(client.get("/staff/seminars/"))
    path = "/staff/seminars/new"
    _fine(client.get(path))
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "title_ja": "脱炭素経営セミナー", "title_en": "Decarbonising your business",
        "description_ja": "省エネと再エネの進め方。", "description_en": "", "starts_at": "２０３０／０１／１５　１４：００",
        "ends_at": "2030-01-15T16:30", "venue": "", "online_url": ONLINE, "capacity": "３０",
        "seats_per_organisation": "2", "signup_first_day": "2029/12/01", "signup_last_day": "２０３０－０１－１４",
        "audience": "everyone"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        seminar = db.session.scalar(select(Seminar))
        assert (seminar.capacity, seminar.audience, seminar.online_url) == (30, "everyone", ONLINE)
        assert seminar.starts_at == jst_at(0).replace(year=2030, month=1, day=15, hour=14)
    page = _fine(client.get(response.headers["Location"]))
    assert ONLINE in page  # the secretariat sees the link
    listed = _fine(client.get("/staff/seminars/"))
    assert "脱炭素経営セミナー" in listed
    english = _fine(client.get("/staff/seminars/?lang=en"))
    assert "Decarbonising your business" in english


def test_the_attendee_list_its_export_and_the_attendance_sheet(app, client_of, secretariat, registrants,
                                                                make_seminar, sign_up):
    a, b, c = registrants(3)
    seminar_id = make_seminar(capacity=3, seats_per_organisation=2)
    sign_up(seminar_id, a["user"], names=("熊本 一郎", "=HYPERLINK(\"http://x\")"))
    sign_up(seminar_id, b["user"], names=("阿蘇 花子",))
    sign_up(seminar_id, c["user"], names=("天草 次郎", "天草 三郎"))  # waiting
    client = client_of(secretariat)
    page = _fine(client.get(f"/staff/seminars/{seminar_id}"))
    assert page.index("熊本 一郎") < page.index("阿蘇 花子") < page.index("天草 次郎")
    assert "KS09-" in page

    csv = client.get(f"/staff/seminars/{seminar_id}/attendees.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data().decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 1 + 5  # header, one line per seat of the live sign-ups
    assert "'=HYPERLINK" in text  # guarded against formula injection
    assert lines[1].startswith(translated(app, "ja", "Seats confirmed"))
    assert lines[-1].split(",")[1] == "1"  # first on the waiting list

    xlsx = client.get(f"/staff/seminars/{seminar_id}/attendees.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    names = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["熊本 一郎", "'=HYPERLINK(\"http://x\")", "阿蘇 花子", "天草 次郎", "天草 三郎"]

    pdf = client.get(f"/staff/seminars/{seminar_id}/attendance-sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    from portal.core.pdf import embedded_fonts

    assert any("IPAex" in font for font in embedded_fonts(pdf.get_data()))
    require_or_skip(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.get_data(), capture_output=True,
                          check=True).stdout.decode()
    assert "熊本 一郎" in text and "阿蘇 花子" in text and "KS09-" in text
    assert "天草 次郎" not in text  # the waiting list is not on the sheet


def test_attendance_is_marked_on_its_page_from_the_day_of_the_seminar(app, client_of, secretariat, registrants,
                                                                       make_seminar, sign_up):
    (a,) = registrants(1)
    seminar_id = make_seminar(capacity=3)
    signup_id = sign_up(seminar_id, a["user"], names=("出席 一", "欠席 二"))
    client = client_of(secretariat)
    path = f"/staff/seminars/{seminar_id}/attendance"
    early = _fine(client.get(path))
    assert 'id="attendance-closed"' in early and 'name="attended"' not in early
    refused = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert refused.status_code == 200  # the page again, nothing recorded

    with app.app_context():  # the seminar is today, at this very moment
        from datetime import timedelta

        from portal.core.db import utcnow

        seminar = db.session.get(Seminar, seminar_id)
        now = utcnow()
        seminar.signup_closes_at = now - timedelta(minutes=5)
        seminar.signup_opens_at = now - timedelta(days=3)
        seminar.starts_at, seminar.ends_at = now - timedelta(minutes=1), now + timedelta(hours=1)
        came, absent = db.session.scalars(select(SeminarAttendee.id).where(SeminarAttendee.signup_id == signup_id)
                                          .order_by(SeminarAttendee.position)).all()
        db.session.commit()
    page = _fine(client.get(path))
    assert f'id="attended-{came}"' in page
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "attended": [str(came), "junk"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SeminarAttendee, came).attended is True
        assert db.session.get(SeminarAttendee, absent).attended is False
    shown = _fine(client.get(f"/staff/seminars/{seminar_id}"))
    assert translated(app, "ja", "present") in shown


def test_the_secretariat_cancels_a_seminar_with_a_reason(app, client_of, secretariat, registrants, make_seminar,
                                                          sign_up, mails):
    a, b = registrants(2)
    seminar_id = make_seminar()
    sign_up(seminar_id, a["user"])
    client = client_of(secretariat)
    path = f"/staff/seminars/{seminar_id}/cancel"
    page = _fine(client.get(path))
    assert 'id="told-count"' in page
    missing = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": "", "confirm": "y"})
    assert missing.status_code == 200 and 'href="#reason"' in missing.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": "台風の接近のため。",
                                   "confirm": "y"})
    assert done.status_code == 302
    assert "台風の接近のため。" in mails(a["email"])[-1].body
    assert 'id="seminar-cancelled"' in _fine(client.get(f"/staff/seminars/{seminar_id}"))
    again = client.get(path)
    assert again.status_code == 302  # nothing left to cancel
    assert client.get(f"/staff/seminars/{seminar_id}/edit").status_code == 302
    # The registrant sees it cancelled, with the reason, and can no longer sign up anyone.
    registrant = _fine(client_of(a["user"]).get(f"/seminars/{seminar_id}"))
    assert "台風の接近のため。" in registrant and 'id="signup-link"' not in registrant


def test_a_registrant_finds_signs_up_adds_to_the_calendar_and_cancels(app, client_of, registrants, make_seminar,
                                                                       make_user, mails):
    (a,) = registrants(1)
    (outsider,) = registrants(1, registered=False, prefix="o")
    for_registrants = make_seminar(online_url=ONLINE, capacity=2, seats_per_organisation=2)
    for_everyone = make_seminar(starts_in_days=12, audience="everyone", title_ja="誰でも参加できるセミナー")
    client = client_of(a["user"])

    organisation = _fine(client.get(f"/organisations/{a['organisation']}"))
    assert 'href="/seminars/"' in organisation
    index = _fine(client.get("/seminars/"))
    assert f'id="seminar-{for_registrants}"' in index and f'id="seminar-{for_everyone}"' in index
    assert ONLINE not in index
    outside = _fine(client_of(outsider["user"]).get("/seminars/"))
    assert f'id="seminar-{for_registrants}"' not in outside and f'id="seminar-{for_everyone}"' in outside
    assert client_of(outsider["user"]).get(f"/seminars/{for_registrants}").status_code == 404

    show = _fine(client.get(f"/seminars/{for_registrants}"))
    assert ONLINE not in show and 'id="signup-link"' in show
    path = f"/seminars/{for_registrants}/signup"
    form = _fine(client.get(path))
    assert 'value="担当' in form  # the first name is the user's own
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "seats": "２",
                                       "names-0": "熊本 一郎", "names-1": "熊本 二郎"})
    assert response.status_code == 302
    show = _fine(client.get(f"/seminars/{for_registrants}"))
    assert ONLINE in show and 'id="my-signup" data-state="confirmed"' in show
    index = _fine(client.get("/seminars/"))
    assert f'id="signed-up-{for_registrants}"' in index

    with app.app_context():
        signup_id = db.session.scalar(select(SeminarSignup.id))
    ics = client.get(f"/seminars/signups/{signup_id}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]
    (event,) = Calendar.from_ical(ics.get_data()).events
    assert event.decoded("dtstart") == jst_at(10, 14) and ONLINE in str(event["description"])

    path = f"/seminars/signups/{signup_id}/cancel"
    _fine(client.get(path))
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 302
    assert 'id="my-signup"' not in _fine(client.get(f"/seminars/{for_registrants}"))
    assert client.get(f"/seminars/signups/{signup_id}/calendar.ics").status_code == 404
    assert client.get(path).status_code == 302  # cancelled already: back to the seminar, with a word


def test_pages_in_english_and_for_an_account_without_an_organisation(app, client_of, registrants, make_seminar,
                                                                      make_user, sign_up):
    a, b = registrants(2)
    seminar_id = make_seminar(capacity=1, seats_per_organisation=1, audience="everyone")
    sign_up(seminar_id, a["user"])
    sign_up(seminar_id, b["user"])  # waiting
    waiting = client_of(b["user"], lang="en")
    for path in ("/seminars/", f"/seminars/{seminar_id}"):
        page = _fine(waiting.get(path))
        assert "SDGs in practice for small businesses" in page
    assert 'data-state="waitlisted"' in _fine(waiting.get(f"/seminars/{seminar_id}"))
    newcomer = client_of(make_user(email="new@example.jp"))
    page = _fine(newcomer.get("/seminars/"))
    assert 'id="no-organisation"' in page
    page = _fine(newcomer.get(f"/seminars/{seminar_id}"))
    assert 'id="signup-link"' not in page
    assert newcomer.get(f"/seminars/{seminar_id}/signup").status_code == 404


def test_the_history_on_the_registrants_page(app, client_of, registrants, make_seminar, sign_up, secretariat):
    (a,) = registrants(1)
    seminar_id = make_seminar(starts_in_days=2)
    signup_id = sign_up(seminar_id, a["user"], names=("出席 一",))
    with app.test_request_context():
        attendee = db.session.scalar(select(SeminarAttendee.id).where(SeminarAttendee.signup_id == signup_id))
        operations.mark_attendance(db.session.get(Seminar, seminar_id), {attendee}, db.session.get(User, secretariat),
                                   now=jst_at(2, 14, 30))
        seminar = db.session.get(Seminar, seminar_id)
        seminar.starts_at, seminar.ends_at = jst_at(-3, 14), jst_at(-3, 16)
        seminar.signup_opens_at, seminar.signup_closes_at = jst_at(-9), jst_at(-4)
        db.session.commit()
    page = _fine(client_of(a["user"]).get("/seminars/"))
    assert f'id="history-{seminar_id}"' in page
    assert translated(app, "ja", "%(attended)s of %(seats)s", attended=1, seats=1) in page


def test_asking_for_more_seats_than_are_left_joins_the_waiting_list_whole(app, client_of, registrants,
                                                                           make_seminar, sign_up, load):
    a, b, c = registrants(3)
    seminar_id = make_seminar(capacity=3, seats_per_organisation=3)
    sign_up(seminar_id, a["user"], names=("A1", "A2"))
    client = client_of(b["user"])
    path = f"/seminars/{seminar_id}/signup"
    assert 'id="few-left-notice"' in _fine(client.get(path))
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "seats": "2",
                                       "names-0": "B1", "names-1": "B2"})
    assert response.status_code == 302
    assert 'data-state="waitlisted"' in _fine(client.get(response.headers["Location"]))
    # The seat left is still there for an organisation that needs one.
    assert load(SeminarSignup, sign_up(seminar_id, c["user"], names=("C1",))).state == "confirmed"
