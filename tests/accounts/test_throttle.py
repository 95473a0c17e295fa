"""Failed sign-ins are throttled so that a stranger cannot lock an owner out and a busy office
never meets a limit: only failures count (per address and client, and per client), refused
answers count against nothing, the numbers are settings, the 429 page gives the real wait, and
the owner is told once when an address sees many failures."""
import math
import re

import pytest

from support import PASSWORD, csrf_token

OFFICE = {"REMOTE_ADDR": "203.0.113.10"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def _sign_in(client, email: str, password: str, client_address: dict = OFFICE, token: str | None = None):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token or csrf_token(client, "/login")},
                       environ_base=client_address)


def test_a_deadline_rush_from_one_office_is_never_refused(app, make_user):
    """Sixty applicants signing in from one address (an office, a NAT) were refused with 429:
    successful sign-ins counted. Now a hundred within a minute all get in."""
    emails = [f"staff{n}@example.jp" for n in range(20)]
    for email in emails:
        make_user(email=email)
    for round_ in range(5):
        for email in emails:
            browser = app.test_client()
            response = _sign_in(browser, email, PASSWORD)
            assert response.status_code == 302, (round_, email)
            assert browser.get("/account").status_code == 200


def test_the_eleventh_wrong_password_from_one_client_is_refused_but_the_owner_elsewhere_signs_in(app, make_user):
    make_user(email="hanako@example.jp")
    attacker = app.test_client()
    token = csrf_token(attacker, "/login")
    for _ in range(10):
        assert _sign_in(attacker, "hanako@example.jp", "wrong-password", token=token).status_code == 200
    refused = _sign_in(attacker, "hanako@example.jp", "wrong-password", token=token)
    assert refused.status_code == 429
    assert _sign_in(attacker, "hanako@example.jp", PASSWORD, token=token).status_code == 429
    # The owner, somewhere else, is not locked out (the targeted lock-out is gone).
    owner = app.test_client()
    assert _sign_in(owner, "hanako@example.jp", PASSWORD, ELSEWHERE).status_code == 302


def test_refused_answers_count_against_nothing(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURES_PER_CLIENT", "15 per hour")
    make_user(email="hanako@example.jp")
    make_user(email="taro@example.jp")
    client = app.test_client()
    token = csrf_token(client, "/login")
    for _ in range(10):
        _sign_in(client, "hanako@example.jp", "wrong-password", token=token)
    for _ in range(20):  # hammering on: every answer refused, none counted
        assert _sign_in(client, "hanako@example.jp", "wrong-password", token=token).status_code == 429
    for _ in range(5):  # the client's allowance (15) still has 5 failures left
        assert _sign_in(client, "taro@example.jp", "wrong-password", token=token).status_code == 200
    assert _sign_in(client, "taro@example.jp", "wrong-password", token=token).status_code == 429


def test_one_client_guessing_many_addresses_is_stopped(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURES_PER_CLIENT", "5 per hour")
    client = app.test_client()
    token = csrf_token(client, "/login")
    answers = [_sign_in(client, f"guess{n}@example.jp", "wrong-password", token=token).status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert _sign_in(app.test_client(), "guess9@example.jp", "wrong-password", ELSEWHERE).status_code == 200


def test_the_limits_are_settings(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURES_PER_ADDRESS", "3 per 15 minutes")
    make_user(email="hanako@example.jp")
    client = app.test_client()
    token = csrf_token(client, "/login")
    answers = [_sign_in(client, "hanako@example.jp", "wrong", token=token).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_refusal_page_states_the_real_wait(app, make_user):
    make_user(email="hanako@example.jp")
    client = app.test_client()
    token = csrf_token(client, "/login")
    for _ in range(10):
        _sign_in(client, "hanako@example.jp", "wrong-password", token=token)
    response = _sign_in(client, "hanako@example.jp", "wrong-password", token=token)
    assert response.status_code == 429
    minutes = math.ceil(int(response.headers["Retry-After"]) / 60)
    assert 14 <= minutes <= 15  # the 15-minute window, not "an hour" nor "a few minutes"
    page = response.get_data(as_text=True)
    assert re.search(rf"{minutes}\s*分", page), page
    assert "/password/forgot" in page


def test_the_owner_is_told_once_when_the_address_sees_many_failures(app, make_user, mails, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_FAILURE_ALERT", "5 per day")
    make_user(email="hanako@example.jp")
    for number in range(4):  # eight failures from four places: nobody is locked out
        somewhere = {"REMOTE_ADDR": f"192.0.2.{number + 1}"}
        client = app.test_client()
        token = csrf_token(client, "/login")
        for _ in range(2):
            assert _sign_in(client, "hanako@example.jp", "wrong-password", somewhere, token).status_code == 200
    alerts = [mail for mail in mails("hanako@example.jp") if "/password/forgot" in mail.body]
    assert len(alerts) == 1
    assert "ロックされていません" in alerts[0].body or "not locked" in alerts[0].body
    for number in range(6):  # an address without an account: nobody to tell
        _sign_in(app.test_client(), "nobody@example.jp", "wrong-password", {"REMOTE_ADDR": f"192.0.2.{number + 50}"})
    assert mails("nobody@example.jp") == []


def _change_password(client, current: str, token: str):
    return client.post("/account/password", data={
        "pw-csrf_token": token, "pw-current_password": current, "pw-password": "a-new-long-passphrase",
        "pw-password_again": "a-new-long-passphrase"}, environ_base=OFFICE)


def test_the_password_change_is_limited_like_sign_in(app, make_user):
    """Someone at an unlocked screen cannot guess the current password without end."""
    from support import login

    client = app.test_client()
    login(client, make_user(email="hanako@example.jp"))
    token = csrf_token(client, "/account")
    for _ in range(10):
        assert _change_password(client, "wrong-password", token).status_code == 200
    assert _change_password(client, "wrong-password", token).status_code == 429
    assert _change_password(client, PASSWORD, token).status_code == 429


@pytest.mark.parametrize("path", ["/signup", "/password/forgot"])
def test_sign_up_and_reset_requests_stay_limited_per_client(app, path):
    client = app.test_client()
    token = csrf_token(client, path)
    limit = {"/signup": 20, "/password/forgot": 10}[path]
    codes = [client.post(path, data={"csrf_token": token, "email": f"x{n}@example.jp"}).status_code
             for n in range(limit + 1)]
    assert 429 not in codes[:limit] and codes[limit] == 429
