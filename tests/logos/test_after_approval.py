"""After approval: the daily command (a reminder before the end, the end itself), use reports
and renewal."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from support import csrf_token, login

from portal.core.extensions import db
from portal.logos.models import LogoPermit, LogoUse

from logo_builders import TODAY


def _set_period(app, permit_id, valid_from, valid_until):
    with app.app_context():
        permit = db.session.get(LogoPermit, permit_id)
        permit.valid_from, permit.valid_until = valid_from, valid_until
        db.session.commit()


def test_the_daily_command_reminds_once_then_ends_the_permit(app, runner, holder, make_permit, load, mails):
    permit_id = make_permit(holder, state="approved")
    ends = TODAY + timedelta(days=30)
    _set_period(app, permit_id, TODAY - timedelta(days=300), ends)
    before = len(mails())

    first = runner.invoke(args=["logos", "remind"])
    assert first.exit_code == 0, first.output
    assert "reminded: 1" in first.output and "ended: 0" in first.output
    [reminder] = mails()[before:]
    assert reminder.recipient == "holder@example.jp" and f"/logos/{permit_id}" in reminder.body
    again = runner.invoke(args=["logos", "remind"])
    assert "reminded: 0" in again.output and len(mails()) == before + 1

    after_end = (ends + timedelta(days=1)).isoformat()
    ended = runner.invoke(args=["logos", "remind", "--today", after_end])
    assert "ended: 1" in ended.output
    assert load(permit_id).state == "expired"
    assert "stop using" in mails()[-1].body
    assert "ended: 0" in runner.invoke(args=["logos", "remind", "--today", after_end]).output


def test_no_reminder_far_from_the_end_or_once_a_renewal_was_sent(app, holder, make_permit, load, mails):
    from portal.accounts.models import User
    from portal.logos import operations

    far = make_permit(holder, state="approved")
    _set_period(app, far, TODAY, TODAY + timedelta(days=200))
    near = make_permit(holder, state="approved")
    _set_period(app, near, TODAY - timedelta(days=300), TODAY + timedelta(days=20))
    with app.test_request_context():
        user = db.session.get(User, holder)
        renewal = operations.start_renewal(db.session.get(LogoPermit, near), user)
        operations.save_request(renewal, {}, user, agreed=True)
        operations.submit_request(renewal, user)
        db.session.commit()
        before = len(mails())
        result = operations.run_daily()
        db.session.commit()
    assert result.reminded == 0 and len(mails()) == before


def test_the_holder_reports_a_use_with_a_link_or_a_photo(app, client, holder, make_permit):
    permit_id = make_permit(holder, state="approved")
    login(client, holder)
    path = f"/logos/{permit_id}"
    empty = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "website"},
                        content_type="multipart/form-data")
    assert empty.status_code == 400 and "Add a photo or a link" in empty.get_data(as_text=True)
    script = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "website",
                                               "link": "javascript://example.jp/%0Aalert(1)"},
                         content_type="multipart/form-data")
    assert script.status_code == 400 and "starting with https://" in script.get_data(as_text=True)
    bad_file = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "leaflets",
                                                 "photo": (io.BytesIO(b"MZ\x90\x00" * 100), "photo.jpg")},
                           content_type="multipart/form-data")
    assert bad_file.status_code == 400 and "not accepted" in bad_file.get_data(as_text=True)
    link = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "website",
                                             "link": "https://example.jp/sdgs"}, content_type="multipart/form-data")
    assert link.status_code == 302
    photo = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "business_cards",
                                              "photo": (io.BytesIO(b"\xff\xd8\xff\xe0 jpeg"), "meishi.jpg"),
                                              "description": "名刺の裏面"}, content_type="multipart/form-data")
    assert photo.status_code == 302
    with app.app_context():
        uses = db.session.scalars(select(LogoUse).order_by(LogoUse.id)).all()
        assert [(u.medium, u.link, u.photo_name) for u in uses] == [
            ("website", "https://example.jp/sdgs", None), ("business_cards", None, "meishi.jpg")]
        photo_id = uses[1].id
    assert client.get(f"{path}/uses/{photo_id}/photo").data == b"\xff\xd8\xff\xe0 jpeg"
    page = client.get(path).get_data(as_text=True)
    assert "https://example.jp/sdgs" in page and "meishi.jpg" in page


def test_no_use_report_on_a_request_or_a_revoked_permit(client, holder, make_permit):
    login(client, holder)
    for state in ("submitted", "revoked"):
        permit_id = make_permit(holder, state=state)
        path = f"/logos/{permit_id}"
        response = client.post(f"{path}/uses", data={"csrf_token": csrf_token(client, path), "medium": "website",
                                                     "link": "https://example.jp"})
        assert response.status_code == 404


def test_renewal_opens_three_months_before_the_end_and_takes_a_new_number(app, client, holder, city,
                                                                         make_permit, load):
    from portal.accounts.models import User
    from portal.logos import operations

    permit_id = make_permit(holder, state="approved", permitted=["color-mark"])
    _set_period(app, permit_id, TODAY - timedelta(days=200), TODAY + timedelta(days=200))
    login(client, holder)
    path = f"/logos/{permit_id}"
    assert "Apply to renew" not in client.get(path).get_data(as_text=True)
    early = client.post(f"{path}/renew", data={"csrf_token": csrf_token(client, path)}, follow_redirects=True)
    assert "renewal opens three months before" in early.get_data(as_text=True)

    _set_period(app, permit_id, TODAY - timedelta(days=300), TODAY + timedelta(days=40))
    assert "Apply to renew" in client.get(path).get_data(as_text=True)
    response = client.post(f"{path}/renew", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    renewal_id = int(response.headers["Location"].split("/")[-2])
    renewal = load(renewal_id)
    assert renewal.kind == "renewal" and renewal.renews_id == permit_id and renewal.state == "draft"
    assert renewal.starts_on == TODAY + timedelta(days=41) and renewal.variants == ["color-mark"]
    assert renewal.agreed_at is None  # the rules are agreed to again
    assert "renews permit" in client.get(f"/logos/{renewal_id}/edit").get_data(as_text=True)
    twice = client.post(f"{path}/renew", data={"csrf_token": csrf_token(client, path)}, follow_redirects=True)
    assert "already been started" in twice.get_data(as_text=True)

    with app.test_request_context():
        user = db.session.get(User, holder)
        renewal = db.session.get(LogoPermit, renewal_id)
        operations.save_request(renewal, {}, user, agreed=True)
        operations.submit_request(renewal, user)
        number = operations.approve_permit(renewal, db.session.get(User, city), renewal.starts_on,
                                           renewal.ends_on, renewal.variants)
        db.session.commit()
    assert number != load(permit_id).number and load(renewal_id).renews_id == permit_id


def test_holders_see_their_requests_on_the_logo_page(client, holder, make_permit):
    approved = make_permit(holder, state="approved")
    draft = make_permit(holder, state="draft")
    login(client, holder)
    page = client.get("/logos/").get_data(as_text=True)
    assert f"/logos/{approved}" in page and f"/logos/{draft}" in page
