"""Sessions that end: a cookie copied before sign-out, a password change, a reset or "sign out of
all other devices" is anonymous afterwards — on this server and on another one sharing the
database — and sign-out deletes the "keep me signed in" cookie."""
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from support import PASSWORD, csrf_token, link_in, login_with_form
from portal import create_app
from portal.accounts.models import User
from portal.core.audit import AuditEntry
from portal.core.extensions import db

REMEMBER = "remember_token"


def _cookies(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def _replay(app, cookies: dict[str, str]):
    """A fresh browser holding a copy of `cookies`, as an attacker who copied them would."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def _signed_in(browser) -> bool:
    response = browser.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    return False


def _sign_in(client, email: str, remember: bool = False):
    token = csrf_token(client, "/login")
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return _cookies(client)


def test_a_session_works_on_both_servers(app, client, second_server, make_user):
    make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp")
    assert _signed_in(_replay(app, copied)) and _signed_in(_replay(second_server, copied))


def test_signing_out_ends_the_copied_session_everywhere(app, client, second_server, make_user):
    make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp")
    other_device = _replay(second_server, _sign_in(app.test_client(), "hanako@example.jp"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert not _signed_in(client)
    assert not _signed_in(_replay(app, copied))
    assert not _signed_in(_replay(second_server, copied))
    assert not _signed_in(other_device)  # signing out ends every session of the account


def test_signing_out_deletes_the_remember_cookie_and_it_no_longer_signs_in(app, client, second_server, make_user):
    """The defect: logout() cleared the session after logout_user(), erasing Flask-Login's marker
    that deletes the remember cookie; the next request signed the user in again, for a year."""
    make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp", remember=True)
    assert REMEMBER in copied
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    deleted = [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{REMEMBER}=")]
    assert deleted and ("Expires=Thu, 01 Jan 1970" in deleted[0] or "Max-Age=0" in deleted[0])
    assert REMEMBER not in _cookies(client)
    assert not _signed_in(client)
    # The remember cookie alone (the session cookie gone, as after closing the browser).
    for server in (app, second_server):
        assert not _signed_in(_replay(server, {REMEMBER: copied[REMEMBER]}))


def test_a_remember_cookie_lasts_thirty_days_not_a_year(client, make_user):
    make_user(email="hanako@example.jp")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": token,
                                           "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER}="))
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert timedelta(days=29) < expires - datetime.now(timezone.utc) <= timedelta(days=30)
    assert "HttpOnly" in header


def test_a_password_change_ends_every_other_session(app, client, second_server, make_user, mails):
    make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp", remember=True)
    phone = _replay(second_server, _sign_in(app.test_client(), "hanako@example.jp"))
    token = csrf_token(client, "/account")
    response = client.post("/account/password", data={
        "pw-csrf_token": token, "pw-current_password": PASSWORD, "pw-password": "a-new-long-passphrase",
        "pw-password_again": "a-new-long-passphrase"})
    assert response.status_code == 302
    assert _signed_in(client)  # the browser that changed it stays signed in, with a new session
    assert not _signed_in(phone)
    for server in (app, second_server):
        assert not _signed_in(_replay(server, copied))
        assert not _signed_in(_replay(server, {REMEMBER: copied[REMEMBER]}))
    assert mails("hanako@example.jp")[-1].subject.endswith(("パスワードが変更されました", "Your password was changed"))


def test_a_password_reset_ends_every_session(app, client, second_server, make_user, mails):
    make_user(email="hanako@example.jp")
    copied = _sign_in(app.test_client(), "hanako@example.jp", remember=True)
    client.post("/password/forgot", data={"email": "hanako@example.jp", "csrf_token": csrf_token(client, "/password/forgot")})
    link = link_in(mails("hanako@example.jp")[-1].body)
    response = client.post(link, data={"csrf_token": csrf_token(client, link), "password": "a-new-long-passphrase",
                                       "password_again": "a-new-long-passphrase"})
    assert response.status_code == 302
    for server in (app, second_server):
        assert not _signed_in(_replay(server, copied))
        assert not _signed_in(_replay(server, {REMEMBER: copied[REMEMBER]}))


def test_signing_out_of_all_other_devices(app, client, second_server, make_user):
    user_id = make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp", remember=True)
    office = _replay(second_server, _sign_in(app.test_client(), "hanako@example.jp", remember=True))
    assert 'action="/account/sessions/end"' in client.get("/account").get_data(as_text=True)
    response = client.post("/account/sessions/end", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(office)
    for server in (app, second_server):
        assert not _signed_in(_replay(server, copied))
        assert not _signed_in(_replay(server, {REMEMBER: copied[REMEMBER]}))
    with app.app_context():
        reasons = [entry.changes["reason"] for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.sessions_ended", AuditEntry.object_id == user_id))]
    assert reasons == ["all_devices"]


def test_deactivating_an_account_ends_its_sessions(app, client, make_user):
    from support import login

    user_id = make_user(email="hanako@example.jp")
    copied = _sign_in(client, "hanako@example.jp")
    secretariat = app.test_client()
    login(secretariat, make_user("secretariat"))
    token = csrf_token(secretariat, "/staff/users/")
    secretariat.post(f"/staff/users/{user_id}/active", data={"csrf_token": token, "active": "0"})
    with app.app_context():
        assert db.session.get(User, user_id).active is False
    assert not _signed_in(_replay(app, copied))


def test_a_cookie_from_before_session_tokens_no_longer_signs_in(app, make_user):
    """Sessions issued before this change named the user id alone."""
    user_id = make_user(email="hanako@example.jp")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert not _signed_in(browser)
