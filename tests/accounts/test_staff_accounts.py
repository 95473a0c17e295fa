"""The secretariat creates staff, partner and Kumamoto City accounts; they set their password by link."""
from sqlalchemy import select

from support import csrf_token, link_in, login, login_with_form
from portal.accounts.models import User
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.partners.models import InstitutionKind, PartnerInstitution


def _institution(app) -> int:
    with app.app_context():
        bank = PartnerInstitution(code="higo", name_ja="肥後銀行", name_en="The Higo Bank", kind=InstitutionKind.BANK)
        db.session.add(bank)
        db.session.commit()
        return bank.id


def create(client, **data):
    token = csrf_token(client, "/staff/users/new")
    return client.post("/staff/users/new", data={"locale": "ja", "partner_id": "0", **data, "csrf_token": token})


def test_a_partner_account_is_created_and_set_up_by_link(app, client, make_user, mails):
    bank = _institution(app)
    secretariat = make_user("secretariat")
    login(client, secretariat)
    response = create(client, email="Banker@Example.jp", name="肥後 太郎", role="partner", partner_id=str(bank))
    assert response.status_code == 302
    [mail] = mails("banker@example.jp")
    assert "支援機関" in mail.body

    banker = app.test_client()
    path = link_in(mail.body)
    token = csrf_token(banker, path)
    assert banker.post(path, data={"password": "hills-of-kikuchi-2026", "password_again": "hills-of-kikuchi-2026",
                                   "csrf_token": token}).status_code == 302
    assert login_with_form(banker, "banker@example.jp", "hills-of-kikuchi-2026").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "banker@example.jp"))
        assert (user.role, user.partner_id, user.email_verified) == ("partner", bank, True)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
        assert entry.actor_id == secretariat and entry.changes["role"] == "partner"


def test_a_city_account_is_created_from_the_form_and_lands_on_the_city_menu(app, client, make_user, mails):
    login(client, make_user("secretariat"))
    form = client.get("/staff/users/new").get_data(as_text=True)
    assert 'value="city"' in form
    assert create(client, email="city@example.jp", name="熊本市 職員", role="city").status_code == 302
    [mail] = mails("city@example.jp")
    assert "熊本市職員" in mail.body or "Kumamoto City staff" in mail.body  # the role's title, in Japanese once catalogued

    city = app.test_client()
    path = link_in(mail.body)
    token = csrf_token(city, path)
    assert city.post(path, data={"password": "hills-of-kikuchi-2026", "password_again": "hills-of-kikuchi-2026",
                                 "csrf_token": token}).status_code == 302
    response = login_with_form(city, "city@example.jp", "hills-of-kikuchi-2026")
    assert response.status_code == 302 and response.headers["Location"].endswith("/city/")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "city@example.jp"))
        assert (user.role, user.partner_id) == ("city", None)
    # A city account with an institution is refused, as for every account but a partner's.
    bank = _institution(app)
    response = create(client, email="city2@example.jp", name="x", role="city", partner_id=str(bank))
    assert response.status_code == 200 and "city2@example.jp" not in {u.email for u in _users(app)}


def test_bad_account_requests(app, client, make_user):
    _institution(app)
    login(client, make_user("secretariat", email="boss@example.jp"))
    response = create(client, email="boss@example.jp", name="重複", role="reviewer")
    assert "すでに作成されています" in response.get_data(as_text=True)
    response = create(client, email="p@example.jp", name="機関なし", role="partner")
    assert "支援機関を選択" in response.get_data(as_text=True)
    response = create(client, email="r@example.jp", name="x", role="applicant")
    assert response.status_code == 200 and "applicant" not in [u.role for u in _users(app) if u.email == "r@example.jp"]
    assert {u.email for u in _users(app)} == {"boss@example.jp"}


def _users(app):
    with app.app_context():
        rows = db.session.scalars(select(User)).all()
        db.session.expunge_all()
        return rows


def test_deactivating_an_account(app, client, make_user):
    login(client, make_user("secretariat"))
    reviewer = make_user("reviewer", email="rev@example.jp")
    token = csrf_token(client, "/staff/users/")
    assert client.post(f"/staff/users/{reviewer}/active", data={"active": "0", "csrf_token": token}).status_code == 302
    assert login_with_form(app.test_client(), "rev@example.jp").status_code == 200  # refused
    assert client.post("/staff/users/99999/active", data={"active": "0", "csrf_token": token}).status_code == 404


def test_a_reviewer_cannot_manage_accounts(client, make_user):
    login(client, make_user("reviewer"))
    assert client.get("/staff/users/").status_code == 403
