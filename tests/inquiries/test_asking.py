"""Asking: as a signed-in applicant (open at once, tied to an application, on their list) or as a
visitor (waits for the address; the confirmation mail carries nothing the visitor typed); bad
input is refused on its field with nothing stored; logo questions go to the city; the rate
limits per address and per client."""
from __future__ import annotations

from portal.core.extensions import db
from portal.inquiries.models import InquiryCategory, InquiryState
from support import link_in, login


def test_a_signed_in_applicant_asks_about_their_application_and_finds_it_on_their_list(
        app, client, make_user, make_organisation, ask, stored, mails):
    from datetime import datetime, timedelta, timezone

    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts import operations as cohorts

    user = make_user(email="owner@example.jp", name="申請 花子")
    make_organisation(user)
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(5, now - timedelta(days=1), now + timedelta(days=20))
        owner = db.session.get(User, user)
        application = operations.start_application(owner.organisation, cohort, owner)
        db.session.commit()
        application_id = application.id
    login(client, user)
    status = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert f'href="/inquiries/new?application={application_id}" id="ask-about-application"' in status
    form = client.get(f"/inquiries/new?application={application_id}").get_data(as_text=True)
    assert f'value="application:{application_id}" selected' in form or f'selected value="application:{application_id}"' in form
    assert 'name="email"' not in form  # the account's own address is used

    response = ask(client, name=None, email=None, about=f"application:{application_id}")
    assert response.status_code == 302
    (inquiry,), (message,) = stored()
    assert inquiry.state == InquiryState.OPEN and inquiry.user_id == user and inquiry.email == "owner@example.jp"
    assert inquiry.application_id == application_id and inquiry.office == "prefecture"
    assert response.headers["Location"].endswith(f"/inquiries/{inquiry.id}")
    (receipt,) = mails(to="owner@example.jp")
    assert inquiry.reference in receipt.subject and link_in(receipt.body) == f"/inquiries/{inquiry.id}"

    listed = client.get("/inquiries/").get_data(as_text=True)
    assert inquiry.reference in listed and "申請書の書き方について" in listed
    thread = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "重点的な取組は何件書けばよいですか。" in thread

    # Staff see which application it is about (a draft: named, not linked to the review page).
    office = app.test_client()
    login(office, make_user("reviewer"))
    staff_page = office.get(f"/staff/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "第5期" in staff_page and f"/review/{application_id}" not in staff_page


def test_a_logo_question_goes_to_the_city_and_only_the_city_sees_it(app, client, make_user, ask, stored, mails):
    asker = make_user(email="asker@example.jp")
    login(client, asker)
    assert ask(client, name=None, email=None, category="logo").status_code == 302
    (inquiry,), _ = stored()
    assert inquiry.office == "city" and inquiry.category == InquiryCategory.LOGO
    (receipt,) = mails(to="asker@example.jp")
    assert receipt.subject.startswith("【熊本市】")  # signed by the city's office

    city, reviewer = app.test_client(), app.test_client()
    login(city, make_user("city"))
    login(reviewer, make_user("reviewer"))
    assert inquiry.reference in city.get("/staff/inquiries/").get_data(as_text=True)
    assert city.get(f"/staff/inquiries/{inquiry.id}").status_code == 200
    assert inquiry.reference not in reviewer.get("/staff/inquiries/?state=all").get_data(as_text=True)
    assert reviewer.get(f"/staff/inquiries/{inquiry.id}").status_code == 404


def test_the_visitor_confirmation_mail_carries_no_text_the_visitor_typed(app, client, ask, stored, mails):
    typed = {"name": "スパム 送信者 http://spam.example", "subject": "格安 http://spam.example/buy",
             "body": "今すぐクリック http://spam.example/now"}
    assert ask(client, email="victim@example.org", **typed).status_code == 200
    (inquiry,), _ = stored()
    (mail,) = mails(to="victim@example.org")
    text = mail.subject + mail.body
    for value in typed.values():
        for word in value.split():
            assert word not in text, word
    assert "spam.example" not in text
    assert inquiry.reference in mail.subject and inquiry.reference in mail.body
    assert link_in(mail.body).startswith("/inquiries/t/")
    # Nothing reaches the office until the link is opened.
    assert inquiry.state == InquiryState.UNCONFIRMED


def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(app, client, ask, stored, mails):
    cases = [
        ({"body": ""}, "body", "Write your question."),
        ({"body": "あ" * 4001}, "body", "Write at most 4000 characters."),
        ({"subject": "件" * 101}, "subject", "Write at most 100 characters."),
        ({"subject": "  "}, "subject", "Enter a subject."),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"name": ""}, "name", "Enter your name."),
        ({"category": "lottery"}, "category", None),
        ({"body": "a\x00b"}, "body", None),
    ]
    client.get("/inquiries/new?lang=en")  # the messages in English (the language is remembered)
    for fields, field, message in cases:
        response = ask(client, **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, fields
        assert f'id="{field}-error"' in page, fields
        if message:
            assert message in page, (fields, message)
    assert stored() == ([], [])
    assert mails() == []


def test_a_signed_in_applicant_ties_a_question_only_to_their_own_applications(
        app, client, make_user, make_organisation, ask, stored):
    from datetime import datetime, timedelta, timezone

    from portal.accounts.models import User
    from portal.applications import operations
    from portal.cohorts import operations as cohorts

    other = make_user(email="other@example.jp")
    make_organisation(other, corporate_number="1234567890123", name="他社")
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(6, now - timedelta(days=1), now + timedelta(days=20))
        owner = db.session.get(User, other)
        foreign = operations.start_application(owner.organisation, cohort, owner).id
        db.session.commit()
        asker = db.session.get(User, make_user(email="asker@example.jp"))
        make_organisation(asker.id)
        db.session.refresh(asker)
        own = operations.start_application(asker.organisation, cohort, asker).id
        db.session.commit()
        asker = asker.id
    login(client, asker)
    assert f'value="application:{own}"' in client.get("/inquiries/new").get_data(as_text=True)
    response = ask(client, name=None, email=None, about=f"application:{foreign}")
    assert response.status_code == 200 and 'id="about-error"' in response.get_data(as_text=True)
    assert stored() == ([], [])


def test_visitors_are_limited_per_address_and_per_client(app, ask, stored, monkeypatch):
    monkeypatch.setitem(app.config, "INQUIRIES_PER_ADDRESS", "2 per day")
    monkeypatch.setitem(app.config, "INQUIRIES_PER_CLIENT", "4 per hour")
    client = app.test_client()
    assert ask(client, email="same@example.org").status_code == 200
    assert ask(client, email="SAME@example.org ").status_code == 200
    assert ask(client, email="same@example.org").status_code == 429  # a third mail to that address
    assert len(stored()[0]) == 2
    assert ask(client, email="another@example.org").status_code == 200
    assert ask(client, email="third@example.org").status_code == 429  # the client's fifth question
    assert len(stored()[0]) == 3
    # Another client may still write to a new address.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert ask(other, email="fourth@example.org").status_code == 200


def test_signed_in_staff_and_city_do_not_ask_themselves(app, make_user):
    for role in ("reviewer", "secretariat", "city"):
        client = app.test_client()
        login(client, make_user(role))
        assert client.get("/inquiries/new").status_code == 403


def test_a_question_is_not_sent_without_its_token(app, client, stored):
    client.get("/inquiries/new")
    response = client.post("/inquiries/new", data={"name": "x", "email": "x@example.org", "category": "other",
                                                   "subject": "s", "body": "b"})
    assert response.status_code == 400
    assert stored() == ([], [])


def test_an_account_asks_once_its_address_is_confirmed(app, client, make_user, ask, stored, mails):
    login(client, make_user(email="new@example.jp", verified=False, name="http://spam.example"))
    page = client.get("/inquiries/new").get_data(as_text=True)
    assert 'id="confirm-address-first"' in page
    assert ask(client, name=None, email=None).status_code == 200
    assert stored() == ([], []) and mails() == []
