"""A decided demo cohort: registrations active, withdrawn and revoked, and a rejection — all
made through the operations (submission in the past window, review, decision, lifecycle)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.accounts import operations as accounts
from portal.applications import operations as applications
from portal.cohorts import operations as cohorts
from portal.cohorts.models import CohortState
from portal.core.i18n import JST
from portal.core.roles import Role
from portal.demo.applications import demo_content
from portal.organisations import operations as organisations
from portal.organisations.models import OrganisationKind
from portal.registrations import operations as registrations

# (owner, name, organisation, what happens after the decision)
DECIDED = (
    ("demo07@example.jp", "宇城 七海", {
        "kind": "corporation", "corporate_number": "1999901000007", "name": "うき不知火みかん株式会社",
        "name_kana": "ウキシラヌイミカン", "representative_title": "代表取締役", "representative_name": "宇城 七海",
        "postal_code": "8690592", "address": "熊本県宇城市松橋町大野85", "industry": "A", "employees": 15,
        "capital": 3_000_000, "website": None, "contact_name": "宇城 七海", "contact_department": None,
        "contact_phone": "0964-00-1007", "contact_email": "demo07@example.jp"}, "withdrawn"),
    ("demo08@example.jp", "荒尾 八重", {
        "kind": "corporation", "corporate_number": "9999901000008", "name": "有明リサイクル株式会社",
        "name_kana": "アリアケリサイクル", "representative_title": "代表取締役", "representative_name": "荒尾 八重",
        "postal_code": "8640041", "address": "熊本県荒尾市荒尾390", "industry": "R", "employees": 40,
        "capital": 10_000_000, "website": None, "contact_name": "荒尾 八重", "contact_department": "管理部",
        "contact_phone": "0968-00-1008", "contact_email": "demo08@example.jp"}, "revoked"),
    ("demo09@example.jp", "水俣 九", {
        "kind": "sole_proprietor", "corporate_number": None, "name": "みなまた手しごと工房",
        "name_kana": "ミナマタテシゴトコウボウ", "representative_title": "代表", "representative_name": "水俣 九",
        "postal_code": "8670041", "address": "熊本県水俣市天神町1-1-1", "industry": "E", "employees": 2,
        "capital": None, "website": None, "contact_name": "水俣 九", "contact_department": None,
        "contact_phone": "0966-00-1009", "contact_email": "demo09@example.jp"}, "rejected"),
    ("demo10@example.jp", "玉名 十和", {
        "kind": "corporation", "corporate_number": "6999901000010", "name": "玉名ティーファーム株式会社",
        "name_kana": "タマナティーファーム", "representative_title": "代表取締役", "representative_name": "玉名 十和",
        "postal_code": "8650016", "address": "熊本県玉名市岩崎200", "industry": "A", "employees": 9,
        "capital": 5_000_000, "website": None, "contact_name": "玉名 十和", "contact_department": None,
        "contact_phone": "0968-00-1010", "contact_email": "demo10@example.jp"}, "active"),
)


def _jst(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST)


def seed_decided_cohort(number: int, password: str, today: date) -> None:
    """Cohort `number`, decided two years and eight months ago, so that its registrations end
    in four months (due for renewal, and reminded): applicant2@'s company and four demo
    organisations applied; afterwards one registrant withdrew and one registration was revoked."""
    from portal.registrations.terms import add_months

    reviewer = accounts.find_by_email("reviewer@example.jp")
    secretariat = accounts.find_by_email("secretariat@example.jp")
    decided_on = add_months(today, -32)
    opens, closes = decided_on - timedelta(days=100), decided_on - timedelta(days=70)
    cohort = cohorts.plan_cohort(number, _jst(opens), _jst(closes), decision_planned_on=decided_on)
    cohorts.move_cohort(cohort, CohortState.OPEN, actor=secretariat)

    owners = [(accounts.find_by_email("applicant2@example.jp"), "active")]
    for email, name, profile, fate in DECIDED:
        user = accounts.find_by_email(email) or accounts.create_account(email, name, Role.APPLICANT, "ja",
                                                                        password=password)
        if user.membership is None:
            organisations.create_organisation(user, {**profile, "kind": OrganisationKind(profile["kind"])})
        owners.append((user, fate))

    submitted_at = _jst(opens + timedelta(days=5))
    for index, (user, fate) in enumerate(owners):
        application = applications.start_application(user.organisation, cohort, user)
        for section, value in demo_content().items():
            applications.save_section(application, section, value, user)
        applications.submit_application(application, user, now=submitted_at + timedelta(hours=index))
        applications.start_review(application, reviewer)
        approve = fate != "rejected"
        applications.recommend(application, approve, reviewer, "" if approve else "重点的な取組の指標が確認できないため。")
    cohorts.move_cohort(cohort, CohortState.CLOSED, actor=secretariat)
    cohorts.decide_cohort(cohort, decided_on, secretariat)

    for user, fate in owners:
        registration = next((r for r in _registrations_of(user.organisation)), None)
        if fate == "withdrawn" and registration:
            registrations.withdraw_registration(registration, user, "事業の縮小により辞退します。")
        if fate == "revoked" and registration:
            registrations.revoke_registration(registration, secretariat, "宣言内容と異なる事実が確認されたため。")


def _registrations_of(organisation):
    from sqlalchemy import select

    from portal.core.extensions import db
    from portal.registrations.models import Registration

    return db.session.scalars(select(Registration).where(Registration.organisation_id == organisation.id))
