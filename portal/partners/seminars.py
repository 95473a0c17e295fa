"""The hook for seminar attendance on a partner's page of an organisation.

Seminars (follow-up seminars for registrants, DESIGN.md "Seminar sign-up") are not built yet.
When they are, `attendance` returns the organisation's sign-ups with whether each person
attended, and the partner's organisation page (templates/partners/organisation.html) shows
them; until then it returns nothing and the page shows nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Attendance:
    seminar: str
    held_on: date
    attended: bool


def attendance(organisation_id: int) -> list[Attendance]:
    """The organisation's seminar sign-ups, newest first (none until seminars exist)."""
    return []
