"""Registrations in SQL: the twin of `documents.status_on`, for lists, the directory, the open
data and the KPI, so that a status means the same on every page."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, or_

from portal.core.db import unindexed
from portal.registrations import documents
from portal.registrations.models import Registration, RegistrationState


def status_condition(status: str, day: date, *, valid_until=Registration.valid_until):
    """Registrations whose status on `day` is `status` (one of documents' five)."""
    ended = and_(Registration.state != RegistrationState.ACTIVE,
                 or_(Registration.ended_on.is_(None), Registration.ended_on <= day))
    running = ~ended
    return {
        documents.WITHDRAWN: and_(ended, Registration.state == RegistrationState.WITHDRAWN),
        documents.REVOKED: and_(ended, Registration.state == RegistrationState.REVOKED),
        documents.EXPIRED: and_(running, valid_until < day),
        documents.UPCOMING: and_(running, valid_until >= day, Registration.registered_on > day),
        documents.ACTIVE: and_(running, Registration.registered_on <= day, valid_until >= day),
    }[status]


def active_on(day: date, *, by_term_index: bool = True):
    """Registrations active on `day`: decided on or before it, not past their term, and not
    withdrawn or revoked before it (CONTRACT.md: 2021-08-25 → active through 2024-08-24).

    `by_term_index=False`: not read off ix_registrations_valid_until, for a query that walks
    another index in its own order and stops after a page (the directory, by number). Most
    registrations are active, so "valid_until >= day" narrows little, but SQLite's planner
    would take that range and sort every match."""
    if by_term_index:
        return status_condition(documents.ACTIVE, day)
    return status_condition(documents.ACTIVE, day, valid_until=unindexed(Registration.valid_until))


def active_period():
    """`active_on` as bounds of each registration, for a query that counts many days in one pass
    (the KPI's fiscal years): a registration is active on `day` if and only if

        first <= day <= last and (ends is NULL or day < ends)

    with (first, last, ends) the returned expressions: its registration and the last day of its
    term, and the day its withdrawal or revocation took effect (`status_condition`: ended on
    that day), NULL while it is in force. One that is withdrawn or revoked without a date ended
    before it began (`ends` is its first day), as `status_condition` has it ended on every day."""
    ends = case((Registration.state == RegistrationState.ACTIVE, None),
                else_=func.coalesce(Registration.ended_on, Registration.registered_on))
    return Registration.registered_on, Registration.valid_until, ends
