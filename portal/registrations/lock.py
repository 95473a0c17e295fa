"""Whether an organisation's certified identity is locked: while it holds a live registration, its
name, フリガナ, 法人番号, kind, representative, postal code, address and industry change only by a
変更届 the secretariat accepts (法人番号 and kind not at all). Contact details stay editable; before
the first registration and once none is live, everything is editable.

The profile form, the application's profile step and `update_organisation` all ask here.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.details import CERTIFIED_FIELDS

# What a live registration locks: what it certifies, and what makes the entity the same entity.
LOCKED_FIELDS = ("kind", "corporate_number", *CERTIFIED_FIELDS)


def locking_registration(organisation, today: date | None = None):
    """The organisation's live registration (active, within its term or before it begins) that
    locks its certified details, or None when they are freely editable. One query."""
    from portal.registrations.models import Registration, RegistrationState

    if organisation is None or organisation.id is None:
        return None
    today = today or today_jst()
    return db.session.scalar(
        select(Registration).where(Registration.organisation_id == organisation.id,
                                   Registration.state == RegistrationState.ACTIVE,
                                   Registration.valid_until >= today)
        .order_by(Registration.valid_until.desc(), Registration.id.desc()).limit(1))


def is_locked(organisation, today: date | None = None) -> bool:
    return locking_registration(organisation, today) is not None
