"""The iCalendar file (.ics, RFC 5545) of a seminar, attached to the mails of confirmed attendees
and downloadable from their seminar page, so the seminar lands in their phone's calendar.

One event per seminar (UID seminar-<id>@<portal host>): a change of time or place raises its
SEQUENCE, so calendars replace the old entry; a cancelled seminar is sent with METHOD:CANCEL.
Times are written in UTC, which every calendar shows in its own time zone (JST in Japan).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core.db import utcnow
from portal.seminars.models import Seminar

CONTENT_TYPE = "text/calendar"
PRODID = "-//Kumamoto SDGs Registration Portal//Seminars//JA"


def uid(seminar: Seminar) -> str:
    host = urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "portal"
    return f"seminar-{seminar.id}@{host}"


def filename(seminar: Seminar) -> str:
    return f"seminar-{seminar.id}.ics"


def seminar_ics(seminar: Seminar, locale: str, page_url: str, online_url: str | None = None,
                cancelled: bool = False) -> bytes:
    """The seminar as an iCalendar file in `locale`: title, time, place, the description with a
    link to the seminar page and — for a confirmed attendee only — the online link."""
    from icalendar import Calendar, Event

    with force_locale(locale):
        description, _language = seminar.description(locale)
        lines = [description.strip(), "", _("Seminar page: %(link)s", link=page_url)]
        if online_url:
            lines.append(_("Online link: %(link)s", link=online_url))
        location = seminar.venue or _("Online")
        summary = seminar.title(locale)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid(seminar))
    event.add("dtstamp", utcnow())
    event.add("sequence", seminar.sequence)
    event.add("dtstart", seminar.starts_at)
    event.add("dtend", seminar.ends_at)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", "\n".join(lines))
    event.add("url", page_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
