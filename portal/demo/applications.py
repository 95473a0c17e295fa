"""Demo applications in the states the workflow has so far, made through the operations."""
from __future__ import annotations

from datetime import timedelta

from portal.accounts import operations as accounts
from portal.applications import operations
from portal.applications.checklist import load_checklist
from portal.applications.content import DECLARATIONS
from portal.core.i18n import today_jst
from portal.core.roles import Role
from portal.organisations import operations as organisations
from portal.organisations.models import OrganisationKind

# (owner e-mail, owner name, organisation, the state its application is left in)
DEMO_ORGANISATIONS = (
    ("demo01@example.jp", "東 一美", {
        "kind": "corporation", "corporate_number": "5999901000003", "name": "株式会社東部ソーラーテック",
        "name_kana": "カブシキガイシャトウブソーラーテック", "representative_title": "代表取締役",
        "representative_name": "東 一美", "postal_code": "8620950", "address": "熊本県熊本市中央区水前寺1丁目1-1",
        "industry": "F", "employees": 35, "capital": 20_000_000, "website": None,
        "contact_name": "東 一美", "contact_department": None, "contact_phone": "096-000-1001",
        "contact_email": "demo01@example.jp"}, "submitted"),
    ("demo02@example.jp", "合志 次郎", {
        "kind": "corporation", "corporate_number": "4999901000004", "name": "こうし農産株式会社",
        "name_kana": "コウシノウサン", "representative_title": "代表取締役", "representative_name": "合志 次郎",
        "postal_code": "8611195", "address": "熊本県合志市竹迫2140", "industry": "A", "employees": 18,
        "capital": 10_000_000, "website": None, "contact_name": "合志 次郎", "contact_department": "総務",
        "contact_phone": "096-000-1002", "contact_email": "demo02@example.jp"}, "under_review"),
    ("demo03@example.jp", "植木 三郎", {
        "kind": "sole_proprietor", "corporate_number": None, "name": "植木すいか農園",
        "name_kana": "ウエキスイカノウエン", "representative_title": "代表", "representative_name": "植木 三郎",
        "postal_code": "8610136", "address": "熊本県熊本市北区植木町岩野1-1", "industry": "A", "employees": 0,
        "capital": None, "website": None, "contact_name": "植木 三郎", "contact_department": None,
        "contact_phone": "096-000-1003", "contact_email": "demo03@example.jp"}, "returned"),
    ("demo04@example.jp", "八代 四郎", {
        "kind": "group", "corporate_number": None, "name": "やつしろ環境ネットワーク",
        "name_kana": "ヤツシロカンキョウネットワーク", "representative_title": "会長", "representative_name": "八代 四郎",
        "postal_code": "8660862", "address": "熊本県八代市松江城町1-25", "industry": "R", "employees": 6,
        "capital": None, "website": None, "contact_name": "八代 四郎", "contact_department": None,
        "contact_phone": "0965-00-1004", "contact_email": "demo04@example.jp"}, "withdrawn"),
    ("demo05@example.jp", "天草 五月", {
        "kind": "corporation", "corporate_number": "3999901000005", "name": "天草マリンツーリズム株式会社",
        "name_kana": "アマクサマリンツーリズム", "representative_title": "代表取締役", "representative_name": "天草 五月",
        "postal_code": "8630023", "address": "熊本県天草市中央新町15-1", "industry": "N", "employees": 22,
        "capital": 8_000_000, "website": None, "contact_name": "天草 五月", "contact_department": None,
        "contact_phone": "0969-00-1005", "contact_email": "demo05@example.jp"}, "recommended_approval"),
    ("demo06@example.jp", "菊陽 六郎", {
        "kind": "corporation", "corporate_number": "2999901000006", "name": "菊陽精密工業株式会社",
        "name_kana": "キクヨウセイミツコウギョウ", "representative_title": "代表取締役", "representative_name": "菊陽 六郎",
        "postal_code": "8691102", "address": "熊本県菊池郡菊陽町原水1-1", "industry": "E", "employees": 60,
        "capital": 50_000_000, "website": None, "contact_name": "菊陽 六郎", "contact_department": "総務部",
        "contact_phone": "096-000-1006", "contact_email": "demo06@example.jp"}, "recommended_rejection"),
)


# 植木すいか農園 is a family farm with no employees: in a cohort on checklist version 2 it marks the
# items about employees 「該当なし」 with its reason (the one demo application that does).
NOT_APPLICABLE = {
    "demo03@example.jp": {item_id: "家族だけで営む農園で、従業員（パート・アルバイトを含む）を雇用していないため。"
                          for item_id in ("B06", "B08", "B09", "B10")},
}


