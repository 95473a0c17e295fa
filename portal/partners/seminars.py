"""Seminar attendance on a partner's page of an organisation: the history the seminars feature
keeps (`portal.seminars.queries.attendance_of`), for an organisation that consents to the
partner (the view checks the consent before it asks)."""
from __future__ import annotations

from portal.seminars.queries import Attendance, attendance_of


def attendance(organisation_id: int) -> list[Attendance]:
    """The seminars the organisation had confirmed seats at, latest first (one query)."""
    return attendance_of([organisation_id])[organisation_id]
