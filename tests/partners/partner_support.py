"""Helpers for the partner tests (imported as `from partner_support import …`)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta


from support import login
from portal.core.extensions import db
from portal.core.i18n import today_jst

TODAY = today_jst()


def client_for(app, user_id: int | None):
    """A client signed in as the user (English pages when the user's language is English)."""
    client = app.test_client()
    if user_id is not None:
        login(client, user_id)
    return client


def revoke(app, organisation_id: int, code: str) -> None:
    """The organisation's owner withdraws its consent to institution `code` (the operation)."""
    from portal.organisations.models import Organisation
    from portal.partners import operations as partners

    with app.test_request_context():
        [consent] = [c for c in partners.live_consents(organisation_id) if c.institution.code == code]
        partners.revoke_consent(consent, db.session.get(Organisation, organisation_id).owner)
        db.session.commit()


def record(app, partner_id: int, organisation_id: int, shared: bool = False, notes: str = "memo",
           kind: str = "consulting", days_ago: int = 1) -> int:
    """A support record by the partner's institution (the operation): its id."""
    from portal.accounts.models import User
    from portal.organisations.models import Organisation
    from portal.partners import operations as partners

    with app.test_request_context():
        made = partners.record_support(db.session.get(Organisation, organisation_id), db.session.get(User, partner_id),
                                       TODAY - timedelta(days=days_ago), kind, notes, shared)
        db.session.commit()
        return made.id


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[list]:
    from openpyxl import load_workbook

    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def form_token(client, path: str) -> str:
    from support import csrf_token

    return csrf_token(client, path)
