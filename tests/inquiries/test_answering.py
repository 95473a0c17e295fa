"""Answering: who may read a thread (its asker and its office's staff; anyone else a 404, a wrong
token too), an answer refused when the thread changed meanwhile (compare-and-set, also on
PostgreSQL), internal notes the asker never sees nor hears of, closing and opening again, the
list's order and the staff panel's count in one query."""
from __future__ import annotations

import re

from portal.core.extensions import db
from portal.inquiries.models import InquiryState
from portal.inquiries.queries import waiting_for_staff
from support import counted, csrf_token, link_in, login


def _asked_by_applicant(app, make_user, ask, stored, email="asker@example.jp"):
    client = app.test_client()
    user = make_user(email=email)
    login(client, user)
    assert ask(client, name=None, email=None).status_code == 302
    return client, stored()[0][-1]


def test_another_applicant_and_a_stranger_with_a_wrong_token_get_404(app, make_user, ask, stored, mails):
    asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    assert asker.get(f"/inquiries/{inquiry.id}").status_code == 200

    other = app.test_client()
    login(other, make_user(email="other@example.jp"))
    assert other.get(f"/inquiries/{inquiry.id}").status_code == 404
    token = csrf_token(other, "/inquiries/new")
    assert other.post(f"/inquiries/{inquiry.id}", data={"csrf_token": token, "body": "横から"}).status_code == 404
    partner = app.test_client()
    login(partner, make_user("partner", partner="bank-x"))
    assert partner.get(f"/inquiries/{inquiry.id}").status_code == 404
    assert partner.get(f"/staff/inquiries/{inquiry.id}").status_code == 404

    # A visitor's thread: the right link opens it, a wrong or truncated one does not.
    visitor = app.test_client()
    assert ask(visitor, email="visitor@example.org").status_code == 200
    link = link_in(mails(to="visitor@example.org")[0].body)
    stranger = app.test_client()
    assert stranger.get(link[:-1] + ("A" if link[-1] != "A" else "B")).status_code == 404
    assert stranger.get(link[:-8]).status_code == 404
    assert stranger.get("/inquiries/t/" + "x" * 200).status_code == 404
    opened = stranger.get(link)
    assert opened.status_code == 200  # the link is the key: whoever holds it reads the thread
    assert "no-store" in opened.headers["Cache-Control"]  # the thread is private: no shared cache keeps it


def test_an_answer_to_a_thread_that_changed_meanwhile_is_refused_and_what_was_typed_is_kept(
        app, make_user, ask, stored, staff_answer, mails):
    asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    first, second = app.test_client(), app.test_client()
    login(first, make_user("reviewer"))
    login(second, make_user("secretariat"))
    page = second.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    seen = re.search(r'id="answer-version"[^>]*value="(\d+)"', page).group(1)

    assert staff_answer(first, inquiry.id, "先に回答します。").status_code == 302
    late = staff_answer(second, inquiry.id, "後から回答します。", version=seen)
    assert late.status_code == 409
    body = late.get_data(as_text=True)
    assert "後から回答します。" in body and 'id="body-error"' in body and "先に回答します。" in body
    _, messages = stored()
    assert [m.body for m in messages if m.from_staff] == ["先に回答します。"]
    assert len(mails(to="asker@example.jp")) == 2  # the receipt and the one answer

    # Closing with the version of a page shown before the asker wrote again is refused too.
    page = second.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    version = re.search(r'id="close-version"[^>]*value="(\d+)"', page).group(1)
    token = csrf_token(asker, f"/inquiries/{inquiry.id}")
    assert asker.post(f"/inquiries/{inquiry.id}", data={"csrf_token": token, "body": "追加の質問です。"}).status_code == 302
    token = csrf_token(second, f"/staff/inquiries/{inquiry.id}")
    second.post(f"/staff/inquiries/{inquiry.id}/close", data={"csrf_token": token, "version": version})
    assert stored()[0][0].state == InquiryState.OPEN


def test_internal_notes_are_neither_shown_nor_mailed_to_the_asker(app, make_user, ask, stored, staff_answer, mails):
    asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    office = app.test_client()
    login(office, make_user("secretariat"))
    before = len(mails())
    assert staff_answer(office, inquiry.id, "内部メモ：担当課に確認中", kind="note").status_code == 302
    assert len(mails()) == before
    (row,), messages = stored()
    assert messages[-1].internal and row.state == InquiryState.OPEN  # still waiting for an answer
    assert "担当課に確認中" in office.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "担当課に確認中" not in asker.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)

    assert staff_answer(office, inquiry.id, "回答です。").status_code == 302
    answered = mails(to="asker@example.jp")[-1]
    assert "回答です。" in answered.body and "担当課に確認中" not in answered.body


def test_closing_and_writing_again(app, make_user, ask, stored, staff_answer):
    asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    office = app.test_client()
    login(office, make_user("reviewer"))
    staff_answer(office, inquiry.id, "回答です。")
    page = office.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    version = re.search(r'id="close-version"[^>]*value="(\d+)"', page).group(1)
    token = re.search(r'id="close-csrf"[^>]*value="([^"]+)"', page).group(1)
    assert office.post(f"/staff/inquiries/{inquiry.id}/close",
                       data={"csrf_token": token, "version": version}).status_code == 302
    assert stored()[0][0].state == InquiryState.CLOSED
    assert f"/staff/inquiries/{inquiry.id}" in office.get("/staff/inquiries/?state=closed").get_data(as_text=True)
    assert f"/staff/inquiries/{inquiry.id}" not in office.get("/staff/inquiries/").get_data(as_text=True)

    token = csrf_token(asker, f"/inquiries/{inquiry.id}")
    assert asker.post(f"/inquiries/{inquiry.id}", data={"csrf_token": token, "body": ""}).status_code == 200
    assert len(stored()[1]) == 2  # an empty reply is refused
    asker.post(f"/inquiries/{inquiry.id}", data={"csrf_token": token, "body": "もう一点。"})
    assert stored()[0][0].state == InquiryState.OPEN
    assert f"/staff/inquiries/{inquiry.id}" in office.get("/staff/inquiries/").get_data(as_text=True)


