"""支援メニュー: an institution's users publish menus; registrants and the public browse the
published ones (the landing page lists them); links are http(s) only; English falls back to
Japanese; another institution's menus are out of reach (404)."""
from __future__ import annotations

import pytest

from partner_support import client_for
from support import csrf_token
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.partners.models import SupportMenu

MENU = {"title_ja": "SDGs推進融資", "title_en": "SDGs loan", "description_ja": "設備資金を優遇金利で。",
        "description_en": "", "conditions_ja": "登録事業者", "conditions_en": "", "free": "0",
        "fee": "年1.0%〜", "url": "https://bank.example.jp/sdgs", "published": "y"}


def _menus(app) -> list[SupportMenu]:
    with app.app_context():
        rows = db.session.scalars(db.select(SupportMenu).order_by(SupportMenu.id)).all()
        db.session.expunge_all()
        return rows


def _save(client, path, **changes):
    data = {**MENU, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_a_menu_is_published_browsed_and_withdrawn(app, partner):
    user = partner("bank-a")
    client = client_for(app, user)
    assert _save(client, "/partner/menus/new").status_code == 302
    [menu] = _menus(app)
    assert (menu.title_ja, menu.free, menu.fee, menu.published, menu.description_en) == (
        "SDGs推進融資", False, "年1.0%〜", True, None)

    anyone = client_for(app, None)
    public = anyone.get("/support-menus?lang=en").get_data(as_text=True)
    assert "SDGs loan" in public and "設備資金を優遇金利で。" in public  # English falls back to Japanese text
    assert 'href="https://bank.example.jp/sdgs" rel="noopener noreferrer external"' in public
    assert "SDGs推進融資" in anyone.get("/?lang=ja").get_data(as_text=True)  # the landing page lists it
    assert "SDGs推進融資" in anyone.get("/support-menus?fee=charged").get_data(as_text=True)
    assert "SDGs推進融資" not in anyone.get("/support-menus?fee=free").get_data(as_text=True)

    edit = f"/partner/menus/{menu.id}/edit"
    assert _save(client, edit, published=None).status_code == 302  # unchecked: unpublished
    assert "SDGs推進融資" not in anyone.get("/support-menus").get_data(as_text=True)
    assert "SDGs推進融資" not in anyone.get("/").get_data(as_text=True)
    assert "SDGs推進融資" in client.get("/partner/menus").get_data(as_text=True)  # still the institution's

    response = client.post(f"/partner/menus/{menu.id}/delete", data={"csrf_token": csrf_token(client, edit)})
    assert response.status_code == 302 and _menus(app) == []
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_type == "support_menus")
                                     .order_by(AuditEntry.id)).all()
        assert actions == ["support_menu.created", "support_menu.updated", "support_menu.deleted"]


@pytest.mark.parametrize("changes, message", [
    ({"title_ja": ""}, "This field is required."),
    ({"description_ja": ""}, "This field is required."),
    ({"free": "0", "fee": ""}, "Give the fee or interest of a charged menu."),
    ({"url": "javascript:alert(1)"}, "Enter an address starting with https://"),
    ({"url": "javascript://example.jp/%0aalert(1)"}, "Enter an address starting with https://"),
    ({"url": "data:text/html,hi"}, "Enter an address starting with https://"),
    ({"free": "maybe"}, "Not a valid choice."),
])
def test_bad_menus_are_refused_with_a_message(app, partner, changes, message):
    client = client_for(app, partner("bank-a"))
    response = _save(client, "/partner/menus/new", **changes)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _menus(app) == []


def test_a_free_menu_keeps_no_fee(app, partner):
    client = client_for(app, partner("bank-a"))
    _save(client, "/partner/menus/new", free="1", fee="書き残し")
    [menu] = _menus(app)
    assert menu.free and menu.fee is None


def test_script_in_a_menu_is_shown_as_text(app, partner):
    client = client_for(app, partner("bank-a"))
    _save(client, "/partner/menus/new", title_ja="<script>alert(1)</script>", description_ja="<b>太字</b>")
    public = client_for(app, None).get("/support-menus").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in public and "&lt;script&gt;alert(1)&lt;/script&gt;" in public
    assert "&lt;b&gt;太字&lt;/b&gt;" in public


def test_public_filters_and_paging_never_fail(app, partner):
    client = client_for(app, None)
    for query in ("institution=abc", "institution=999", "fee=<x>", "page=0", "page=99999999"):
        assert client.get(f"/support-menus?{query}").status_code == 200