def demo_content(checklist_version: str = "1", not_applicable: dict[str, str] | None = None) -> dict:
    """A complete application against `checklist_version`: every basic item met (or marked
    「該当なし」 where `not_applicable` says so) and six challenge items."""
    checklist = load_checklist(checklist_version)
    marked = {item_id: reason for item_id, reason in (not_applicable or {}).items()
              if checklist.item(item_id).not_applicable is not None}
    answers = {"version": checklist.version, "basic": [i.id for i in checklist.basic if i.id not in marked],
               "challenge": [i.id for i in checklist.challenge[:6]]}
    if marked:
        answers["not_applicable"] = marked
    return {
        "vision": "2030年、地域の水と緑を守りながら、働く人と地域に選ばれる会社であり続けます。",
        "actions": [
            {"area": "economy", "description": "県内の取引先からの調達比率を高め、地域経済の循環に貢献する。",
             "goals": [8, 12], "targets": ["8.3", "12.7"], "indicator": "県内調達比率", "unit": "%",
             "current_value": "45", "target_value": "70"},
            {"area": "society", "description": "女性管理職の登用と育児・介護と両立できる働き方を進める。",
             "goals": [5, 8], "targets": ["5.5", "8.5"], "indicator": "女性管理職比率", "unit": "%",
             "current_value": "10", "target_value": "30"},
            {"area": "environment", "description": "事業所の電力を再生可能エネルギーに切り替え、CO2排出を削減する。",
             "goals": [7, 13], "targets": ["7.2", "13.3"], "indicator": "CO2排出量", "unit": "t",
             "current_value": "120", "target_value": "40"},
        ],
        "checklist": answers,
        "declarations": {key: True for key in DECLARATIONS},
        "partners": {"institutions": [], "consent": False},
    }


def written_content(organisation, checklist_version: str = "1", not_applicable: dict[str, str] | None = None,
                    writer=None) -> dict:
    """demo_content() with a 2030 vision and key actions written for the organisation (its
    industry, size and place: portal.demo.plans), unlike any other demo organisation's."""
    from portal.demo.plans import PlanWriter

    writer = writer or PlanWriter.from_database()
    plan = writer.plan(organisation.name, organisation.industry, organisation.address, organisation.kind.value,
                       organisation.employees)
    return {**demo_content(checklist_version, not_applicable), **plan}


def seed_applications(open_cohort, password: str, staff, writer=None) -> None:
    """One organisation per state; each step is the operation a person would trigger."""
    for email, name, profile, state in DEMO_ORGANISATIONS:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_account(email, name, Role.APPLICANT, "ja", password=password)
        if user.membership is not None:
            continue  # seeded before
        organisation = organisations.create_organisation(user, {**profile, "kind": OrganisationKind(profile["kind"])})
        application = operations.start_application(organisation, open_cohort, user)
        content = written_content(organisation, open_cohort.checklist_version, NOT_APPLICABLE.get(email), writer)
        for section, value in content.items():
            operations.save_section(application, section, value, user)
        operations.submit_application(application, user)
        if state in ("under_review", "returned", "recommended_approval", "recommended_rejection"):
            operations.start_review(application, staff)
        if state.startswith("recommended_"):
            operations.recommend(application, state == "recommended_approval", staff,
                                 "" if state == "recommended_approval" else "基本項目B05の根拠資料が確認できないため。")
        if state == "returned":
            operations.return_for_correction(
                application, "重点的な取組（環境）の指標について、現状値の算定方法を補足してください。",
                {"actions": "{indicator}の現状値（{current_value}{unit}）の算定根拠を記載してください。".format(
                    **next(a for a in content["actions"] if a["area"] == "environment"))},
                today_jst() + timedelta(days=14), staff)
        if state == "withdrawn":
            operations.withdraw_application(application, user, "体制を整えてから次期に申請します。")


def seed_draft(user, open_cohort, writer=None) -> None:
    """The main demo applicant's application: a draft with some steps done."""
    if user.organisation is None or operations_has_application(user.organisation, open_cohort):
        return
    application = operations.start_application(user.organisation, open_cohort, user)
    content = written_content(user.organisation, open_cohort.checklist_version, writer=writer)
    for section in ("vision", "actions"):
        operations.save_section(application, section, content[section], user)


def operations_has_application(organisation, cohort) -> bool:
    from sqlalchemy import select

    from portal.applications.models import Application
    from portal.core.extensions import db

    return db.session.scalar(select(Application.id).where(
        Application.organisation_id == organisation.id, Application.cohort_id == cohort.id)) is not None
