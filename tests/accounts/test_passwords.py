"""Password rules (NIST SP 800-63B): at least 10 characters, not a common password, not the
e-mail address; no composition rules. Every way of setting a password applies them."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from support import PASSWORD, csrf_token, link_in, login
from portal.accounts import passwords
from portal.accounts.models import User
from portal.core.extensions import db

SIGN_UP = {"name": "熊本 太郎", "email": "taro@example.jp", "agree": "y"}


def _message(app, key: str) -> str:
    """A rule's message as the portal says it in Japanese (whether or not its catalogue has it yet)."""
    with app.test_request_context(), force_locale("ja"):
        return str(passwords.MESSAGES[key])


def sign_up(client, password: str, **changes):
    data = {**SIGN_UP, **changes, "password": password, "password_again": password,
            "csrf_token": csrf_token(client, "/signup")}
    return client.post("/signup", data=data)


def accounts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_the_common_list_is_zxcvbns_and_is_read_once():
    common = passwords.common_passwords()
    assert {"password12", "password123", "qwertyuiop"} <= common
    assert len(common) > 25_000
    assert passwords.common_passwords() is common
    assert PASSWORD not in common  # the tests' own password is a fine one


@pytest.mark.parametrize("password", ["password12", "PassWord123", "QWERTYUIOP"])
def test_sign_up_with_a_common_password_is_refused(app, client, mails, password):
    response = sign_up(client, password)
    assert response.status_code == 200
    assert _message(app, "common") in response.get_data(as_text=True)
    assert accounts(app) == 0 and mails() == []


def test_sign_up_with_the_address_in_the_password_is_refused(app, client, mails):
    for password in ("taro@example.jp!!", "TARO-kumamoto-1985"):
        response = sign_up(client, password)
        assert _message(app, "email") in response.get_data(as_text=True)
    # A local part under 4 characters is not looked for (it would refuse good passwords by chance)…
    assert sign_up(client, "abe-no-seimei-sama", email="abe@example.jp").status_code == 200
    assert accounts(app) == 1
    # …but the whole address still is.
    response = sign_up(app.test_client(), "my-abe@example.jp-pass", email="abe@example.jp")
    assert _message(app, "email") in response.get_data(as_text=True)


def test_a_short_password_is_refused(app, client):
    response = sign_up(client, "kumamoto9")
    assert _message(app, "length") in response.get_data(as_text=True)
    assert accounts(app) == 0


@pytest.mark.parametrize("password", [PASSWORD, "くまもと城の石垣と湧き水", "aso caldera sunrise walk"])
def test_a_good_passphrase_is_accepted(app, client, mails, password):
    response = sign_up(client, password)
    assert response.status_code == 200 and "taro@example.jp" in response.get_data(as_text=True)
    assert accounts(app) == 1
    with app.app_context():
        assert db.session.scalar(select(User)).check_password(password)


def test_the_sign_up_page_says_the_rules(app, client):
    with app.test_request_context(), force_locale("ja"):
        hint = str(passwords.HINT)
    assert hint in client.get("/signup").get_data(as_text=True)


def test_changing_the_password_to_the_address_plus_digits_is_refused(app, client, make_user):
    user_id = make_user(email="hanako@example.jp")
    login(client, user_id)
    token = csrf_token(client, "/account")
    data = {"pw-current_password": PASSWORD, "pw-password": "hanako20240401", "pw-password_again": "hanako20240401",
            "pw-csrf_token": token}
    response = client.post("/account/password", data=data)
    assert response.status_code == 200
    assert _message(app, "email") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).check_password(PASSWORD)

    data.update({"pw-password": "spring-rain-on-aso", "pw-password_again": "spring-rain-on-aso"})
    assert client.post("/account/password", data=data).status_code == 302


def test_a_reset_to_a_common_password_is_refused(app, client, make_user, mails):
    user_id = make_user(email="hanako@example.jp")
    client.post("/password/forgot", data={"email": "hanako@example.jp",
                                          "csrf_token": csrf_token(client, "/password/forgot")})
    path = link_in(mails("hanako@example.jp")[-1].body)
    token = csrf_token(client, path)
    response = client.post(path, data={"password": "password123", "password_again": "password123", "csrf_token": token})
    assert response.status_code == 200
    assert _message(app, "common") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).check_password(PASSWORD)
    # The link is still good for a better password.
    response = client.post(path, data={"password": "spring-rain-on-aso", "password_again": "spring-rain-on-aso",
                                       "csrf_token": token})
    assert response.status_code == 302


def test_a_reset_to_a_password_containing_the_address_is_refused(app, client, make_user, mails):
    user_id = make_user(email="hanako@example.jp")
    client.post("/password/forgot", data={"email": "hanako@example.jp",
                                          "csrf_token": csrf_token(client, "/password/forgot")})
    path = link_in(mails("hanako@example.jp")[-1].body)
    response = client.post(path, data={"password": "Hanako-2026!", "password_again": "Hanako-2026!",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert _message(app, "email") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).check_password(PASSWORD)


def test_the_reset_form_refuses_the_address_it_is_given(app, monkeypatch):
    """The reset page knows whose password it sets: given the address, the form refuses it."""
    from werkzeug.datastructures import MultiDict

    from portal.accounts.forms import ResetPasswordForm

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    with app.test_request_context(method="POST"), force_locale("ja"):
        data = MultiDict({"password": "hanako-new-pass", "password_again": "hanako-new-pass"})
        form = ResetPasswordForm(formdata=data, email="hanako@example.jp")
        assert not form.validate()
        assert form.password.errors == [str(passwords.MESSAGES["email"])]
        assert ResetPasswordForm(formdata=data, email="taro@example.jp").validate()


@pytest.mark.parametrize(("password", "said"), [
    ("password123", "most common passwords"),
    ("boss-of-the-secretariat", "must not contain the e-mail address"),
    ("short", "at least 10 characters"),
])
def test_users_create_refuses_a_weak_password(app, runner, password, said):
    result = runner.invoke(args=["users", "create", "boss@example.jp", "--name", "事務局長",
                                 "--role", "secretariat", "--password", password])
    assert result.exit_code != 0
    assert said in result.output
    assert accounts(app) == 0
