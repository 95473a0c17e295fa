"""Sign-up with e-mail verification, through the real HTTP stack."""
from sqlalchemy import select

from support import csrf_token, link_in
from portal.accounts.models import User
from portal.core.extensions import db

FORM = {"name": "熊本 太郎", "email": "taro@example.jp", "password": "a-long-password", "password_again": "a-long-password", "agree": "y"}


def signup(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/signup")}
    return client.post("/signup", data=data)


def users(app):
    with app.app_context():
        return db.session.scalars(select(User)).all()


def test_sign_up_verify_and_sign_in(app, client, mails):
    response = signup(client)
    assert response.status_code == 200
    assert "taro@example.jp" in response.get_data(as_text=True)
    [mail] = mails("taro@example.jp")
    assert mail.state == "sent"  # sent after commit, to the mail folder in tests
    assert "メールアドレスの確認" in mail.subject

    page = client.get(link_in(mail.body), follow_redirects=True)
    assert "メールアドレスを確認しました" in page.get_data(as_text=True)
    [user] = users(app)
    assert user.email_verified_at is not None and user.role == "applicant" and user.locale == "ja"

    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "TARO@example.jp", "password": "a-long-password", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/organisation"
    assert "確認済み" in client.get("/account").get_data(as_text=True)


def test_sign_up_in_english_mails_in_english(app, client, mails):
    client.get("/?lang=en")
    signup(client)
    [mail] = mails()
    assert mail.locale == "en" and mail.subject == "[Kumamoto Prefecture SDGs Registration System] Please confirm your e-mail address"
    assert users(app)[0].locale == "en"


def test_an_existing_address_is_not_revealed(app, client, make_user, mails):
    make_user(email="taro@example.jp")
    response = signup(client)
    assert response.status_code == 200
    assert "taro@example.jp" in response.get_data(as_text=True)
    assert len(users(app)) == 1
    [mail] = mails("taro@example.jp")
    assert "already_registered" not in mail.body and "ログイン" in mail.body


def test_the_same_address_signing_up_twice_at_once_makes_one_account(app, client, make_user, mails,
                                                                      monkeypatch):
    """The other sign-up created the account between this one's look-up and its insert: the
    unique address decides, and this one is answered as an address that had an account."""
    from portal.accounts import operations

    make_user(email="taro@example.jp")  # what the other request has just committed
    looked_up = []
    original = operations.find_by_email

    def not_yet_the_first_time(email):
        looked_up.append(email)
        return None if len(looked_up) == 1 else original(email)

    monkeypatch.setattr(operations, "find_by_email", not_yet_the_first_time)
    response = signup(client)

    assert response.status_code == 200
    assert "taro@example.jp" in response.get_data(as_text=True)
    assert len(looked_up) == 2
    assert len(users(app)) == 1
    [mail] = mails("taro@example.jp")
    assert "ログイン" in mail.body and "/account/verify/" not in mail.body


def test_a_verification_link_that_is_tampered_with_is_refused(app, client, mails):
    signup(client)
    link = link_in(mails()[0].body)
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "このリンクは使えません" in response.get_data(as_text=True)
    assert users(app)[0].email_verified_at is None


def test_bad_input_is_explained_and_nothing_is_stored(app, client):
    cases = {
        "email": ("not-an-address", "有効なメールアドレス"),
        "password": ("short", "10"),
        "password_again": ("something-else", "一致しません"),
        "name": ("x" * 101, "100"),
    }
    for field, (value, message) in cases.items():
        changes = {field: value}
        if field == "password":
            changes["password_again"] = value
        response = signup(client, **changes)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, field
        assert message in text, field
        assert 'aria-invalid="true"' in text and 'href="#' + field in text
    assert users(app) == []


def test_script_and_nul_in_the_name(app, client):
    response = signup(client, name="<script>alert(1)</script>\x00")
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "使用できない文字" in text
    assert users(app) == []


def test_a_post_without_token_keeps_what_was_typed(app, client):
    response = client.post("/signup", data={**FORM, "name": "入力した名前"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="入力した名前"' in text and 'value="taro@example.jp"' in text
    assert "a-long-password" not in text  # passwords are never echoed
    assert "もう一度送信" in text
    assert users(app) == []
