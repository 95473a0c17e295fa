"""出席簿 — the printable attendance sheet of a seminar (PDF, A4, Japanese, IPAex): one line per
confirmed attendee, with a box to tick at the door and room for a note.

Rendered from plain data (`sheet_data`), never from ORM objects, always in Japanese like the
portal's other documents. It shows the list as it stands when printed (with the time printed),
and the attendance already marked, if any.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from portal.core.db import utcnow
from portal.core.pdf import render_pdf
from portal.seminars.models import Seminar, SeminarSignup, SignupState

TEMPLATE = "seminars/pdf/attendance_sheet.html"
LOCALE = "ja"


def sheet_data(seminar: Seminar, signups: list[SeminarSignup], numbers: dict[int, str],
               now: datetime | None = None) -> dict:
    """What the sheet shows: the seminar, and the attendees of the confirmed sign-ups in the
    attendee list's order, numbered, each with their organisation and its registration number."""
    rows = []
    for signup in signups:
        if signup.state != SignupState.CONFIRMED:
            continue
        for attendee in signup.attendees:
            rows.append({"number": len(rows) + 1, "organisation": signup.organisation.name,
                         "registration": numbers.get(signup.organisation_id, ""), "name": attendee.name,
                         "attended": attendee.attended})
    return {"title": seminar.title_ja, "starts_at": seminar.starts_at, "ends_at": seminar.ends_at,
            "venue": seminar.venue, "online": bool(seminar.online_url), "capacity": seminar.capacity,
            "confirmed": seminar.seats_confirmed, "cancelled": seminar.cancelled, "rows": rows,
            "printed_at": now or utcnow()}


def attendance_sheet(data: dict) -> bytes:
    from portal.seminars.presentation import document_time

    with force_locale(LOCALE):
        return render_pdf(TEMPLATE, when=document_time(data["starts_at"], data["ends_at"]), **data)
