"""`flask seed-demo`: idempotent demo data for trying the portal (never run in production).

Later features extend it; every piece is created through the features' operations.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.core.db import analyze
from portal.core.extensions import db
from portal.core.i18n import JST

DEMO_PASSWORD = "kumamoto-sdgs-demo"

PARTNERS = (
    ("higo-bank", "肥後銀行", "The Higo Bank", "bank"),
    ("kumamoto-bank", "熊本銀行", "The Kumamoto Bank", "bank"),
    ("ms-ad", "三井住友海上", "Mitsui Sumitomo Insurance", "insurer"),
    ("kumamoto-ri", "地方経済総合研究所", "Regional Economic Research Institute", "think_tank"),
)

# Cohorts decided before the portal, imported with the plan's figures: decision date, registered,
# of which in Kumamoto City (593 of 850 in the city as of 2024-03-31, before later cohorts).
from portal.demo.timeline import HISTORICAL as _WINDOWS  # noqa: E402

HISTORICAL = {number: (decided_on, total, in_city) for number, (_first, _last, decided_on, total, in_city)
              in _WINDOWS.items()}

STAFF = (
    ("reviewer@example.jp", "審査 花子", "reviewer", None),
    ("secretariat@example.jp", "事務局 太郎", "secretariat", None),
    ("partner@example.jp", "肥後 銀次", "partner", "higo-bank"),
    ("partner2@example.jp", "熊本 銀子", "partner", "kumamoto-bank"),
    ("city@example.jp", "市役所 さくら", "city", None),  # Kumamoto City: the KPI and the logo permits
)

COMPANIES = (
    ("applicant@example.jp", "申請 一郎", {
        "kind": "corporation", "corporate_number": "7999901000001", "name": "くまもと緑化産業株式会社",
        "name_kana": "クマモトリョッカサンギョウ", "representative_title": "代表取締役",
        "representative_name": "緑川 一郎", "postal_code": "8600806", "address": "熊本県熊本市中央区花畑町4-1",
        "industry": "D", "employees": 48, "capital": 30_000_000, "website": "https://ryokka.example.jp",
        "contact_name": "申請 一郎", "contact_department": "総務部", "contact_phone": "096-000-0001",
        "contact_email": "applicant@example.jp",
    }),
    ("applicant2@example.jp", "申請 二郎", {
        "kind": "corporation", "corporate_number": "6999901000002", "name": "阿蘇めぐみ食品有限会社",
        "name_kana": "アソメグミショクヒン", "representative_title": "代表取締役",
        "representative_name": "阿蘇 恵", "postal_code": "8692612", "address": "熊本県阿蘇市一の宮町宮地1000",
        "industry": "E", "employees": 12, "capital": 5_000_000, "website": None,
        "contact_name": "申請 二郎", "contact_department": None, "contact_phone": "0967-00-0002",
        "contact_email": "applicant2@example.jp",
    }),
)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo accounts, partners, cohorts and organisations (idempotent)."""
    from portal.accounts import operations as accounts
    from portal.accounts.models import User
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.core.roles import Role
    from portal.organisations import operations as organisations
    from portal.partners import operations as partners
    from portal.partners.models import InstitutionKind, PartnerInstitution

    institutions = {}
    for code, name_ja, name_en, kind in PARTNERS:
        found = db.session.scalar(select(PartnerInstitution).where(PartnerInstitution.code == code))
        institutions[code] = found or partners.create_institution(code, name_ja, name_en, InstitutionKind(kind))

    for email, name, role, partner_code in STAFF:
        if accounts.find_by_email(email) is None:
            accounts.create_account(email, name, Role(role), "ja", partner=institutions.get(partner_code),
                                    password=DEMO_PASSWORD)

    from portal.demo.issuer import seed_issuer

    seed_issuer(accounts.find_by_email("secretariat@example.jp"))

    from portal.demo.contacts import seed_contacts

    seed_contacts(accounts.find_by_email("secretariat@example.jp"), accounts.find_by_email("city@example.jp"))

    for email, name, profile in COMPANIES:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_account(email, name, Role.APPLICANT, "ja", password=DEMO_PASSWORD)
        if user.membership is None:
            organisations.create_organisation(user, _profile(profile))

    # The cohorts as the scheme ran them (portal.demo.timeline), created once, in order of decision.
    from portal.demo.plans import PlanWriter
    from portal.demo.timeline import seed_imported, seed_renewals, timeline

    today = datetime.now(JST).date()
    writer = PlanWriter.from_database()  # no two demo organisations share a vision or key actions
    if db.session.scalar(select(Cohort).where(Cohort.number == 1)) is None:
        for slot in timeline(today):
            if slot.kind == "imported":
                seed_imported(slot)
            elif slot.kind == "decided":
                from portal.demo.registrations import seed_decided_cohort

                seed_decided_cohort(slot.number, DEMO_PASSWORD, today, slot.name, writer)
            elif slot.kind == "renewal":  # a renewal that reordered its key actions, decided last month
                from portal.demo.renewal import seed_renewal
                from portal.demo.reports import report_periods

                seed_renewal(slot.number, today, report_periods(today), slot.name)
            else:
                cohort = cohorts.plan_cohort(slot.number, _jst(slot.first_day), _jst(slot.last_day + timedelta(days=1)),
                                             decision_planned_on=slot.decision, display_name=slot.name)
                if slot.kind == "open":
                    cohorts.move_cohort(cohort, CohortState.OPEN)
        seed_renewals(writer)
    open_cohort = db.session.scalar(select(Cohort).where(Cohort.state == CohortState.OPEN)
                                    .order_by(Cohort.number.desc()))
    if open_cohort is None:  # (a database seeded by an older demo whose open cohort has closed since)
        number = (db.session.scalar(select(db.func.max(Cohort.number))) or 0) + 1
        open_cohort = cohorts.plan_cohort(number, _jst(today - timedelta(days=10)), _jst(today + timedelta(days=21)),
                                          decision_planned_on=today + timedelta(days=60))
        cohorts.move_cohort(open_cohort, CohortState.OPEN)
    from portal.demo.applications import seed_applications, seed_draft

    seed_draft(accounts.find_by_email("applicant@example.jp"), open_cohort, writer)
    seed_applications(open_cohort, DEMO_PASSWORD, accounts.find_by_email("reviewer@example.jp"), writer)
    applicant2 = accounts.find_by_email("applicant2@example.jp")
    if not partners.live_consents(applicant2.organisation.id):
        partners.set_consents(applicant2.organisation, {institutions["higo-bank"].id}, applicant2)
    from portal.demo.logos import seed_logo_permits

    seed_logo_permits(today)
    from portal.demo.partners import seed_partners

    seed_partners(institutions, today)
    from portal.demo.seminars import seed_seminars

    seed_seminars(today)
    from portal.demo.reports import seed_reports

    seed_reports(today)
    from portal.demo.claims import seed_claims

    seed_claims(DEMO_PASSWORD, accounts.find_by_email("secretariat@example.jp"))
    from portal.demo.changes import seed_change_notice

    seed_change_notice(today)
    db.session.commit()
    analyze(db.session)  # thousands of rows written at once (the imported cohorts)
    count = db.session.scalar(select(db.func.count()).select_from(User))
    click.echo(f"demo data ready: {count} accounts (password {DEMO_PASSWORD!r})")


def _profile(data: dict) -> dict:
    from portal.organisations.models import OrganisationKind

    return {**data, "kind": OrganisationKind(data["kind"])}


def _jst(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST)
