"""Signing in, throttling, password reset by a single-use expiring link, the profile."""
import time

import itsdangerous
from sqlalchemy import select

from support import PASSWORD, csrf_token, link_in, login, login_with_form
from portal.accounts.models import User
from portal.core.extensions import db


def test_sign_in_and_out(client, make_user):
    make_user(email="hanako@example.jp")
    response = login_with_form(client, "hanako@example.jp")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part(client, make_user):
    make_user(email="hanako@example.jp")
    response = login_with_form(client, "hanako@example.jp", "wrong-password")
    assert response.status_code == 200
    assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)
    response = login_with_form(client, "nobody@example.jp", "wrong-password")
    assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)


def test_ten_wrong_passwords_are_throttled(client, make_user):
    make_user(email="hanako@example.jp")
    for _ in range(10):
        assert login_with_form(client, "hanako@example.jp", "wrong-password").status_code == 200
    response = login_with_form(client, "hanako@example.jp", "wrong-password")
    assert response.status_code == 429
    assert "試行回数が多すぎます" in response.get_data(as_text=True)
    # Even the right password waits now: the throttle protects the account.
    assert login_with_form(client, "hanako@example.jp").status_code == 429


def test_a_deactivated_account_cannot_sign_in(app, client, make_user):
    user_id = make_user(email="hanako@example.jp")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert login_with_form(client, "hanako@example.jp").status_code == 200


def test_next_only_goes_to_this_site(client, make_user):
    make_user(email="hanako@example.jp")
    token = csrf_token(client, "/login")
    response = client.post("/login?next=//evil.example/", data={"email": "hanako@example.jp", "password": PASSWORD,
                                                                "csrf_token": token})
    assert response.headers["Location"] == "/organisation"


def _request_reset(client, email):
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def _reset(client, path, password):
    token = csrf_token(client, path)
    return client.post(path, data={"password": password, "password_again": password, "csrf_token": token})


def test_password_reset_works_once(app, client, make_user, mails):
    make_user(email="hanako@example.jp")
    assert _request_reset(client, "hanako@example.jp").status_code == 200
    path = link_in(mails("hanako@example.jp")[-1].body)
    assert _reset(client, path, "a-brand-new-password").status_code == 302
    assert login_with_form(client, "hanako@example.jp", "a-brand-new-password").status_code == 302
    assert "パスワードが変更されました" in mails("hanako@example.jp")[-1].subject

    reused = client.get(path)
    assert reused.status_code == 400
    assert "このリンクは使えません" in reused.get_data(as_text=True)


def test_an_expired_reset_link_is_refused(app, client, make_user, mails, monkeypatch):
    make_user(email="hanako@example.jp")
    real = itsdangerous.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3700)
    _request_reset(client, "hanako@example.jp")
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", real)
    path = link_in(mails("hanako@example.jp")[-1].body)
    assert client.get(path).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User)).check_password(PASSWORD)


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mails):
    response = _request_reset(client, "nobody@example.jp")
    assert response.status_code == 200
    assert "nobody@example.jp" in response.get_data(as_text=True)
    assert mails() == []


def test_profile_changes_name_and_language(app, client, make_user):
    user_id = make_user()
    login(client, user_id)
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"name": "New Name", "locale": "en", "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in page and "Your account" in page
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.locale) == ("New Name", "en")


def test_changing_the_password_needs_the_current_one(app, client, make_user):
    user_id = make_user()
    login(client, user_id)
    token = csrf_token(client, "/account")
    data = {"pw-current_password": "not-it-at-all", "pw-password": "another-long-one",
            "pw-password_again": "another-long-one", "pw-csrf_token": token}
    response = client.post("/account/password", data=data)
    assert "現在のパスワードが正しくありません" in response.get_data(as_text=True)
    data["pw-current_password"] = PASSWORD
    assert client.post("/account/password", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).check_password("another-long-one")
