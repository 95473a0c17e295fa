"""The city's panel (templates/core/city_home.html): logo requests waiting for its decision."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import display_date
from portal.core.permissions import may
from portal.todo import Item


def logo_requests(user, now: datetime) -> list[Item]:
    """Requests sent and waiting for a decision, with the day the oldest was sent (one query)."""
    from flask_babel import gettext as _

    from portal.logos.models import LogoPermit
    from portal.logos.workflow import PermitState

    if not may(user, "logo.manage"):
        return []
    count, oldest = db.session.execute(select(func.count(), func.min(LogoPermit.submitted_at))
                                       .where(LogoPermit.state == PermitState.SUBMITTED)).one()
    if not count:
        return []
    return [Item("logo-requests", ngettext("%(num)s logo request waiting for your decision",
                                           "%(num)s logo requests waiting for your decision", count),
                 url_for("staff_logos.index", list="waiting"), count=count,
                 when=_("the oldest sent on %(day)s", day=display_date(oldest)) if oldest else None)]


PROVIDERS: list = [logo_requests, "portal.inquiries.todo:waiting"]
