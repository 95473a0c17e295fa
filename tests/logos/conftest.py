"""Builders for logo-permit tests: a holder (an organisation's owner, or a person without one),
the city's staff who decide, the secretariat who reads, and requests made through the
operations in any state."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.core.extensions import db

from logo_builders import TODAY, request_data


@pytest.fixture
def holder(make_user, make_organisation):
    """The owner of an organisation (user id)."""
    user_id = make_user(email="holder@example.jp", name="熊本 花子")
    make_organisation(user_id)
    return user_id


@pytest.fixture
def city(make_user):
    """Kumamoto City's staff: the logo is the city's, and they decide its permits."""
    return make_user("city", email="shiyakusho@example.jp", name="熊本市 職員")


@pytest.fixture
def secretariat(make_user):
    return make_user("secretariat", email="jimukyoku@example.jp", name="事務局 太郎")


@pytest.fixture
def make_permit(app):
    """make_permit(user_id, state="submitted", today=None, **fields) -> permit id, made through the
    operations: draft, submitted, returned, approved, rejected, revoked or expired."""
    from portal.accounts.models import User
    from portal.logos import operations

    def build(user_id: int, state: str = "submitted", decider_id: int | None = None, today: date | None = None,
              valid_from: date | None = None, valid_until: date | None = None, permitted=None, **fields) -> int:
        if state == "expired" and today is None:
            today = TODAY - timedelta(days=400)  # a permit whose period is over
        day = today or TODAY
        with app.test_request_context():
            user = db.session.get(User, user_id)
            decider = db.session.get(User, decider_id) if decider_id else _decider()
            data = request_data(**fields)
            if today is not None and "starts_on" not in fields:
                data["starts_on"], data["ends_on"] = day, day + timedelta(days=300)
            permit = operations.new_request(user, data)
            operations.save_request(permit, data, user, agreed=True)
            if state != "draft":
                operations.submit_request(permit, user, today=day)
            if state == "returned":
                operations.return_request(permit, decider, "住所を確認してください。")
            elif state == "rejected":
                operations.reject_request(permit, decider, "取組の内容が確認できません。")
            elif state in ("approved", "revoked", "expired"):
                operations.approve_permit(permit, decider, valid_from or permit.starts_on,
                                          valid_until or permit.ends_on, permitted or permit.variants, today=day)
                if state == "revoked":
                    operations.revoke_permit(permit, decider, "ロゴの形を変えて使用していたため。", today=day)
                elif state == "expired":
                    operations.run_daily(today=TODAY)
            db.session.commit()
            return permit.id

    def _decider():
        from sqlalchemy import select

        from portal.core.roles import Role

        found = db.session.scalar(select(User).where(User.role == Role.CITY).limit(1))
        if found is None:
            found = User(email="decider@example.jp", name="熊本市", role=Role.CITY, locale="en")
            db.session.add(found)
            db.session.flush()
        return found

    return build


@pytest.fixture
def load(app):
    """load(permit_id) -> the permit, detached (for assertions)."""
    from portal.logos.models import LogoPermit

    def read(permit_id: int):
        with app.app_context():
            permit = db.session.get(LogoPermit, permit_id)
            db.session.expunge(permit)
            return permit

    return read


# These tests read the logo pages and mails in English (their assertions quote the English
# source strings); the catalogue test proves the Japanese is complete, and the permit PDF,
# Japanese only, is read as Japanese.
@pytest.fixture
def make_user(make_user):
    def build(*args, locale: str = "en", **kwargs) -> int:
        return make_user(*args, locale=locale, **kwargs)

    return build


@pytest.fixture
def client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
