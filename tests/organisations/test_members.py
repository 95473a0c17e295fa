"""An owner invites colleagues by e-mail; they join with the link."""
from sqlalchemy import select

from support import csrf_token, link_in, login
from portal.core.extensions import db
from portal.organisations.models import Membership


def invite(client, organisation_id, email):
    token = csrf_token(client, f"/organisations/{organisation_id}")
    return client.post(f"/organisations/{organisation_id}/invitations", data={"email": email, "csrf_token": token})


def test_an_invited_colleague_joins(app, client, make_user, make_organisation, mails):
    owner = make_user()
    organisation_id = make_organisation(owner)
    login(client, owner)
    assert invite(client, organisation_id, "Colleague@Example.jp").status_code == 302
    [mail] = mails("colleague@example.jp")
    link = link_in(mail.body)

    colleague = make_user(email="colleague@example.jp", verified=False)
    other = app.test_client()
    login(other, colleague)
    token = csrf_token(other, link)
    assert other.post(link, data={"csrf_token": token}).status_code == 302
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague))
        assert membership.organisation_id == organisation_id and not membership.is_owner
        assert membership.user.email_verified  # the link proved the address
    assert other.get(link).status_code == 400  # used


def test_an_invitation_for_another_address_is_refused(app, client, make_user, make_organisation, mails):
    owner = make_user()
    organisation_id = make_organisation(owner)
    login(client, owner)
    invite(client, organisation_id, "colleague@example.jp")
    link = link_in(mails()[-1].body)
    stranger = app.test_client()
    login(stranger, make_user(email="stranger@example.jp"))
    response = stranger.post(link, data={"csrf_token": csrf_token(stranger, link)})
    assert "別のメールアドレス" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Membership)) == 1


def test_only_the_owner_invites(app, client, make_user, make_organisation):
    owner = make_user()
    organisation_id = make_organisation(owner)
    member = make_user()
    with app.app_context():
        db.session.add(Membership(organisation_id=organisation_id, user_id=member))
        db.session.commit()
    login(client, member)
    token = csrf_token(client, "/account")
    response = client.post(f"/organisations/{organisation_id}/invitations", data={"email": "x@example.jp", "csrf_token": token})
    assert response.status_code == 404
