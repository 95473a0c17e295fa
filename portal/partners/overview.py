"""The secretariat's overview of the partners: per institution, its users, the organisations
that consent to it, its published menus, and its support activity per fiscal quarter (the
Japanese fiscal year: April–March; Q1 is April–June)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.roles import Role
from portal.partners.models import PartnerConsent, PartnerInstitution, SupportMenu, SupportRecord
from portal.registrations.terms import add_months


@dataclass(frozen=True, order=True)
class Quarter:
    fiscal_year: int
    number: int  # 1–4

    @classmethod
    def of(cls, day: date) -> Quarter:
        fiscal_year = day.year if day.month >= 4 else day.year - 1
        return cls(fiscal_year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """`2026-1` (fiscal year 2026, Q1), or None."""
        year, _, number = (text or "").partition("-")
        if year.isdigit() and number in ("1", "2", "3", "4") and 2000 <= int(year) <= 2100:
            return cls(int(year), int(number))
        return None

    @property
    def key(self) -> str:
        return f"{self.fiscal_year}-{self.number}"

    @property
    def starts(self) -> date:
        return add_months(date(self.fiscal_year, 4, 1), 3 * (self.number - 1))

    @property
    def ends(self) -> date:
        from datetime import timedelta

        return add_months(self.starts, 3) - timedelta(days=1)

    @property
    def title(self) -> str:
        from flask_babel import gettext

        return gettext("FY%(year)s Q%(number)s", year=self.fiscal_year, number=self.number)

    def previous(self) -> Quarter:
        return Quarter.of(add_months(self.starts, -3))


def recent_quarters(today: date, count: int = 4) -> list[Quarter]:
    """The present quarter and the ones before it, oldest first."""
    quarters = [Quarter.of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return list(reversed(quarters))


@dataclass(frozen=True)
class Activity:
    records: int = 0
    organisations: int = 0


@dataclass(frozen=True)
class InstitutionSummary:
    institution: PartnerInstitution
    users: int
    supported: int
    menus: int
    activity: dict[Quarter, Activity]


def summaries(quarters: list[Quarter]) -> list[InstitutionSummary]:
    """Every institution with its counts (one query) and its activity in `quarters` (one query)."""
    users = (select(func.count(User.id)).where(User.partner_id == PartnerInstitution.id, User.role == Role.PARTNER,
                                              User.active.is_(True)).scalar_subquery())
    supported = (select(func.count(PartnerConsent.id)).where(PartnerConsent.institution_id == PartnerInstitution.id,
                                                            PartnerConsent.revoked_at.is_(None)).scalar_subquery())
    menus = (select(func.count(SupportMenu.id)).where(SupportMenu.institution_id == PartnerInstitution.id,
                                                     SupportMenu.published.is_(True)).scalar_subquery())
    rows = db.session.execute(select(PartnerInstitution, users, supported, menus)
                              .order_by(PartnerInstitution.id)).all()
    activity = quarterly_activity(quarters)
    return [InstitutionSummary(institution, n_users, n_supported, n_menus, activity.get(institution.id, {}))
            for institution, n_users, n_supported, n_menus in rows]


def quarterly_activity(quarters: list[Quarter]) -> dict[int, dict[Quarter, Activity]]:
    """{institution id: {quarter: records and distinct organisations supported}} (one query)."""
    if not quarters:
        return {}
    rows = db.session.execute(
        select(SupportRecord.institution_id, SupportRecord.organisation_id, SupportRecord.supported_on)
        .where(SupportRecord.supported_on >= quarters[0].starts, SupportRecord.supported_on <= quarters[-1].ends))
    records = defaultdict(int)
    organisations = defaultdict(set)
    for institution_id, organisation_id, supported_on in rows:
        key = (institution_id, Quarter.of(supported_on))
        records[key] += 1
        organisations[key].add(organisation_id)
    result: dict[int, dict[Quarter, Activity]] = defaultdict(dict)
    for (institution_id, quarter), count in records.items():
        result[institution_id][quarter] = Activity(count, len(organisations[(institution_id, quarter)]))
    return result
