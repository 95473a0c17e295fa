"""Contact details: the footer of every page, the 500 page (from the settings when the database
does not answer), /verify and every mail's signature give the office responsible; mails name it
as Reply-To; each office keeps its own block, and bad input stores nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.contacts.models import ContactBlock
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from support import login

PREFECTURE = {
    "office_name": "熊本県 企画振興部 企画課 SDGs登録制度事務局（試験）",
    "office_name_en": "SDGs Registration Secretariat (test)",
    "postal_code": "８６２－８５７０",
    "address": "熊本県熊本市中央区水前寺6丁目18番1号",
    "phone": "096-111-2222",
    "email": "sdgs-test@pref.example.jp",
    "hours": "平日 9時00分～17時00分",
    "hours_en": "Weekdays 9:00 to 17:00",
}
CITY = {**PREFECTURE, "office_name": "熊本市 政策局 ロゴマーク担当（試験）", "office_name_en": "",
        "postal_code": "860-8601", "address": "熊本県熊本市中央区手取本町1番1号", "phone": "096-333-4444",
        "email": "logo-test@city.example.jp", "hours_en": ""}


def _save(client, path: str, data: dict):
    from support import csrf_token

    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _stored(app) -> dict[str, ContactBlock]:
    with app.app_context():
        rows = {row.key: row for row in db.session.scalars(select(ContactBlock))}
        db.session.expunge_all()
        return rows


def test_the_secretariat_saves_its_block_and_every_page_shows_it(app, client, make_user):
    secretariat = make_user("secretariat")
    login(client, secretariat)
    page = client.get("/staff/contacts/prefecture")
    assert page.status_code == 200
    assert 'id="contact-default-note"' in page.get_data(as_text=True)  # nothing saved yet: the defaults

    response = _save(client, "/staff/contacts/prefecture", PREFECTURE)
    assert response.status_code == 302
    row = _stored(app)["prefecture"]
    assert (row.office_name, row.postal_code, row.phone, row.email, row.updated_by_id) == (
        PREFECTURE["office_name"], "862-8570", "096-111-2222", "sdgs-test@pref.example.jp", secretariat)
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.change")).all()
        assert entry.object_type == "contact_blocks" and entry.actor_id == secretariat
        assert entry.changes["phone"] == ["096-000-0000", "096-111-2222"]

    # Saving the same again changes nothing and records nothing.
    assert _save(client, "/staff/contacts/prefecture", PREFECTURE).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.change")).all()) == 1

    # The footer of pages of every kind, signed in or not, in both languages.
    for path in ("/staff/", "/registrants", "/terms", "/logos/"):
        body = client.get(path).get_data(as_text=True)
        assert 'id="footer-contact-prefecture"' in body, path
        assert "〒862-8570" in body and "096-111-2222" in body and 'href="mailto:sdgs-test@pref.example.jp"' in body
        assert 'id="footer-contact-city"' in body and "096-000-0001" in body  # the city's default
    client.post("/logout", data={})
    anonymous = app.test_client()
    for path in ("/", "/login", "/signup", "/registrants", "/self-check/", "/verify/KS99-0001"):
        body = anonymous.get(path).get_data(as_text=True)
        assert PREFECTURE["office_name"] in body and "096-111-2222" in body, path
    english = anonymous.get("/?lang=en").get_data(as_text=True)
    assert "SDGs Registration Secretariat (test)" in english and "Weekdays 9:00 to 17:00" in english
    # Kept only in Japanese: marked so, on an English page.
    assert '<span class="contact-address" lang="ja">〒862-8570 熊本県熊本市中央区水前寺6丁目18番1号</span>' in english


def test_the_city_keeps_the_logo_office_block(app, client, make_user):
    login(client, make_user("city"))
    assert 'href="/staff/contacts/city"' in client.get("/city/").get_data(as_text=True)
    response = _save(client, "/staff/contacts/city", CITY)
    assert response.status_code == 302
    row = _stored(app)["city"]
    assert (row.office_name, row.office_name_en, row.hours_en) == (CITY["office_name"], None, None)
    assert set(_stored(app)) == {"city"}  # the prefecture's block is untouched
    english = client.get("/registrants?lang=en").get_data(as_text=True)
    # No English name: the Japanese one, marked as Japanese.
    assert f'<strong class="contact-office" lang="ja">{CITY["office_name"]}</strong>' in english


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "Enter a phone number of 10 or 11 digits starting with 0"),
    ("email", "not-an-address", "Enter a valid e-mail address."),
    ("postal_code", "86", "Enter a 7-digit postal code"),
    ("office_name", "", "Enter the office's name."),
    ("hours", "   ", "Enter the opening hours."),
    ("address", "x" * 301, "Field cannot be longer than 300 characters."),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_stored(app, client, make_user, field, value, message):
    login(client, make_user("secretariat"))
    response = client.post("/staff/contacts/prefecture?lang=en", data={
        **PREFECTURE, field: value,
        "csrf_token": __import__("support").csrf_token(client, "/staff/contacts/prefecture?lang=en")})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body and message in body
    assert 'value="096-111-2222"' in body or field == "phone"  # what was typed is kept
    assert _stored(app) == {}
    with app.app_context():
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_the_500_page_gives_the_default_contact_when_the_database_does_not_answer(app, client, monkeypatch):
    import portal.core.views

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(portal.core.views, "render_template", down)
    monkeypatch.setattr(db.session, "get", down)
    monkeypatch.setattr(db.session, "execute", down)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/terms")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    defaults = app.config["CONTACTS"]["prefecture"]
    assert 'id="error-contact"' in body
    assert defaults["office_name"] in body and defaults["phone"] in body and defaults["email"] in body
    assert f"〒{defaults['postal_code']}" in body and defaults["hours"] in body


def test_the_500_page_gives_the_saved_contact_while_the_database_answers(app, client, make_user, monkeypatch):
    import portal.core.views

    login(client, make_user("secretariat"))
    _save(client, "/staff/contacts/prefecture", PREFECTURE)

    def broken(*args, **kwargs):
        raise RuntimeError("broken page")

    monkeypatch.setattr(portal.core.views, "render_template", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/terms")
    assert response.status_code == 500
    assert "096-111-2222" in response.get_data(as_text=True).split('id="error-contact"')[1].split("</address>")[0]


def test_the_defaults_come_from_the_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACTS", {
        **app.config["CONTACTS"], "prefecture": {**app.config["CONTACTS"]["prefecture"], "phone": "096-999-8888"}})
    assert "096-999-8888" in client.get("/").get_data(as_text=True)


def test_a_registration_mail_is_signed_by_the_secretariat_and_replies_reach_it(app, client, make_user, smtp):
    """Over a real SMTP server: sent from the no-reply address, Reply-To the secretariat's
    e-mail, the signature in Japanese business form (事務局名, 〒住所, TEL, メール, 受付時間)."""
    login(client, make_user("secretariat"))
    _save(client, "/staff/contacts/prefecture", PREFECTURE)
    make_user(email="hanako@example.jp", name="熊本 花子")
    smtp.start()
    anonymous = app.test_client()
    response = anonymous.post("/password/forgot", data={
        "email": "hanako@example.jp", "csrf_token": __import__("support").csrf_token(anonymous, "/password/forgot")})
    assert response.status_code in (200, 302)

    [message] = smtp.messages
    assert smtp.sink.envelopes[0].mail_from == "no-reply@sdgs.example.jp"
    assert message["Reply-To"] == "sdgs-test@pref.example.jp"
    body = message.get_body().get_content()
    signature = body[body.index("━"):]
    for line in (PREFECTURE["office_name"], "〒862-8570 熊本県熊本市中央区水前寺6丁目18番1号",
                 "096-111-2222", "sdgs-test@pref.example.jp", "平日 9時00分～17時00分", "http://portal.test"):
        assert line in signature, line
    assert signature.index(PREFECTURE["office_name"]) < signature.index("〒862-8570") < signature.index("096-111-2222")


def test_a_logo_permit_mail_is_signed_by_the_city_in_the_holders_language(app, make_user, mails):
    """Logo-permit mails: the city's logo office signs them and is their Reply-To (here its
    defaults, nothing saved); an English holder reads the English name and hours."""
    from datetime import timedelta

    from portal.accounts.models import User
    from portal.core.i18n import today_jst
    from portal.logos import operations

    holder = make_user(email="holder@example.jp", locale="en", name="Jane Doe")
    today = today_jst()
    data = {"holder_kind": "individual", "holder_name": "Jane Doe", "representative": None, "address": "熊本市",
            "contact_name": "Jane Doe", "contact_phone": "096-000-1234", "activity": "名刺", "goals": [12],
            "media": ["website"], "variants": ["color-horizontal"], "starts_on": today,
            "ends_on": today + timedelta(days=60)}
    with app.test_request_context():
        user = db.session.get(User, holder)
        permit = operations.new_request(user, data)
        operations.save_request(permit, data, user, agreed=True)
        operations.submit_request(permit, user)
        db.session.commit()
    [mail] = mails("holder@example.jp")
    city = app.config["CONTACTS"]["city"]
    assert mail.reply_to == city["email"]
    signature = mail.body[mail.body.index("━"):]
    assert city["office_name_en"] in signature and city["hours_en"] in signature and city["phone"] in signature
    assert app.config["CONTACTS"]["prefecture"]["email"] not in mail.body


def test_the_verification_page_gives_the_secretariat(app, client, make_user, make_organisation):
    from datetime import date, datetime, timedelta, timezone

    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import CohortState
    from portal.registrations.models import Registration

    owner = make_user()
    organisation = make_organisation(owner)
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = cohorts.plan_cohort(1, now - timedelta(days=1200), now - timedelta(days=1100))
        cohort.state = CohortState.DECIDED
        db.session.add(Registration(number="KS01-0001", cohort_id=cohort.id, sequence=1, organisation_id=organisation,
                                    registered_on=date.today() - timedelta(days=100),
                                    valid_until=date.today() + timedelta(days=900)))
        db.session.commit()
    body = client.get("/verify/KS01-0001").get_data(as_text=True)
    defaults = app.config["CONTACTS"]["prefecture"]
    block = body.split('id="verify-contact"')[1].split("</address>")[0]
    assert defaults["office_name"] in block and defaults["phone"] in block and defaults["email"] in block


def test_the_demo_sets_both_blocks_and_its_mails_carry_them(app, runner, client):
    from portal.core.outbox import OutboxMail
    from portal.demo.contacts import DEMO_CONTACTS

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    stored = _stored(app)
    assert {key: stored[key].email for key in stored} == {key: DEMO_CONTACTS[key]["email"] for key in DEMO_CONTACTS}
    body = client.get("/").get_data(as_text=True)
    assert DEMO_CONTACTS["prefecture"]["office_name"] in body and DEMO_CONTACTS["city"]["office_name"] in body
    with app.app_context():
        reply_tos = {mail.reply_to for mail in db.session.scalars(select(OutboxMail))}
    assert reply_tos == {DEMO_CONTACTS["prefecture"]["email"], DEMO_CONTACTS["city"]["email"]}