def test_the_list_shows_the_newest_waiting_first_and_the_panel_counts_in_one_query(
        app, make_user, ask, stored):
    from portal.accounts.models import User

    _first_client, first = _asked_by_applicant(app, make_user, ask, stored, email="first@example.jp")
    _second_client, second = _asked_by_applicant(app, make_user, ask, stored, email="second@example.jp")
    logo = app.test_client()
    login(logo, make_user(email="logo@example.jp"))
    ask(logo, name=None, email=None, category="logo")
    visitor = app.test_client()
    ask(visitor, email="visitor@example.org")  # unconfirmed: counted nowhere

    reviewer, city, applicant = make_user("reviewer"), make_user("city"), make_user(email="x@example.jp")
    office = app.test_client()
    login(office, reviewer)
    listed = office.get("/staff/inquiries/").get_data(as_text=True)
    assert listed.index(second.reference) < listed.index(first.reference)
    with app.test_request_context():
        users = {key: db.session.get(User, value) for key, value in
                 {"reviewer": reviewer, "city": city, "applicant": applicant}.items()}
        with counted(app) as statements:
            count = waiting_for_staff(users["reviewer"])
        assert count == 2 and len(statements) == 1
        assert waiting_for_staff(users["city"]) == 1
        assert waiting_for_staff(users["applicant"]) == 0


def test_the_secretariat_assigns_an_inquiry_and_it_is_on_the_assignees_own_list(app, make_user, ask, stored):
    _asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    reviewer, city = make_user("reviewer", name="審査 一郎"), make_user("city")
    office = app.test_client()
    login(office, make_user("secretariat"))
    page = office.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    token = re.search(r'id="assign-csrf"[^>]*value="([^"]+)"', page).group(1)
    assert f'value="{city}"' not in page  # the city's staff do not answer the secretariat's inquiries

    refused = office.post(f"/staff/inquiries/{inquiry.id}/assign", data={"csrf_token": token, "assignee": str(city)})
    assert refused.status_code == 302 and stored()[0][0].assignee_id is None
    assert office.post(f"/staff/inquiries/{inquiry.id}/assign",
                       data={"csrf_token": token, "assignee": str(reviewer)}).status_code == 302
    assert stored()[0][0].assignee_id == reviewer

    mine = app.test_client()
    login(mine, reviewer)
    assert f"/staff/inquiries/{inquiry.id}" in mine.get("/staff/inquiries/?state=mine").get_data(as_text=True)
    assert f"/staff/inquiries/{inquiry.id}" not in office.get("/staff/inquiries/?state=mine").get_data(as_text=True)
    with app.app_context():
        from portal.core.audit import AuditEntry

        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "inquiry.assign")).one()
        assert entry.changes == {"assignee_id": [None, reviewer]}


def test_a_visitors_replies_are_checked_and_limited(app, ask, stored, mails, monkeypatch):
    monkeypatch.setitem(app.config, "INQUIRY_REPLIES_PER_CLIENT", "2 per hour")
    visitor = app.test_client()
    ask(visitor, email="visitor@example.org")
    link = link_in(mails(to="visitor@example.org")[0].body)
    visitor.get(link + "?lang=en")  # confirms the address
    token = csrf_token(visitor, link)
    too_long = visitor.post(link, data={"csrf_token": token, "body": "あ" * 4001})
    assert too_long.status_code == 200 and "Write at most 4000 characters." in too_long.get_data(as_text=True)
    assert len(stored()[1]) == 1
    assert visitor.post(link, data={"csrf_token": token, "body": "追記です。"}).status_code == 302
    assert visitor.post(link, data={"csrf_token": token, "body": "もう一度。"}).status_code == 429
    assert [m.body for m in stored()[1]][1:] == ["追記です。"]


def test_the_waiting_inquiries_are_on_the_offices_todo_panels_until_answered(
        app, make_user, ask, stored, staff_answer):
    _asker, inquiry = _asked_by_applicant(app, make_user, ask, stored)
    logo = app.test_client()
    login(logo, make_user(email="logo@example.jp"))
    ask(logo, name=None, email=None, category="logo")

    reviewer, city = app.test_client(), app.test_client()
    login(reviewer, make_user("reviewer"))
    login(city, make_user("city"))
    for client, home in ((reviewer, "/staff/"), (city, "/city/")):
        panel = client.get(home).get_data(as_text=True)
        item = re.search(r'<li [^>]*id="todo-inquiries"[^>]*data-count="(\d+)".*?</li>', panel, re.S)
        assert item and item.group(1) == "1", home
        assert 'href="/staff/inquiries/"' in item.group(0)

    assert staff_answer(reviewer, inquiry.id, "ご質問ありがとうございます。").status_code == 302
    assert 'id="todo-inquiries"' not in reviewer.get("/staff/").get_data(as_text=True)
    assert 'id="todo-inquiries"' in city.get("/city/").get_data(as_text=True)  # the logo office's still waits
