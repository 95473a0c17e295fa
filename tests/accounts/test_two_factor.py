"""Two-factor sign-in (TOTP, RFC 6238): enrolment by QR code, sign-in with a code that works once,
recovery codes shown once and stored hashed, the secretariat's audited reset, and enrolment
required of staff and partners where TWO_FACTOR_REQUIRED is on (production)."""
import re
import time
from types import SimpleNamespace

import pyotp
import pytest
import segno
from sqlalchemy import select

from support import PASSWORD, csrf_token, login
from portal.accounts import two_factor
from portal.accounts.models import RecoveryCode, User
from portal.core.audit import AuditEntry
from portal.core.extensions import db


@pytest.fixture
def clock(monkeypatch):
    """The authenticator app's clock and the portal's, moved on by the test (a code works once
    per 30-second step, so a test that signs in twice moves to the next step)."""
    now = [time.time()]
    monkeypatch.setattr(two_factor, "time", SimpleNamespace(time=lambda: now[0]))

    def code(secret: str) -> str:
        return pyotp.TOTP(secret).at(now[0])

    def tick(seconds: float = 30) -> None:
        now[0] += seconds

    return SimpleNamespace(code=code, tick=tick)


def _secret(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).totp_secret


def _enrol(app, client, user_id: int, clock) -> list[str]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret(app, user_id)
    assert secret and " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    response = client.post("/account/two-factor", data={"enrol-csrf_token": csrf_token(client, "/account/two-factor"),
                                                        "enrol-code": clock.code(secret)})
    assert response.status_code == 200
    return re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.get_data(as_text=True))


def _password(client, email: str, password: str = PASSWORD, next_page: str | None = None):
    query = {"next": next_page} if next_page else {}
    return client.post("/login", query_string=query,
                       data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")})


def _code(client, code: str):
    return client.post("/login/second-factor", data={"code": code,
                                                     "csrf_token": csrf_token(client, "/login/second-factor")})


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "users", AuditEntry.object_id == user_id).order_by(AuditEntry.id)))


def test_enrolment_by_qr_code_and_recovery_codes_shown_once(app, client, make_user, clock, mails):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    login(client, user_id)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret(app, user_id)
    uri = pyotp.TOTP(secret).provisioning_uri(name="reviewer@example.jp", issuer_name=two_factor.ISSUER)
    assert segno.make(uri, error="m").svg_data_uri(scale=4, border=2) in page  # the QR code encodes it
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret[:4]) >= 1
    assert _secret(app, user_id) == secret  # reloading keeps the same secret

    wrong = client.post("/account/two-factor", data={"enrol-csrf_token": csrf_token(client, "/account/two-factor"),
                                                     "enrol-code": "000000"})
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, user_id).two_factor_enabled

    codes = _enrol(app, client, user_id, clock)
    assert len(codes) == len(set(codes)) == 10
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.two_factor_enabled
        stored = list(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)))
    assert len(stored) == 10 and not any(code.replace("-", "") in "".join(stored) for code in codes)
    assert "user.second_factor_enabled" in _actions(app, user_id)
    assert len(mails("reviewer@example.jp")) == 1
    assert _signed_in(client)  # the browser that enrolled stays signed in
    assert "<code>" not in client.get("/account/two-factor").get_data(as_text=True)  # never shown again


