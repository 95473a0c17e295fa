"""Isolation: institution A never sees — in a list, a page, an export, a search, a count or at
a direct address — an organisation that chose only B, or that withdrew its consent (404 at its
addresses); never B's records or menus; an organisation never sees a record not marked for it.
Every route of the partner blueprint is enumerated: a new one fails until it is checked here."""
from __future__ import annotations

import pytest

from partner_support import client_for, csv_rows, record, revoke, xlsx_rows
from portal.core.extensions import db

NAMES = {"both": "両方支援株式会社", "a_only": "エー専属合同会社", "b_only": "ビー専属有限会社", "withdrawn": "撤回済み商店"}


@pytest.fixture
def world(app, partner, organisation):
    partner_a, partner_b = partner("bank-a"), partner("bank-b")
    orgs = {
        "both": organisation(NAMES["both"], consents=("bank-a", "bank-b"), status="registered"),
        "a_only": organisation(NAMES["a_only"], consents=("bank-a",), status="applying"),
        "b_only": organisation(NAMES["b_only"], consents=("bank-b",), status="ending",
                               name_kana="ビーセンゾクユウゲンガイシャ"),
        "withdrawn": organisation(NAMES["withdrawn"], consents=("bank-a",), status="registered"),
    }
    ids = {key: built.organisation_id for key, built in orgs.items()}
    records = {
        "a_both": record(app, partner_a, ids["both"], shared=True, notes="A-shared-note"),
        "a_both_private": record(app, partner_a, ids["both"], shared=False, notes="A-private-note"),
        "b_both_shared": record(app, partner_b, ids["both"], shared=True, notes="B-shared-note"),
        "b_both_private": record(app, partner_b, ids["both"], shared=False, notes="B-private-note"),
        "b_only": record(app, partner_b, ids["b_only"], shared=True, notes="B-only-note"),
        "a_withdrawn": record(app, partner_a, ids["withdrawn"], notes="A-before-withdrawal"),
    }
    with app.test_request_context():
        from portal.accounts.models import User
        from portal.partners import operations

        menus = {key: operations.create_menu(db.session.get(User, user).partner_id,
                                              {"title_ja": f"{key}のメニュー", "description_ja": "説明", "free": True,
                                               "published": True}, None).id
                 for key, user in (("a", partner_a), ("b", partner_b))}
        db.session.commit()
    revoke(app, ids["withdrawn"], "bank-a")
    return {"a": partner_a, "b": partner_b, "orgs": orgs, "ids": ids, "records": records, "menus": menus}


def _hidden(text: str, *keys: str) -> None:
    for key in keys:
        assert NAMES[key] not in text, key


FOREIGN = ("b_only", "withdrawn")


def _results(html: str) -> str:
    return html[html.index('<table id="supported">'):html.index("</table>")]


def _check_dashboard(app, client, world):
    html = client.get("/partner/").get_data(as_text=True)
    assert NAMES["both"] in html and NAMES["a_only"] in html
    _hidden(html, *FOREIGN)
    assert 'data-count="all">2<' in html  # the counts know only A's organisations
    assert 'data-count="ending">0<' in html  # b_only is "ending": not counted for A
    for status in ("applying", "under_review", "registered", "ending", "expired", "ended", "not_registered",
                   "no_application"):
        _hidden(client.get("/partner/", query_string={"status": status}).get_data(as_text=True), *FOREIGN)
    for q in (NAMES["b_only"], "ビーセンゾク", "ﾋﾞｰｾﾝｿﾞｸ", NAMES["withdrawn"], "KS09-0002", "KS09-0003", "ks09"):
        found = client.get("/partner/", query_string={"q": q}).get_data(as_text=True)
        _hidden(_results(found), *FOREIGN)  # (the search box shows what was typed)
    assert "No organisation matches." in client.get("/partner/", query_string={"q": "ビーセンゾク"}).get_data(
        as_text=True)


def _check_export(app, client, world):
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        for args in ({}, {"q": NAMES["b_only"]}, {"status": "ending"}):
            rows = read(client.get(f"/partner/export.{fmt}", query_string=args))
            text = repr(rows)
            _hidden(text, *FOREIGN)
        rows = read(client.get(f"/partner/export.{fmt}"))
        header, body = rows[0], rows[1:]
        assert sorted(row[0] for row in body) == sorted([NAMES["both"], NAMES["a_only"]])
        both = dict(zip(header, next(row for row in body if row[0] == NAMES["both"])))
        assert int(both["Support records"]) == 2  # A's two, never B's


def _check_organisation(app, client, world):
    ids = world["ids"]
    page = client.get(f"/partner/organisations/{ids['both']}").get_data(as_text=True)
    assert "A-shared-note" in page and "A-private-note" in page
    assert "B-shared-note" not in page and "B-private-note" not in page
    for key in FOREIGN:
        assert client.get(f"/partner/organisations/{ids[key]}").status_code == 404
    assert client.get("/partner/organisations/999999").status_code == 404


def _check_record_support(app, client, world):
    from support import csrf_token

    token = csrf_token(client, f"/partner/organisations/{world['ids']['both']}")
    for key in FOREIGN:
        response = client.post(f"/partner/organisations/{world['ids'][key]}/support",
                               data={"csrf_token": token, "supported_on": "2020-01-01", "kind": "loan"})
        assert response.status_code == 404


