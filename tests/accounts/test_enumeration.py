"""Nobody learns which addresses have an account from how long an answer takes: sign-in,
sign-up and the password-reset request do the same hashing work for known and unknown
addresses, and their mails are only queued, sent after the answer has been written."""
import pytest
from sqlalchemy import select

from support import csrf_token
from portal.accounts import models
from portal.core.extensions import db
from portal.core.outbox import MailState, OutboxMail


@pytest.fixture
def hashing(monkeypatch):
    """Counts of scrypt work: password hashes made and checked."""
    counts = {"made": 0, "checked": 0}
    make, check = models.generate_password_hash, models.check_password_hash

    def counted_make(*args, **kwargs):
        counts["made"] += 1
        return make(*args, **kwargs)

    def counted_check(*args, **kwargs):
        counts["checked"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(models, "generate_password_hash", counted_make)
    monkeypatch.setattr(models, "check_password_hash", counted_check)
    models.password_matches("", "warm the dummy hash up")  # made once per process
    counts.update(made=0, checked=0)
    return counts


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_sign_in_hashes_for_an_unknown_address_too(client, make_user, hashing):
    make_user(email="hanako@example.jp")
    _post(client, "/login", {"email": "hanako@example.jp", "password": "wrong-password"})
    known = dict(hashing)
    hashing.update(made=0, checked=0)
    _post(client, "/login", {"email": "nobody@example.jp", "password": "wrong-password"})
    assert known == hashing == {"made": 0, "checked": 1}


def test_a_deactivated_account_is_refused_after_the_same_work(app, client, make_user, hashing):
    user_id = make_user(email="hanako@example.jp")
    with app.app_context():
        db.session.get(models.User, user_id).active = False
        db.session.commit()
    from support import PASSWORD

    response = _post(client, "/login", {"email": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 200 and hashing == {"made": 0, "checked": 1}


def test_sign_up_hashes_for_a_known_address_too(client, make_user, hashing, mails):
    make_user(email="hanako@example.jp")
    form = {"name": "花子", "password": "a-long-passphrase-here", "password_again": "a-long-passphrase-here",
            "agree": "y"}
    known = _post(client, "/signup", {**form, "email": "hanako@example.jp"})
    counts_known = dict(hashing)
    hashing.update(made=0, checked=0)
    unknown = _post(client, "/signup", {**form, "email": "newcomer@example.jp"})
    assert counts_known == hashing == {"made": 1, "checked": 0}
    assert known.status_code == unknown.status_code == 200
    assert len(mails("hanako@example.jp")) == 1  # the owner is told someone tried
    assert len(mails("newcomer@example.jp")) == 1  # the verification link


def test_an_unknown_address_asking_for_a_reset_gets_no_mail(client, make_user, hashing, mails):
    make_user(email="hanako@example.jp")
    known = _post(client, "/password/forgot", {"email": "hanako@example.jp"})
    unknown = _post(client, "/password/forgot", {"email": "nobody@example.jp"})
    assert known.status_code == unknown.status_code == 200
    assert [mail.recipient for mail in mails()] == ["hanako@example.jp"]
    assert hashing == {"made": 0, "checked": 0}


@pytest.mark.parametrize("path, data", [
    ("/password/forgot", {"email": "hanako@example.jp"}),
    ("/signup", {"email": "hanako@example.jp", "name": "花子", "password": "a-long-passphrase-here",
                 "password_again": "a-long-passphrase-here", "agree": "y"}),
])
def test_the_mail_is_sent_only_after_the_answer_is_written(app, client, make_user, smtp, path, data):
    """The answer is complete (headers and body) while the mail still waits in the outbox; the
    WSGI server hands it to the mail server when it closes the response."""
    smtp.start()
    make_user(email="hanako@example.jp")
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, **data}, buffered=False)
    assert response.status_code == 200
    assert response.get_data()  # the whole answer, read by the client
    with app.app_context():
        states = list(db.session.scalars(select(OutboxMail.state)))
    assert states == [MailState.PENDING] and smtp.messages == []
    response.close()  # what the WSGI server does once the answer is written
    with app.app_context():
        states = list(db.session.scalars(select(OutboxMail.state)))
    assert states == [MailState.SENT] and len(smtp.messages) == 1
