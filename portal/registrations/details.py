"""Dated versions of a registration's certified details (`RegistrationDetails`, 記載事項).

The first version is made when a registration is decided or imported (`first_rows`, written in
bulk with the registrations); each accepted 変更届 closes the version in force and opens the next
from the day it was accepted (`open_version`). Figures "active on a day" join the version in
force that day (`in_force_on`), so a year-end figure once published never moves, and the
figures "at decision" keep reading the registration's own snapshot.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from portal.core.db import utcnow
from portal.core.extensions import db
from portal.registrations.models import Registration, RegistrationDetails

# What a registration certifies about the registrant and a 変更届 may change (法人番号 and kind
# never change: a different entity applies anew) …
CERTIFIED_FIELDS = ("name", "name_kana", "representative_title", "representative_name", "postal_code", "address",
                    "industry")
# … and what follows from the address.
LOCATION_FIELDS = ("municipality_code", "in_city")


def values_of(organisation) -> dict:
    """The organisation's certified details and location as they are now."""
    return {field: getattr(organisation, field) for field in (*CERTIFIED_FIELDS, *LOCATION_FIELDS)}


def first_rows(registrations: list[tuple[int, object, date]]) -> list[dict]:
    """Rows for the first versions of new registrations — (registration id, organisation, the day
    it was decided) each — to be inserted in one statement with them. The location is where the
    organisation is at the decision, as the registration's own snapshot records it."""
    now = utcnow()
    return [{"registration_id": registration_id, "valid_from": day, "valid_until": None, "change_notice_id": None,
             "changed_on": None, "created_at": now, **values_of(organisation)}
            for registration_id, organisation, day in registrations]


def add_first(registrations: list[tuple[int, object, date]]) -> None:
    """Insert the first versions of new registrations (one statement)."""
    rows = first_rows(registrations)
    if rows:
        db.session.execute(RegistrationDetails.__table__.insert(), rows)


def history(registration_id: int) -> list[RegistrationDetails]:
    """Every version of a registration's details, oldest first."""
    return list(db.session.scalars(select(RegistrationDetails).where(
        RegistrationDetails.registration_id == registration_id).order_by(RegistrationDetails.valid_from,
                                                                          RegistrationDetails.id)))


def current(registration: Registration) -> RegistrationDetails | None:
    """The version in force now — the open one (no end), the last of `history` — or None for a
    registration without any."""
    return db.session.scalar(select(RegistrationDetails).where(
        RegistrationDetails.registration_id == registration.id, RegistrationDetails.valid_until.is_(None))
        .order_by(RegistrationDetails.valid_from.desc(), RegistrationDetails.id.desc()).limit(1))


def current_for(registration_ids: list[int]) -> dict[int, RegistrationDetails]:
    """Registration id → the version in force now (as `current`), for many registrations in one
    query (per 500 ids); a registration without versions is left out."""
    found: dict[int, RegistrationDetails] = {}
    for start in range(0, len(registration_ids), 500):
        versions = db.session.scalars(select(RegistrationDetails).where(
            RegistrationDetails.registration_id.in_(registration_ids[start:start + 500]),
            RegistrationDetails.valid_until.is_(None))
            .order_by(RegistrationDetails.valid_from, RegistrationDetails.id))
        found.update((version.registration_id, version) for version in versions)  # the latest wins
    return found


def in_force(versions: list[RegistrationDetails]) -> RegistrationDetails | None:
    """The version in force now among a registration's `history` (as `current`, without a query)."""
    return next((version for version in reversed(versions) if version.valid_until is None), None)


def open_version(registration: Registration, values: dict, day: date, *, notice=None,
                 changed_on: date | None = None) -> RegistrationDetails:
    """Close the version in force the day before `day` and open one with `values` (certified
    details and location) from `day`. A registration that has no version yet gets its first from
    the organisation as it was (from its registration date) before. A second change on the day a
    version opened replaces that version's values."""
    in_force = current(registration)
    if in_force is None:
        add_first([(registration.id, registration.organisation, registration.registered_on)])
        in_force = current(registration)
        if in_force.valid_from >= day:  # registered today, changed today
            in_force.valid_from = day
    values = {field: values[field] for field in (*CERTIFIED_FIELDS, *LOCATION_FIELDS)}
    if in_force.valid_from >= day:
        for field, value in values.items():
            setattr(in_force, field, value)
        in_force.change_notice_id = notice.id if notice is not None else in_force.change_notice_id
        in_force.changed_on = changed_on or in_force.changed_on
        db.session.flush()
        return in_force
    in_force.valid_until = day
    version = RegistrationDetails(registration_id=registration.id, valid_from=day, valid_until=None,
                                  change_notice_id=notice.id if notice is not None else None,
                                  changed_on=changed_on, **values)
    db.session.add(version)
    db.session.flush()
    return version


def in_force_on(day: date):
    """The join condition of a registration (`Registration`) with its version in force on `day`:
    use it with an outer join, falling back to the registration's own snapshot (coalesce) for one
    that has no version."""
    return and_(RegistrationDetails.registration_id == Registration.id, version_in_force(day))


def version_in_force(day: date, version=RegistrationDetails):
    """Whether a version (`RegistrationDetails`, or an alias of it) is in force on `day`: from its
    `valid_from` until the day before its `valid_until`, if any (`in_force_on` without the join)."""
    return and_(version.valid_from <= day, or_(version.valid_until.is_(None), version.valid_until > day))
