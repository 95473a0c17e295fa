"""Asking to use the logo: the form prefilled, a draft saved half-filled, a request sent, and
bad input answered with a clear message on the field (never a 500)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pages import structure_problems
from support import csrf_token, login

from portal.core.extensions import db
from portal.logos.models import LogoPermit

from logo_builders import TODAY


def form(**overrides) -> dict:
    """What the request form posts for a complete request, sent (action=submit)."""
    start = TODAY + timedelta(days=7)
    data = {
        "holder_kind": "corporation", "holder_name": "株式会社テスト熊本", "representative": "代表取締役 熊本 花子",
        "postal_code": "860-0806", "address": "熊本県熊本市中央区花畑町1-1", "contact_name": "担当 次郎",
        "contact_phone": "096-000-0000", "activity": "名刺で取組を紹介する。", "goals": ["12", "14"],
        "media": ["business_cards", "website"], "media_detail": "", "audience": "名刺 500枚",
        "variants": ["color-horizontal"], "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=700)).isoformat(), "agree": "y", "action": "submit",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_new(client, **overrides):
    return client.post("/logos/new", data={"csrf_token": csrf_token(client, "/logos/new"), **form(**overrides)},
                       content_type="multipart/form-data")


def permits(app) -> list[LogoPermit]:
    with app.app_context():
        found = db.session.scalars(select(LogoPermit).order_by(LogoPermit.id)).all()
        db.session.expunge_all()
        return found


def test_the_form_is_prefilled_from_the_organisation_and_well_formed(client, holder):
    login(client, holder)
    page = client.get("/logos/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert structure_problems(html) == []
    assert 'value="株式会社テスト熊本"' in html and 'value="860-0806"' in html
    assert 'value="代表取締役 熊本 花子"' in html


def test_a_person_without_an_organisation_may_ask_as_an_individual(app, client, make_user, mails):
    user_id = make_user(email="kojin@example.jp", name="肥後 一郎")
    login(client, user_id)
    html = client.get("/logos/new").get_data(as_text=True)
    assert re.search(r'<input checked id="holder_kind-\d"[^>]*value="individual"', html), html
    response = post_new(client, holder_kind="individual", holder_name="肥後 一郎", representative="")
    assert response.status_code == 302, response.get_data(as_text=True)
    [permit] = permits(app)
    assert permit.state == "submitted" and permit.organisation_id is None and permit.holder_kind == "individual"
    assert [m.recipient for m in mails()] == ["kojin@example.jp"]


def test_sending_a_complete_request_mails_every_member(app, client, holder, mails):
    login(client, holder)
    response = post_new(client)
    assert response.status_code == 302
    [permit] = permits(app)
    assert response.headers["Location"].endswith(f"/logos/{permit.id}")
    assert permit.state == "submitted" and permit.agreed_at is not None and permit.rules_version == "1"
    assert permit.goals == [12, 14] and permit.media == ["business_cards", "website"]
    assert permit.organisation_id is not None
    [mail] = mails()
    assert mail.recipient == "holder@example.jp" and "Kumamoto for SDGs" in mail.subject
    page = client.get(f"/logos/{permit.id}").get_data(as_text=True)
    assert structure_problems(page) == []


def test_a_half_filled_draft_is_saved_and_sent_later(app, client, holder, mails):
    login(client, holder)
    response = post_new(client, activity="", goals=None, media=None, variants=None, starts_on="", ends_on="",
                        agree=None, action="save")
    assert response.status_code == 302
    [draft] = permits(app)
    assert draft.state == "draft" and draft.activity is None and mails() == []
    status = client.get(f"/logos/{draft.id}").get_data(as_text=True)
    assert "Still needed" in status or "まだ" in status

    edit = f"/logos/{draft.id}/edit"
    refused = client.post(edit, data={"csrf_token": csrf_token(client, edit), "version": draft.version,
                                      **form(activity="", agree=None)}, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert permits(app)[0].state == "draft"
    html = refused.get_data(as_text=True)
    assert 'id="activity-error"' in html and 'id="agree-error"' in html

    sent = client.post(edit, data={"csrf_token": csrf_token(client, edit), "version": draft.version,
                                   **form()}, content_type="multipart/form-data")
    assert sent.status_code == 302
    assert permits(app)[0].state == "submitted"


@pytest.mark.parametrize("overrides, field, words", [
    ({"ends_on": (TODAY + timedelta(days=7 + 3 * 366)).isoformat()}, "ends_on", "three years"),
    ({"ends_on": (TODAY + timedelta(days=6)).isoformat()}, "ends_on", "before its first day"),
    ({"starts_on": (TODAY - timedelta(days=1)).isoformat()}, "starts_on", "past"),
    ({"agree": None}, "agree", "agree"),
    ({"starts_on": "来週"}, "starts_on", "2026-04-01"),
    ({"goals": None}, "goals", "goal"),
    ({"variants": ["color-horizontal", "gold-sparkle"]}, "variants", "valid choice"),
    ({"media": ["other"], "media_detail": ""}, "media_detail", "Other"),
    ({"holder_kind": "group", "representative": ""}, "representative", "representative"),
])
def test_bad_input_is_refused_with_a_message_on_the_field(app, client, holder, mails, overrides, field, words):
    login(client, holder)
    response = post_new(client, **overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html, html
    assert words in html
    assert permits(app) == [] and mails() == []
    assert structure_problems(html) == []


def test_a_period_of_exactly_three_years_is_accepted(app, client, holder):
    from portal.logos.rules import latest_end

    start = TODAY + timedelta(days=1)
    login(client, holder)
    response = post_new(client, starts_on=start.isoformat(), ends_on=latest_end(start).isoformat())
    assert response.status_code == 302
    assert permits(app)[0].ends_on == latest_end(start)


def test_dates_typed_the_japanese_way_are_understood(app, client, holder):
    start = TODAY + timedelta(days=3)
    login(client, holder)
    typed = f"{start.year}年{start.month}月{start.day}日".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = post_new(client, starts_on=typed, ends_on=f"{start.year + 1}/{start.month}/1")
    assert response.status_code == 302
    assert permits(app)[0].starts_on == start


def test_a_mock_up_is_kept_and_can_be_read_back(app, client, holder):
    login(client, holder)
    response = post_new(client, mockup=(io.BytesIO(b"%PDF-1.4 mock-up"), "名刺案.pdf"))
    assert response.status_code == 302
    [permit] = permits(app)
    assert permit.mockup_name == "名刺案.pdf" and permit.mockup_type == "application/pdf"
    download = client.get(f"/logos/{permit.id}/mockup")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 mock-up"


@pytest.mark.parametrize("content, name, words", [
    (b"\x00" * (20 * 1024 * 1024), "huge.pdf", "larger than 10 MB"),
    (b"%PDF-" + b"\x00" * (20 * 1024 * 1024), "big.pdf", "larger than 10 MB"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 512, "mockup.pdf", "not accepted"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "run.png", "not accepted"),
    (b"#!/bin/sh\nrm -rf /\n", "mockup.jpg", "not accepted"),
])
def test_a_bad_mock_up_is_refused_and_nothing_is_kept(app, client, holder, mails, content, name, words):
    login(client, holder)
    response = post_new(client, mockup=(io.BytesIO(content), name))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="mockup-error"' in html and words in html
    assert permits(app) == [] and mails() == []


def test_an_unverified_account_is_told_to_verify_first(client, make_user):
    user_id = make_user(email="new@example.jp", verified=False)
    login(client, user_id)
    assert client.get("/logos/new").status_code == 403
    page = client.get("/logos/").get_data(as_text=True)
    assert "/account" in page


def test_a_sent_request_can_no_longer_be_changed(client, holder, make_permit):
    permit_id = make_permit(holder)
    login(client, holder)
    assert client.get(f"/logos/{permit_id}/edit").status_code == 404
    assert client.get(f"/logos/{permit_id}").status_code == 200


def test_two_tabs_cannot_overwrite_each_other(app, client, holder, make_permit, load):
    permit_id = make_permit(holder, state="draft")
    login(client, holder)
    edit = f"/logos/{permit_id}/edit"
    version = load(permit_id).version
    first = client.post(edit, data={"csrf_token": csrf_token(client, edit), "version": version,
                                    **form(activity="一つ目", action="save")}, content_type="multipart/form-data")
    assert first.status_code == 302
    second = client.post(edit, data={"csrf_token": csrf_token(client, edit), "version": version,
                                     **form(activity="二つ目", action="save")}, content_type="multipart/form-data")
    assert second.status_code == 400
    assert "changed meanwhile" in second.get_data(as_text=True)
    assert load(permit_id).activity == "一つ目"
