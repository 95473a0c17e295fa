"""A partner reads the seminar attendance of an organisation that consents to it (#6 × #8)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from partner_support import client_for
from portal.core.extensions import db


def test_the_partner_sees_the_seminars_its_organisation_attended(app, make_user, partner, organisation):
    from portal.accounts.models import User
    from portal.seminars import operations
    from portal.seminars.models import Seminar, SeminarAttendee

    registrant = organisation("Aso Green Tea", consents=("bank-a",), status="registered")
    secretariat = make_user("secretariat")
    now = datetime.now(UTC)
    with app.test_request_context():
        seminar = operations.create_seminar({
            "title_ja": "脱炭素経営セミナー", "title_en": "Decarbonisation seminar", "description_ja": "説明",
            "description_en": None, "starts_at": now + timedelta(days=3), "ends_at": now + timedelta(days=3, hours=2),
            "venue": "熊本県庁", "online_url": None, "capacity": 20, "seats_per_organisation": 2,
            "signup_opens_at": now - timedelta(days=1), "signup_closes_at": now + timedelta(days=2),
            "audience": "registrants"}, db.session.get(User, secretariat))
        operations.sign_up(seminar, db.session.get(User, registrant.owner_id), 2, ["阿蘇 一郎", "阿蘇 二郎"])
        # The seminar takes place: three days pass.
        db.session.execute(update(Seminar).where(Seminar.id == seminar.id).values(
            signup_opens_at=now - timedelta(days=4), signup_closes_at=now - timedelta(days=1),
            starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)))
        first = db.session.scalars(db.select(SeminarAttendee.id).order_by(SeminarAttendee.id)).first()
        operations.mark_attendance(db.session.get(Seminar, seminar.id), {first}, db.session.get(User, secretariat))
        db.session.commit()

    page = client_for(app, partner("bank-a")).get(f"/partner/organisations/{registrant.organisation_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Decarbonisation seminar" in text and "1 of 2 attended" in text

    other = client_for(app, partner("bank-b")).get(f"/partner/organisations/{registrant.organisation_id}")
    assert other.status_code == 404
