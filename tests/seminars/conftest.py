"""Builders for the seminar tests: registrants made the portal's way (an organisation with its
owner, then registered by `import_rows` under its corporate number), a secretariat member,
seminars scheduled through the operation, and signed-in clients."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from support import login
from portal.core.extensions import db
from portal.core.i18n import today_jst
from seminar_helpers import DEFAULTS, corporate_number, jst_at

_serials = itertools.count(1)


@pytest.fixture
def secretariat(make_user):
    return make_user("secretariat", email="secretariat@example.jp", name="事務局 花子")


@pytest.fixture
def registrants(app, make_user, make_organisation):
    """registrants(count=1, locale="ja", registered=True, prefix="r") -> [{"user", "organisation",
    "email", "name"}]: each an organisation with its owner; registered (an active registration,
    imported) unless registered=False."""
    from portal.registrations.importer import import_rows

    def build(count: int = 1, locale: str = "ja", registered: bool = True, prefix: str = "r") -> list[dict]:
        made, rows = [], []
        for _ in range(count):
            serial = next(_serials)
            number = corporate_number(serial + 5000 * (prefix != "r"))
            email = f"{prefix}{serial}@example.jp"
            name = f"株式会社テスト{serial}"
            user_id = make_user(email=email, locale=locale, name=f"担当 {serial}")
            organisation_id = make_organisation(user_id, corporate_number=number, name=name,
                                                name_kana="カブシキガイシャテスト", contact_email=email)
            made.append({"user": user_id, "organisation": organisation_id, "email": email, "name": name})
            rows.append({"corporate_number": number, "name": name, "name_kana": "カブシキガイシャテスト",
                         "kind": "corporation", "postal_code": "8600806", "address": "熊本市中央区花畑町1-1",
                         "industry": "E", "goals": "13"})
        if registered:
            # The import refuses an organisation that has an account holder (a 法人番号 is public):
            # the owners step aside for it and come back, as a claim would make them owners.
            from sqlalchemy import delete, select

            from portal.organisations.models import Membership

            with app.test_request_context():
                ids = [entry["organisation"] for entry in made]
                owners = [(m.organisation_id, m.user_id) for m in db.session.scalars(
                    select(Membership).where(Membership.organisation_id.in_(ids)))]
                db.session.execute(delete(Membership).where(Membership.organisation_id.in_(ids)))
                import_rows(rows, 9, today_jst() - timedelta(days=200))
                db.session.add_all(Membership(organisation_id=organisation, user_id=user, is_owner=True)
                                   for organisation, user in owners)
                db.session.commit()
        return made

    return build


@pytest.fixture
def make_seminar(app, secretariat):
    """make_seminar(starts_in_days=10, **fields) -> seminar id, scheduled by the secretariat:
    14:00–16:00 JST, sign-up open from yesterday until the day before at 17:00."""
    from portal.accounts.models import User
    from portal.seminars import operations

    def build(starts_in_days: int = 10, **fields) -> int:
        data = {**DEFAULTS, "starts_at": jst_at(starts_in_days, 14), "ends_at": jst_at(starts_in_days, 16),
                "signup_opens_at": jst_at(-1, 9), "signup_closes_at": jst_at(starts_in_days - 1, 17), **fields}
        with app.test_request_context():
            seminar = operations.create_seminar(data, db.session.get(User, secretariat))
            db.session.commit()
            return seminar.id

    return build


@pytest.fixture
def client_of(app):
    """client_of(user_id, lang=None) -> a test client signed in as the user."""

    def build(user_id: int, lang: str | None = None):
        client = app.test_client()
        login(client, user_id)
        if lang:
            assert client.get(f"/?lang={lang}").status_code == 200
        return client

    return build


@pytest.fixture
def sign_up(app):
    """sign_up(seminar_id, user_id, names=("A",), now=None) -> sign-up id, through the operation."""
    from portal.accounts.models import User
    from portal.seminars import operations
    from portal.seminars.models import Seminar

    def run(seminar_id: int, user_id: int, names=("出席 一郎",), now=None) -> int:
        with app.test_request_context():
            signup = operations.sign_up(db.session.get(Seminar, seminar_id), db.session.get(User, user_id),
                                        len(names), list(names), now=now)
            db.session.commit()
            return signup.id

    return run


@pytest.fixture
def load(app):
    """load(model, id) -> the row, detached (with its attendees for a sign-up)."""

    def get(model, object_id):
        from sqlalchemy.orm import selectinload

        from portal.seminars.models import SeminarSignup

        with app.app_context():
            if model is SeminarSignup:
                found = db.session.scalar(db.select(SeminarSignup).where(SeminarSignup.id == object_id)
                                          .options(selectinload(SeminarSignup.attendees)))
            else:
                found = db.session.get(model, object_id)
            db.session.expunge_all()
            return found

    return get