def test_signing_in_needs_the_code_and_a_code_works_once(app, make_user, clock):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    _enrol(app, setup, user_id, clock)
    secret = _secret(app, user_id)

    client = app.test_client()
    response = _password(client, "reviewer@example.jp", next_page="/staff/review/")
    assert response.status_code == 302 and response.headers["Location"] == "/login/second-factor"
    assert not _signed_in(client)  # the password alone signs nobody in
    assert _code(client, clock.code(secret)).status_code == 200  # the enrolment's code, used already
    clock.tick()
    response = _code(client, clock.code(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/staff/review/"
    assert _signed_in(client)

    replay = app.test_client()  # the same code, seen over a shoulder, a second later
    _password(replay, "reviewer@example.jp")
    assert _code(replay, clock.code(secret)).status_code == 200
    assert not _signed_in(replay)
    clock.tick()
    assert _code(replay, "  " + clock.code(secret).translate(str.maketrans("0123456789", "０１２３４５６７８９")))\
        .status_code == 302  # typed in full-width digits with spaces


def test_a_wrong_password_never_reaches_the_code_page(app, client, make_user, clock):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    login(client, user_id)
    _enrol(app, client, user_id, clock)
    other = app.test_client()
    assert _password(other, "reviewer@example.jp", "wrong-password").status_code == 200
    assert other.get("/login/second-factor").headers["Location"] == "/login"


def test_the_code_page_forgets_a_password_after_five_minutes(app, make_user, clock):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    _enrol(app, setup, user_id, clock)
    secret = _secret(app, user_id)
    client = app.test_client()
    _password(client, "reviewer@example.jp")
    token = csrf_token(client, "/login/second-factor")
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "at": session["pending_sign_in"]["at"] - 301}
    clock.tick()
    response = client.post("/login/second-factor", data={"code": clock.code(secret), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_wrong_codes_are_throttled_like_wrong_passwords(app, make_user, clock):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    _enrol(app, setup, user_id, clock)
    client = app.test_client()
    _password(client, "reviewer@example.jp")
    token = csrf_token(client, "/login/second-factor")
    answers = [client.post("/login/second-factor", data={"code": f"{n:06d}", "csrf_token": token}).status_code
               for n in range(11)]
    assert answers == [200] * 10 + [429]


def test_a_recovery_code_signs_in_once_and_the_user_is_told(app, make_user, clock, mails):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    codes = _enrol(app, setup, user_id, clock)
    client = app.test_client()
    _password(client, "reviewer@example.jp")
    response = _code(client, codes[0].upper().replace("-", " "))  # as read out over the phone
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert _signed_in(client)
    assert "9" in mails("reviewer@example.jp")[-1].body  # nine left
    again = app.test_client()
    _password(again, "reviewer@example.jp")
    assert _code(again, codes[0]).status_code == 200 and not _signed_in(again)
    assert "user.recovery_code_used" in _actions(app, user_id)


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user, clock):
    user_id = make_user(email="hanako@example.jp")
    login(client, user_id)
    old = _enrol(app, client, user_id, clock)
    clock.tick()
    response = client.post("/account/two-factor/recovery-codes", data={
        "codes-csrf_token": csrf_token(client, "/account/two-factor"), "codes-code": clock.code(_secret(app, user_id))})
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    _password(other, "hanako@example.jp")
    assert _code(other, old[1]).status_code == 200 and not _signed_in(other)
    assert _code(other, new[1]).status_code == 302


def test_an_applicant_may_turn_it_off_but_staff_where_required_may_not(app, make_user, clock, monkeypatch):
    applicant = make_user(email="hanako@example.jp")
    client = app.test_client()
    login(client, applicant)
    _enrol(app, client, applicant, clock)
    clock.tick()
    response = client.post("/account/two-factor/disable", data={
        "disable-csrf_token": csrf_token(client, "/account/two-factor"),
        "disable-code": clock.code(_secret(app, applicant))})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, applicant).two_factor_enabled
    assert _password(app.test_client(), "hanako@example.jp").headers["Location"] == "/organisation"

    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    reviewer = make_user("reviewer", email="reviewer@example.jp")
    staff = app.test_client()
    login(staff, reviewer)
    _enrol(app, staff, reviewer, clock)
    assert "two-factor/disable" not in staff.get("/account/two-factor").get_data(as_text=True)
    clock.tick()
    staff.post("/account/two-factor/disable", data={"disable-csrf_token": csrf_token(staff, "/account/two-factor"),
                                                    "disable-code": clock.code(_secret(app, reviewer))})
    with app.app_context():
        assert db.session.get(User, reviewer).two_factor_enabled


def test_the_secretariat_resets_a_lost_second_factor(app, make_user, clock, mails, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    reviewer = make_user("reviewer", email="reviewer@example.jp")
    phone = app.test_client()
    login(phone, reviewer)
    _enrol(app, phone, reviewer, clock)
    secretariat_id = make_user("secretariat", email="office@example.jp")
    office = app.test_client()
    login(office, secretariat_id)
    _enrol(app, office, secretariat_id, clock)
    assert f"/staff/users/{reviewer}/second-factor/reset" in office.get("/staff/users/").get_data(as_text=True)
    response = office.post(f"/staff/users/{reviewer}/second-factor/reset",
                           data={"csrf_token": csrf_token(office, "/staff/users/")})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, reviewer)
        assert not user.two_factor_enabled and user.totp_secret is None
        assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == reviewer)) == 0
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.second_factor_reset"))
        assert entry.actor_id == secretariat_id and entry.object_id == reviewer
    assert not _signed_in(phone)  # their sessions ended
    assert len(mails("reviewer@example.jp")) == 2  # enabled, then reset
    # At the next sign-in the password is enough to reach the enrolment page, and nothing else.
    client = app.test_client()
    assert _password(client, "reviewer@example.jp").status_code == 302
    assert client.get("/staff/review/").headers["Location"].endswith("/account/two-factor")


def test_the_secretariat_cannot_reset_its_own_second_factor(app, make_user, clock):
    secretariat_id = make_user("secretariat")
    client = app.test_client()
    login(client, secretariat_id)
    _enrol(app, client, secretariat_id, clock)
    client.post(f"/staff/users/{secretariat_id}/second-factor/reset", data={"csrf_token": csrf_token(client, "/account")})
    with app.app_context():
        assert db.session.get(User, secretariat_id).two_factor_enabled


