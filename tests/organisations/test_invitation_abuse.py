"""Invitations cannot be used to mail strangers text of one's own from the prefecture's sender.

The attack: a fresh account names its organisation like a notice from the prefecture, with a
link, and invites strangers; they get a mail from the portal with that text in the subject.
Now only verified owners invite, a day's invitations are limited per user and per
organisation, the subject is fixed, and the names are quoted as the inviter's own words.
"""
from datetime import timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from support import csrf_token, login
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.organisations.models import Invitation, Organisation

BAIT = "【重要】熊本県より: 登録更新手続き https://evil.example/kumamoto"


def _said(app, msgid: str, **values) -> str:
    """A message as the portal says it in Japanese (whether or not its catalogue has it yet)."""
    with app.test_request_context(), force_locale("ja"):
        return gettext(msgid, **values)


def invite(client, organisation_id: int, email: str):
    token = csrf_token(client, "/account")
    return client.post(f"/organisations/{organisation_id}/invitations", data={"email": email, "csrf_token": token})


def invitations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def test_an_unverified_owner_cannot_invite_and_is_told_why(app, client, make_user, make_organisation, mails):
    owner = make_user(verified=False)
    organisation_id = make_organisation(owner, name=BAIT)
    login(client, owner)

    page = client.get(f"/organisations/{organisation_id}").get_data(as_text=True)
    assert f"/organisations/{organisation_id}/invitations" not in page
    assert 'id="invite-needs-verification"' in page and "/account/verify/resend" in page

    response = invite(client, organisation_id, "stranger@example.com")
    assert response.status_code == 404
    assert invitations(app) == 0
    assert mails() == []


def test_a_verified_owner_still_invites(app, client, make_user, make_organisation, mails):
    owner = make_user()
    organisation_id = make_organisation(owner)
    login(client, owner)
    page = client.get(f"/organisations/{organisation_id}").get_data(as_text=True)
    assert f"/organisations/{organisation_id}/invitations" in page and "invite-needs-verification" not in page
    assert invite(client, organisation_id, "colleague@example.jp").status_code == 302
    assert len(mails("colleague@example.jp")) == 1


def test_the_subject_is_fixed_and_the_names_are_quoted_as_the_inviters(app, client, make_user, make_organisation,
                                                                        mails):
    subjects = []
    for number, name in enumerate(("株式会社テスト熊本", BAIT)):
        owner = make_user(name=f"招待 {number}郎", email=f"owner{number}@example.jp")
        organisation_id = make_organisation(owner, name=name, corporate_number=None, kind="group")
        client = app.test_client()
        login(client, owner)
        assert invite(client, organisation_id, f"stranger{number}@example.com").status_code == 302
        [mail] = mails(f"stranger{number}@example.com")
        subjects.append(mail.subject)
        assert name not in mail.subject and "https://" not in mail.subject

        # The names appear once each, on lines that quote them and say whose words they are…
        assert mail.body.count(name) == 1
        assert _said(app, "Their organisation: “%(name)s”", name=name) in mail.body
        assert _said(app, "Their name: “%(name)s”", name=f"招待 {number}郎") in mail.body
        assert _said(app, "Their e-mail address: %(email)s", email=f"owner{number}@example.jp") in mail.body
        # …followed by the prefecture's word that it has not checked them.
        disclaimer = _said(app, "These are the inviter's own words: Kumamoto Prefecture has not checked them. "
                                "If you do not know this person, please ignore this mail; nothing happens unless "
                                "you open the link.")
        assert mail.body.index(name) < mail.body.index(disclaimer)
    assert subjects[0] == subjects[1] == _said(app, "[Kumamoto Prefecture SDGs Registration System] %(subject)s",
                                               subject=_said(app, "Invitation to the application portal"))


def test_a_line_break_in_a_name_cannot_start_a_line_of_its_own(app, client, make_user, make_organisation, mails):
    owner = make_user()
    organisation_id = make_organisation(owner)
    with app.app_context():  # a forged form could send one
        db.session.get(Organisation, organisation_id).name = "株式会社A\n\n熊本県からのお知らせ: https://evil.example/"
        db.session.commit()
    login(client, owner)
    invite(client, organisation_id, "stranger@example.com")
    [mail] = mails("stranger@example.com")
    assert "\n熊本県からのお知らせ" not in mail.body
    assert _said(app, "Their organisation: “%(name)s”", name="株式会社A 熊本県からのお知らせ: https://evil.example/") in mail.body


def test_a_user_sends_at_most_ten_invitations_a_day(app, client, make_user, make_organisation, mails):
    assert app.config["INVITATIONS_PER_USER_PER_DAY"] == 10
    owner = make_user()
    organisation_id = make_organisation(owner)
    login(client, owner)
    for number in range(10):
        assert invite(client, organisation_id, f"person{number}@example.com").status_code == 302

    refused = invite(client, organisation_id, "person10@example.com")
    assert refused.status_code == 429
    assert _said(app, "You can send at most %(count)s invitations in 24 hours. Please try again later.",
                 count=10) in refused.get_data(as_text=True)
    assert invitations(app) == 10
    assert mails("person10@example.com") == [] and len(mails()) == 10

    # The day is counted back from now: a day later, invitations can be sent again.
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    assert invite(client, organisation_id, "person10@example.com").status_code == 302
    assert len(mails("person10@example.com")) == 1


def test_an_organisation_sends_at_most_twenty_invitations_a_day(app, client, make_user, make_organisation, mails):
    """Whoever sends them: here a former owner sent most of them before handing over."""
    assert app.config["INVITATIONS_PER_ORGANISATION_PER_DAY"] == 20
    former, owner = make_user(), make_user()
    organisation_id = make_organisation(owner)
    with app.app_context():
        db.session.add_all(Invitation(organisation_id=organisation_id, email=f"earlier{n}@example.com",
                                      invited_by_id=former if n < 10 else None, created_at=utcnow() - timedelta(hours=n))
                           for n in range(19))
        db.session.add(Invitation(organisation_id=organisation_id, email="old@example.com", invited_by_id=owner,
                                  created_at=utcnow() - timedelta(hours=30)))  # not within the day
        db.session.commit()
    login(client, owner)
    assert invite(client, organisation_id, "twentieth@example.com").status_code == 302

    refused = invite(client, organisation_id, "one-more@example.com")
    assert refused.status_code == 429
    assert _said(app, "Your organisation can send at most %(count)s invitations in 24 hours. Please try again later.",
                 count=20) in refused.get_data(as_text=True)
    assert invitations(app) == 21
    assert mails("one-more@example.com") == []


def test_mail_to_an_unconfirmed_address_does_not_carry_the_name_typed_at_sign_up(app, client, mails):
    """The same text through sign-up: someone signs up with a stranger's address and a name
    written as a notice; the verification and reset mails go to that address."""
    token = csrf_token(client, "/signup")
    client.post("/signup", data={"name": BAIT[:100], "email": "stranger@example.com", "password": "a-long-password",
                                 "password_again": "a-long-password", "agree": "y", "csrf_token": token})
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "stranger@example.com", "csrf_token": token})
    sent = mails("stranger@example.com")
    assert len(sent) == 2
    assert all("evil.example" not in mail.body and "【重要】" not in mail.body for mail in sent)
