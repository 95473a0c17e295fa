"""The inquiries' item on the やること panels of the prefecture's staff and the city's staff."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import ngettext

from portal.inquiries.queries import waiting_for_staff
from portal.todo import Item


def waiting(user, now: datetime) -> list[Item]:
    """Inquiries waiting for an answer from the user's office (one query; none for others)."""
    count = waiting_for_staff(user)
    if not count:
        return []
    return [Item("inquiries", ngettext("%(num)s inquiry waiting for an answer",
                                       "%(num)s inquiries waiting for an answer", count),
                 url_for("staff_inquiries.index"), count=count)]
