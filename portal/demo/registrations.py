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


def _corporate_number(serial: int) -> str:
    from portal.core.japanese import corporate_number_check_digit

    base = f"9999{serial:08d}"
    return f"{corporate_number_check_digit(base)}{base}"


# More registrants of the decided cohort, so that the public directory has something to show:
# (owner, name, organisation name, reading, kind, postal code, address, industry, theme)
REGISTRANTS = (
    ("demo20@example.jp", "白川 十和", "株式会社白川ウォーターテック", "シラカワウォーターテック", "corporation",
     "8620950", "熊本県熊本市中央区水前寺3-2-8", "E", "water"),
    ("demo11@example.jp", "健軍 一", "けんぐん介護サービス株式会社", "ケングンカイゴサービス", "corporation",
     "8620911", "熊本県熊本市東区健軍2-4-10", "P", "care"),
    ("demo12@example.jp", "春日 小百合", "春日デザイン事務所", "カスガデザインジムショ", "sole_proprietor",
     "8600047", "熊本市西区春日1-14-3", "L", "people"),
    ("demo13@example.jp", "近見 健", "近見運輸株式会社", "チカミウンユ", "corporation",
     "8614101", "熊本県熊本市南区近見5-11-2", "H", "climate"),
    ("demo14@example.jp", "植木 すいか", "植木すいか農園合同会社", "ウエキスイカノウエン", "corporation",
     "8610136", "熊本県熊本市北区植木町岩野301", "A", "food"),
    ("demo15@example.jp", "菊陽 十五", "菊陽半導体サポート株式会社", "キクヨウハンドウタイサポート", "corporation",
     "8691102", "熊本県菊池郡菊陽町原水2900", "E", "water"),
    ("demo16@example.jp", "八代 い草", "八代い草工房", "ヤツシロイグサコウボウ", "sole_proprietor",
     "8668501", "熊本県八代市平山新町4400", "E", "food"),
    ("demo17@example.jp", "玉名 みのり", "玉名子ども食堂ネットワーク", "タマナコドモショクドウネットワーク", "group",
     "8650016", "熊本県玉名市岩崎200", "R", "care"),
    ("demo18@example.jp", "上通 商", "上通ITソリューションズ株式会社", "カミトオリアイティーソリューションズ", "corporation",
     "8600845", "熊本県熊本市中央区上通町3-15", "G", "people"),
    ("demo19@example.jp", "天草 うみ", "天草ブルーツーリズム協議会", "アマクサブルーツーリズムキョウギカイ", "group",
     "8630023", "熊本県天草市中央新町10-5", "M", "sea"),
)

# The story's own key actions: 近見運輸 (demo13@) renews with them reordered (portal.demo.renewal).
# Every other registrant's vision and actions are written for it (portal.demo.plans).
THEMES = {
    "climate": ("2030年、物流の脱炭素化で熊本の暮らしと産業を支え続けます。", [
        ("environment", "トラックの燃費改善と共同配送でCO2排出量を削減する。", [7, 13], "CO2排出量", "t", "900", "500"),
        ("society", "ドライバーの労働時間を短縮し、女性ドライバーを採用する。", [5, 8], "女性ドライバー数", "人", "2", "12"),
        ("economy", "県産品の共同配送網を構築する。", [9, 17], "参加事業者数", "社", "4", "25")]),
}


def theme_content(theme: str) -> dict:
    """demo_content() with the vision and key actions of one theme."""
    vision, actions = THEMES[theme]
    return {**demo_content(), "vision": vision, "actions": [
        {"area": area, "description": description, "goals": sorted(goals),
         "targets": [f"{goal}.{1}" for goal in sorted(goals)], "indicator": indicator, "unit": unit,
         "current_value": current, "target_value": target}
        for area, description, goals, indicator, unit, current, target in actions]}


def _jst(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST)


