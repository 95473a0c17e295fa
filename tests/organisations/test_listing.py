"""Being listed in the public directory is one of every application's declarations, not an
option: no opt-out remains (model, route, page), the organisation's page says that the way off
the register is withdrawal (辞退), and the organisations that had opted out (recorded by
migration 0015) are listed again and their members told once, by mail, why."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_migrate import downgrade, upgrade
from flask_babel import force_locale
from sqlalchemy import delete, inspect, select, text

from support import csrf_token, login
from portal import create_app
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.outbox import OutboxMail
from portal.organisations.models import ListingNotice, Membership, Organisation

DECIDED_ON = today_jst() - timedelta(days=100)


def _row(name: str, kana: str, kind: str = "group") -> dict[str, str]:
    return {"corporate_number": "", "name": name, "name_kana": kana, "kind": kind, "postal_code": "8600806",
            "address": "熊本県熊本市中央区花畑町1-1", "industry": "E", "goals": "7;13"}


@pytest.fixture
def registrants(app, make_user):
    """Three imported registrants of cohort 2 (KS02-0001 … 0003): the first with two members
    (one reading Japanese, one English), the second withdrawn since, the third without members.
    Returns {number: organisation id} and the members' addresses."""
    from portal.accounts.models import User
    from portal.organisations import operations as organisations
    from portal.registrations import operations as registrations
    from portal.registrations.importer import import_rows
    from portal.registrations.models import Registration

    owner = make_user(email="owner@example.jp", locale="ja")
    member = make_user(email="member@example.jp", locale="en")
    ended_owner = make_user(email="ended@example.jp")
    with app.test_request_context():
        import_rows([_row("くまもと水と森の会", "クマモトミズトモリノカイ"), _row("阿蘇の風工房", "アソノカゼコウボウ"),
                     _row("天草しおさい会", "アマクサシオサイカイ")], 2, DECIDED_ON)
        found = {r.number: r for r in db.session.scalars(select(Registration))}
        first = found["KS02-0001"].organisation
        organisations.add_owner(first, db.session.get(User, owner))
        db.session.add(Membership(organisation_id=first.id, user_id=member, is_owner=False))
        organisations.add_owner(found["KS02-0002"].organisation, db.session.get(User, ended_owner))
        db.session.flush()
        registrations.withdraw_registration(found["KS02-0002"], db.session.get(User, ended_owner), "")
        db.session.execute(delete(OutboxMail))  # the withdrawal's mail
        db.session.commit()
        return {number: r.organisation_id for number, r in found.items()}


def _record_opt_outs(app, *organisation_ids: int) -> None:
    """What migration 0015 does for each organisation whose listing was off."""
    with app.app_context():
        db.session.add_all(ListingNotice(organisation_id=i) for i in organisation_ids)
        db.session.commit()


# --- no opt-out remains ----------------------------------------------------------------------

def test_no_opt_out_remains_in_the_model_the_routes_or_the_page(app, client, registrants):
    assert "public_listing" not in Organisation.__table__.columns
    assert not hasattr(Organisation, "public_listing")
    assert not any("listing" in rule.rule or "listing" in rule.endpoint for rule in app.url_map.iter_rules())
    with app.app_context():
        assert "public_listing" not in {c["name"] for c in inspect(db.engine).get_columns("organisations")}

    from portal.accounts.models import User

    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.jp"))
        registration_id = db.session.scalar(text("SELECT id FROM registrations WHERE number = 'KS02-0001'"))
    login(client, owner.id)
    organisation_id = registrants["KS02-0001"]
    page = client.get(f"/organisations/{organisation_id}?lang=en").get_data(as_text=True)
    panel = page[page.index('id="listing"'):]
    panel = panel[:panel.index("</section>")]
    assert "withdraws its registration:" in panel and "municipality (not the street address)" in panel
    assert f'href="/registrations/{registration_id}/withdraw"' in panel
    assert "<form" not in panel and 'name="listed"' not in page and "Stop listing" not in page
    # The old address of the opt-out answers nothing, and nothing changes.
    token = csrf_token(client, f"/organisations/{organisation_id}")
    answer = client.post(f"/organisations/{organisation_id}/listing", data={"csrf_token": token, "listed": "0"})
    assert answer.status_code == 404
    assert client.get("/registrants/KS02-0001").status_code == 200


def test_the_declaration_names_what_is_published(app, client):
    from portal.applications.content import DECLARATIONS

    with app.test_request_context(), force_locale("en"):
        declared = str(DECLARATIONS["public_listing"])
    for shown in ("name", "municipality (not the street address)", "industry", "2030 vision",
                  "key actions with their goals and targets", "registration number, cohort and term"):
        assert shown in declared, shown


# --- the organisations that had opted out -----------------------------------------------------

