"""The partner panel (templates/partners/dashboard.html): supported organisations whose term
ends within six months (time to talk about the renewal), and organisations that consented in
the last 14 days. Only organisations with a live consent to the user's institution."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, select

from portal.core import deadlines
from portal.core.extensions import db
from portal.core.i18n import display_date
from portal.core.permissions import may
from portal.todo import INFO, NORMAL, Item

NEW_CONSENT_DAYS = 14
# Items listed one by one; beyond that, one line links to the whole list.
SHOWN = 5


def _live_consent(institution_id: int):
    from portal.organisations.models import Organisation
    from portal.partners.models import PartnerConsent

    return and_(PartnerConsent.organisation_id == Organisation.id, PartnerConsent.institution_id == institution_id,
                PartnerConsent.revoked_at.is_(None))


def ending(user, now: datetime) -> list[Item]:
    """Supported organisations whose registration is active and ends within six months."""
    from portal.organisations.models import Organisation
    from portal.partners.models import PartnerConsent
    from portal.partners.queries import ENDING, ENDING_MONTHS
    from portal.registrations import documents
    from portal.registrations.models import Registration
    from portal.registrations.queries import status_condition
    from portal.registrations.terms import add_months

    if not may(user, "partner.dashboard"):
        return []
    today = deadlines.on_day(now)
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Registration.valid_until)
        .join(PartnerConsent, _live_consent(user.partner_id))
        .join(Registration, Registration.organisation_id == Organisation.id)
        .where(status_condition(documents.ACTIVE, today), Registration.valid_until <= add_months(today, ENDING_MONTHS))
        .order_by(Registration.valid_until, Organisation.id)).all()
    items = [Item(f"ending-{organisation_id}", name, url_for("partner.organisation", organisation_id=organisation_id),
                  deadline=valid_until, when=_("the term ends on %(day)s", day=display_date(valid_until)), lang="ja")
             for organisation_id, name, valid_until in rows[:SHOWN]]
    if len(rows) > SHOWN:
        items.append(Item("ending-all", ngettext("All %(num)s organisations whose term ends within six months",
                                                 "All %(num)s organisations whose term ends within six months",
                                                 len(rows)),
                          url_for("partner.dashboard", status=ENDING), count=len(rows), urgency=INFO))
    return items


def new_consents(user, now: datetime) -> list[Item]:
    """Organisations that chose the institution and consented in the last 14 days."""
    from portal.organisations.models import Organisation
    from portal.partners.models import PartnerConsent

    if not may(user, "partner.dashboard"):
        return []
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, PartnerConsent.granted_at)
        .join(PartnerConsent, _live_consent(user.partner_id))
        .where(PartnerConsent.granted_at >= now - timedelta(days=NEW_CONSENT_DAYS))
        .order_by(PartnerConsent.granted_at.desc(), Organisation.id)).all()
    items = [Item(f"consent-{organisation_id}", name, url_for("partner.organisation", organisation_id=organisation_id),
                  when=_("new: consented on %(day)s", day=display_date(granted_at)), urgency=NORMAL, lang="ja")
             for organisation_id, name, granted_at in rows[:SHOWN]]
    if len(rows) > SHOWN:
        items.append(Item("consent-all", ngettext("%(num)s new consent in the last 14 days",
                                                  "%(num)s new consents in the last 14 days", len(rows)),
                          url_for("partner.dashboard"), count=len(rows), urgency=INFO))
    return items


PROVIDERS: list = [ending, new_consents]