def _check_edit_support(app, client, world):
    for key in ("b_both_shared", "b_both_private", "b_only", "a_withdrawn"):
        assert client.get(f"/partner/support/{world['records'][key]}/edit").status_code == 404, key
    assert client.get(f"/partner/support/{world['records']['a_both']}/edit").status_code == 200


def _check_delete_support(app, client, world):
    from support import csrf_token

    token = csrf_token(client, f"/partner/organisations/{world['ids']['both']}")
    for key in ("b_both_shared", "b_only", "a_withdrawn"):
        response = client.post(f"/partner/support/{world['records'][key]}/delete", data={"csrf_token": token})
        assert response.status_code == 404, key
    from portal.partners.models import SupportRecord

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SupportRecord)) == len(world["records"])


def _check_menus(app, client, world):
    html = client.get("/partner/menus").get_data(as_text=True)
    assert "aのメニュー" in html and "bのメニュー" not in html


def _check_new_menu(app, client, world):
    assert client.get("/partner/menus/new").status_code == 200  # no organisation in it


def _check_edit_menu(app, client, world):
    assert client.get(f"/partner/menus/{world['menus']['b']}/edit").status_code == 404
    assert client.get(f"/partner/menus/{world['menus']['a']}/edit").status_code == 200


def _check_delete_menu(app, client, world):
    from support import csrf_token

    token = csrf_token(client, "/partner/menus/new")
    assert client.post(f"/partner/menus/{world['menus']['b']}/delete", data={"csrf_token": token}).status_code == 404


CHECKS = {
    "partner.dashboard": _check_dashboard,
    "partner.export": _check_export,
    "partner.organisation": _check_organisation,
    "partner.record_support": _check_record_support,
    "partner.edit_support": _check_edit_support,
    "partner.delete_support": _check_delete_support,
    "partner.menus": _check_menus,
    "partner.new_menu": _check_new_menu,
    "partner.edit_menu": _check_edit_menu,
    "partner.delete_menu": _check_delete_menu,
}


def test_every_partner_route_is_checked(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("partner.")}
    assert endpoints == set(CHECKS)


@pytest.mark.parametrize("endpoint", sorted(CHECKS))
def test_institution_a_never_sees_what_is_not_its_own(app, world, endpoint):
    CHECKS[endpoint](app, client_for(app, world["a"]), world)


def test_withdrawing_consent_ends_access_at_once_and_is_audited(app, world, organisation):
    from portal.core.audit import AuditEntry

    late = organisation("直前撤回株式会社", consents=("bank-a",), status="registered")
    client = client_for(app, world["a"])
    assert "直前撤回株式会社" in client.get("/partner/").get_data(as_text=True)
    assert client.get(f"/partner/organisations/{late.organisation_id}").status_code == 200
    assert "直前撤回株式会社" in repr(csv_rows(client.get("/partner/export.csv")))
    assert 'data-count="all">3<' in client.get("/partner/").get_data(as_text=True)

    revoke(app, late.organisation_id, "bank-a")

    assert "直前撤回株式会社" not in client.get("/partner/").get_data(as_text=True)
    assert client.get(f"/partner/organisations/{late.organisation_id}").status_code == 404
    assert "直前撤回株式会社" not in repr(csv_rows(client.get("/partner/export.csv")))
    assert "直前撤回株式会社" not in _results(client.get("/partner/", query_string={"q": "直前撤回"}).get_data(
        as_text=True))
    assert 'data-count="all">2<' in client.get("/partner/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "partner_consent.revoked")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.actor_id == late.owner_id


def test_institution_b_sees_its_own_and_never_a_s(app, world):
    client = client_for(app, world["b"])
    html = client.get("/partner/").get_data(as_text=True)
    assert NAMES["both"] in html and NAMES["b_only"] in html
    _hidden(html, "a_only", "withdrawn")
    page = client.get(f"/partner/organisations/{world['ids']['both']}").get_data(as_text=True)
    assert "B-private-note" in page and "A-shared-note" not in page and "A-private-note" not in page
    assert client.get(f"/partner/organisations/{world['ids']['a_only']}").status_code == 404


def test_the_organisation_sees_only_the_records_marked_for_it(app, world):
    client = client_for(app, world["orgs"]["both"].owner_id)
    page = client.get(f"/organisations/{world['ids']['both']}").get_data(as_text=True)
    assert "A-shared-note" in page and "B-shared-note" in page
    assert "A-private-note" not in page and "B-private-note" not in page
    # Another organisation's shared record is not on this page either.
    assert "B-only-note" not in page
    # Nor is it on the other organisation's page for someone who is not a member.
    assert client.get(f"/organisations/{world['ids']['b_only']}").status_code == 404


def test_a_reviewer_sees_no_support_record_of_an_organisation(app, world, make_user):
    page = client_for(app, make_user("reviewer", locale="en")).get(
        f"/organisations/{world['ids']['both']}").get_data(as_text=True)
    assert "A-shared-note" not in page and "B-private-note" not in page