def test_a_reviewer_cannot_reset_anyones_second_factor(app, make_user, clock):
    target = make_user("partner", partner="bank-x")
    setup = app.test_client()
    login(setup, target)
    _enrol(app, setup, target, clock)
    reviewer = app.test_client()
    login(reviewer, make_user("reviewer"))
    response = reviewer.post(f"/staff/users/{target}/second-factor/reset",
                             data={"csrf_token": csrf_token(reviewer, "/account")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, target).two_factor_enabled


def test_production_requires_it_and_development_does_not(app, make_user, monkeypatch):
    from portal import config

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("TWO_FACTOR_REQUIRED", raising=False)
    assert config.from_environment("/tmp")["TWO_FACTOR_REQUIRED"] is True
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert config.from_environment("/tmp")["TWO_FACTOR_REQUIRED"] is False
    client = app.test_client()  # the demo's staff sign in with the password alone
    make_user("secretariat", email="secretariat@example.jp")
    assert _password(client, "secretariat@example.jp").status_code == 302
    assert client.get("/staff/users/").status_code == 200


def test_a_lost_phone_is_replaced_after_a_recovery_code(app, make_user, clock, mails, monkeypatch):
    """Staff who must use two-step sign-in and lost their phone sign in with a recovery code and
    set the app up on a new phone themselves (no code from the lost phone can be asked for)."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    codes = _enrol(app, setup, user_id, clock)
    old_secret = _secret(app, user_id)

    client = app.test_client()
    _password(client, "reviewer@example.jp")
    _code(client, codes[0])
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'action="/account/two-factor/new-phone"' in page
    response = client.post("/account/two-factor/new-phone", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    assert response.status_code == 302
    assert client.get("/staff/review/").headers["Location"].endswith("/account/two-factor")  # enrol first
    assert not _signed_in(setup)  # every other session ended
    new_codes = _enrol(app, client, user_id, clock)
    assert _secret(app, user_id) != old_secret and len(new_codes) == 10
    assert client.get("/staff/review/").status_code == 200
    other = app.test_client()
    _password(other, "reviewer@example.jp")
    assert _code(other, codes[1]).status_code == 200 and not _signed_in(other)  # old recovery codes gone
    assert "user.second_factor_restarted" in _actions(app, user_id)


def test_a_session_not_signed_in_with_a_recovery_code_cannot_drop_the_second_factor(app, client, make_user, clock):
    user_id = make_user("reviewer", email="reviewer@example.jp")
    login(client, user_id)
    _enrol(app, client, user_id, clock)
    assert "new-phone" not in client.get("/account/two-factor").get_data(as_text=True)
    client.post("/account/two-factor/new-phone", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    with app.app_context():
        assert db.session.get(User, user_id).two_factor_enabled


def test_wrong_codes_from_many_clients_send_the_guesser_back_to_the_password(app, make_user, clock, monkeypatch):
    """Whoever has the password cannot share the code guessing out among many clients."""
    monkeypatch.setitem(app.config, "SECOND_FACTOR_FAILURES_PER_ACCOUNT", "3 per hour")
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    _enrol(app, setup, user_id, clock)
    secret = _secret(app, user_id)
    for number in range(3):
        guesser = app.test_client()
        where = {"REMOTE_ADDR": f"198.51.100.{number + 1}"}
        guesser.post("/login", data={"email": "reviewer@example.jp", "password": PASSWORD,
                                     "csrf_token": csrf_token(guesser, "/login")}, environ_base=where)
        assert guesser.post("/login/second-factor", environ_base=where, data={
            "code": "000000", "csrf_token": csrf_token(guesser, "/login/second-factor")}).status_code == 200
    guesser = app.test_client()
    _password(guesser, "reviewer@example.jp")
    token = csrf_token(guesser, "/login")
    clock.tick()
    response = guesser.post("/login/second-factor", data={"code": clock.code(secret), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _signed_in(guesser)


def test_the_same_code_on_two_servers_at_once_signs_in_once(app, make_user, clock):
    """Each request loaded the account before the other recorded the code: the database decides."""
    user_id = make_user("reviewer", email="reviewer@example.jp")
    setup = app.test_client()
    login(setup, user_id)
    _enrol(app, setup, user_id, clock)
    clock.tick()
    with app.app_context():
        secret = db.session.get(User, user_id).totp_secret
    first_ctx, second_ctx = app.app_context(), app.app_context()
    with first_ctx:
        first_user = db.session.get(User, user_id)
        with second_ctx:
            second_user = db.session.get(User, user_id)
            db.session.rollback()  # its read is done; the row is not held
        results = [two_factor.verify(first_user, clock.code(secret))]
        db.session.commit()
    with second_ctx:
        second_user = db.session.merge(second_user, load=False)
        results.append(two_factor.verify(second_user, clock.code(secret)))
        db.session.commit()
    assert sorted(map(str, results)) == ["None", "totp"]