def test_a_formerly_opted_out_organisation_is_listed_and_its_members_are_told_once(app, client, runner, registrants,
                                                                                  mails):
    _record_opt_outs(app, *registrants.values())
    assert client.get("/registrants/KS02-0001").status_code == 200
    assert "KS02-0001" in client.get("/opendata/registrants.csv").get_data(as_text=True)

    result = runner.invoke(args=["organisations", "notify-relisted"])
    assert result.exit_code == 0, result.output
    # One mail to each member of the listed one; the withdrawn one and the one without members
    # are settled without a mail.
    assert "2 mail(s) queued for 3 organisation(s)" in result.output
    sent = mails()
    assert sorted(m.recipient for m in sent) == ["member@example.jp", "owner@example.jp"]
    english = next(m for m in sent if m.recipient == "member@example.jp")
    japanese = next(m for m in sent if m.recipient == "owner@example.jp")
    assert english.subject == "[Kumamoto Prefecture SDGs Registration System] Your organisation is shown in the public directory of registrants again"
    assert "one of the declarations every applicant makes" in english.body
    assert "withdraw its registration (辞退)" in english.body
    assert "http://portal.test/registrants/KS02-0001" in english.body
    with app.app_context():
        registration_id = db.session.scalar(text("SELECT id FROM registrations WHERE number = 'KS02-0001'"))
    assert f"http://portal.test/registrations/{registration_id}" in english.body
    assert japanese.locale == "ja" and "KS02-0001" in japanese.body
    with app.app_context():
        notices = {n.organisation_id: (n.sent_at is not None, n.mails) for n in db.session.scalars(select(ListingNotice))}
        assert notices == {registrants["KS02-0001"]: (True, 2), registrants["KS02-0002"]: (True, 0),
                           registrants["KS02-0003"]: (True, 0)}
        audited = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "organisation.listing_notice")
                                     .order_by(AuditEntry.object_id)).all()
        assert audited == [{"listed": True, "mails": 2}, {"listed": False, "mails": 0}, {"listed": True, "mails": 0}]

    again = runner.invoke(args=["organisations", "notify-relisted"])
    assert again.exit_code == 0 and "0 mail(s) queued for 0 organisation(s)" in again.output
    assert len(mails()) == 2


def test_a_notice_another_run_settled_is_not_sent_again(app, registrants, mails, monkeypatch):
    """Two runs at once: the second finds the notice read as pending but settled by the first
    (the compare-and-set on sent_at), and mails nothing."""
    from portal.core.db import utcnow
    from portal.organisations import operations

    _record_opt_outs(app, registrants["KS02-0001"])
    with app.test_request_context():
        pending = db.session.scalars(select(ListingNotice)).all()  # read by this run …
        db.session.execute(text("UPDATE listing_notices SET sent_at = :now"), {"now": utcnow()})  # … settled by another
        original = db.session.scalars

        def stale(statement, *args, **kwargs):
            if "FROM listing_notices" in str(statement):
                return SimpleNamespace(all=lambda: pending)
            return original(statement, *args, **kwargs)

        monkeypatch.setattr(db.session, "scalars", stale)
        result = operations.send_listing_notices()
        monkeypatch.undo()
        db.session.commit()
    assert (result.organisations, result.mails) == (0, 0)
    assert mails() == []


# --- migration 0015 ------------------------------------------------------------------------------

_ORGANISATION = text(
    "INSERT INTO organisations (id, kind, name, name_kana, representative_title, representative_name, postal_code, "
    "address, in_city, location_mismatch, industry, contact_name, contact_phone, contact_email, public_listing, "
    "search_key, created_at, updated_at) VALUES (:id, 'group', :name, 'カイ', '代表', '熊本 花子', '8600806', "
    "'熊本県熊本市中央区花畑町1-1', 1, 0, 'E', '担当', '096-000-0000', 'a@example.jp', :listed, '', "
    "'2024-01-01 00:00:00', '2024-01-01 00:00:00')")


def test_migration_0015_records_the_opted_out_and_drops_the_option(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'listing.db'}", "TESTING": True})
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            for id_, listed in ((1, True), (2, False), (3, True), (4, False)):
                connection.execute(_ORGANISATION, {"id": id_, "name": f"会{id_}", "listed": listed})
        upgrade(revision="0015")
        with db.engine.begin() as connection:
            rows = connection.execute(text("SELECT organisation_id, sent_at, mails FROM listing_notices "
                                           "ORDER BY organisation_id")).all()
            assert [tuple(r) for r in rows] == [(2, None, 0), (4, None, 0)]
            assert "public_listing" not in {c["name"] for c in inspect(connection).get_columns("organisations")}
            assert connection.scalar(text("SELECT count(*) FROM organisations")) == 4
        downgrade(revision="0014")  # gives them their opt-out back
        with db.engine.begin() as connection:
            listed = connection.execute(text("SELECT id, public_listing FROM organisations ORDER BY id")).all()
            assert [(id_, bool(flag)) for id_, flag in listed] == [(1, True), (2, False), (3, True), (4, False)]
        db.engine.dispose()
