"""Consent to the public directory: withdrawn and given again by a member, at once, audited;
the search key follows the name."""
from sqlalchemy import select

from support import csrf_token, login
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.japanese import search_key
from portal.organisations.models import Organisation


def test_a_member_withdraws_and_gives_again_consent_to_public_listing(app, client, make_user, make_organisation):
    owner = make_user()
    organisation_id = make_organisation(owner)
    login(client, owner)
    page = client.get(f"/organisations/{organisation_id}").get_data(as_text=True)
    assert "Stop listing us publicly" in page or "公開" in page
    token = csrf_token(client, f"/organisations/{organisation_id}")

    answer = client.post(f"/organisations/{organisation_id}/listing", data={"csrf_token": token, "listed": "0"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#listing")
    with app.app_context():
        assert db.session.get(Organisation, organisation_id).public_listing is False
    client.post(f"/organisations/{organisation_id}/listing", data={"csrf_token": token, "listed": "1"})
    client.post(f"/organisations/{organisation_id}/listing", data={"csrf_token": token, "listed": "1"})  # no-op
    with app.app_context():
        assert db.session.get(Organisation, organisation_id).public_listing is True
        entries = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "organisation.public_listing")
                                     .order_by(AuditEntry.id)).all()
        assert entries == [{"public_listing": [True, False]}, {"public_listing": [False, True]}]


def test_another_organisation_cannot_change_the_listing(app, client, make_user, make_organisation):
    owner, other = make_user(), make_user()
    organisation_id = make_organisation(owner)
    make_organisation(other, corporate_number="4000012010001", name="別会社")
    login(client, other)
    token = csrf_token(client, "/account")
    answer = client.post(f"/organisations/{organisation_id}/listing", data={"csrf_token": token, "listed": "0"})
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(Organisation, organisation_id).public_listing is True


def test_the_search_key_follows_the_name(app, client, make_user, make_organisation):
    from portal.organisations import operations

    owner = make_user()
    organisation_id = make_organisation(owner, name="ｸﾏﾓﾄ 緑化", name_kana="くまもとりょっか")
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation.search_key == search_key("クマモト緑化", "クマモトリョッカ") == "クマモト緑化|クマモトリョッカ"
        changes = operations.update_organisation(organisation, {"name": "肥後グリーン"}, organisation.owner)
        assert "search_key" not in changes
        assert organisation.search_key == "肥後グリーン|クマモトリョッカ"