def seed_decided_cohort(number: int, password: str, today: date, display_name: str | None = None,
                        writer=None) -> None:
    """Cohort `number`, decided two years and eight months ago, so that its registrations end
    in four months (due for renewal, and reminded): applicant2@'s company and four demo
    organisations applied; afterwards one registrant withdrew and one registration was revoked."""
    from portal.registrations.terms import add_months

    reviewer = accounts.find_by_email("reviewer@example.jp")
    secretariat = accounts.find_by_email("secretariat@example.jp")
    decided_on = add_months(today, -32)
    opens, closes = decided_on - timedelta(days=100), decided_on - timedelta(days=70)
    # Planned before checklist version 2 (「該当なし」) existed: the cohort keeps version 1.
    cohort = cohorts.plan_cohort(number, _jst(opens), _jst(closes), checklist_version="1",
                                 decision_planned_on=decided_on, display_name=display_name)
    cohorts.move_cohort(cohort, CohortState.OPEN, actor=secretariat)

    owners = [(accounts.find_by_email("applicant2@example.jp"), "active", None)]
    for email, name, profile, fate in DECIDED:
        user = accounts.find_by_email(email) or accounts.create_account(email, name, Role.APPLICANT, "ja",
                                                                        password=password)
        if user.membership is None:
            organisations.create_organisation(user, {**profile, "kind": OrganisationKind(profile["kind"])})
        owners.append((user, fate, None))
    for serial, (email, name, organisation, kana, kind, postal, address, industry, theme) in enumerate(REGISTRANTS, 10):
        user = accounts.find_by_email(email) or accounts.create_account(email, name, Role.APPLICANT, "ja",
                                                                        password=password)
        if user.membership is None:
            organisations.create_organisation(user, {
                "kind": OrganisationKind(kind), "corporate_number": _corporate_number(serial) if kind == "corporation" else None,
                "name": organisation, "name_kana": kana, "representative_title": "代表", "representative_name": name,
                "postal_code": postal, "address": address, "industry": industry, "employees": 5 + serial,
                "capital": None, "website": None, "contact_name": name, "contact_department": None,
                "contact_phone": f"096-000-10{serial}", "contact_email": email})
        owners.append((user, "active", theme))

    submitted_at = _jst(opens + timedelta(days=5))
    for index, (user, fate, theme) in enumerate(owners):
        application = applications.start_application(user.organisation, cohort, user)
        for section, value in _content(user.organisation, theme, writer).items():
            applications.save_section(application, section, value, user)
        applications.submit_application(application, user, now=submitted_at + timedelta(hours=index))
        applications.start_review(application, reviewer)
        approve = fate != "rejected"
        applications.recommend(application, approve, reviewer, "" if approve else "重点的な取組の指標が確認できないため。")
        if not approve:  # what the decision mail tells the applicant
            applications.give_rejection_reason(application, "actions_not_concrete",
                                               "次期の申請では、取組ごとに指標と2030年の目標値をご記入ください。", secretariat)
    cohorts.move_cohort(cohort, CohortState.CLOSED, actor=secretariat)
    cohorts.decide_cohort(cohort, decided_on, secretariat)

    for user, fate, _theme in owners:
        registration = next((r for r in _registrations_of(user.organisation)), None)
        if fate == "withdrawn" and registration:
            registrations.withdraw_registration(registration, user, "事業の縮小により辞退します。")
        if fate == "revoked" and registration:
            registrations.revoke_registration(registration, secretariat, "宣言内容と異なる事実が確認されたため。")


def _content(organisation, theme: str | None, writer) -> dict:
    """The application: the story's theme where the story needs it (近見運輸's CO2 and joint
    delivery, renewed in a later cohort), else a plan written for the organisation."""
    if theme in THEMES or writer is None:
        return theme_content(theme) if theme in THEMES else demo_content()
    return {**demo_content(), **writer.plan(organisation.name, organisation.industry, organisation.address,
                                            organisation.kind.value, organisation.employees)}


def _registrations_of(organisation):
    from sqlalchemy import select

    from portal.core.extensions import db
    from portal.registrations.models import Registration

    return db.session.scalars(select(Registration).where(Registration.organisation_id == organisation.id))
