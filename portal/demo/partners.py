"""Demo partners: the institutions' contacts, the organisations that consent to 肥後銀行
(partner@) and to 熊本銀行 (partner2@) — distinct ones, in several states — support records and
support menus; all made through the operations, and only once."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.core.extensions import db
from portal.partners import operations as partners
from portal.partners.models import PartnerConsent, SupportMenu, SupportRecord

CONTACTS = {
    "higo-bank": {"contact_department": "地域振興部 SDGs推進室", "contact_phone": "096-000-2001",
                  "contact_email": "sdgs@higo-bank.example.jp", "website": "https://higo-bank.example.jp"},
    "kumamoto-bank": {"contact_department": "法人営業部", "contact_phone": "096-000-2002",
                      "contact_email": "sdgs@kumamoto-bank.example.jp", "website": "https://kumamoto-bank.example.jp"},
    "ms-ad": {"contact_department": "熊本支店", "contact_phone": "096-000-2003"},
    "kumamoto-ri": {"contact_department": "調査部", "contact_email": "info@kumamoto-ri.example.jp"},
}

# institution code: organisations (by their owner's e-mail) that chose it and consent.
# applicant2@'s company consents to 肥後銀行 already (seed_demo); demo01 consented and withdrew.
CONSENTS = {
    "higo-bank": ("demo02@example.jp", "demo08@example.jp"),
    "kumamoto-bank": ("demo10@example.jp", "demo05@example.jp", "demo03@example.jp"),
}
WITHDRAWN = {"higo-bank": ("demo01@example.jp",)}

# (institution code, partner user, owner of the organisation, days ago, kind, shared, notes)
RECORDS = (
    ("higo-bank", "partner@example.jp", "applicant2@example.jp", 120, "consulting", True,
     "SDGs宣言の社内浸透について、経営者・従業員向けの説明会の進め方を相談。"),
    ("higo-bank", "partner@example.jp", "applicant2@example.jp", 45, "loan", True,
     "太陽光発電設備の導入資金としてSDGs推進融資を実行。"),
    ("higo-bank", "partner@example.jp", "applicant2@example.jp", 10, "introduction", False,
     "県内の食品卸2社を紹介予定（先方の了解待ち）。"),
    ("kumamoto-bank", "partner2@example.jp", "demo10@example.jp", 90, "consulting", True,
     "茶葉の有機栽培への転換計画と、CO2排出量の算定方法について助言。"),
    ("kumamoto-bank", "partner2@example.jp", "demo10@example.jp", 20, "seminar", False,
     "当行主催の脱炭素経営セミナーに代表者が参加。"),
)

MENUS = {
    "higo-bank": (
        {"title_ja": "SDGs推進融資", "title_en": "SDGs promotion loan",
         "description_ja": "SDGs登録事業者の設備投資・運転資金を、優遇金利でご融資します。",
         "description_en": "Loans on preferential terms for registrants' investments and working capital.",
         "conditions_ja": "熊本県SDGs登録制度の登録事業者", "conditions_en": "Registrants of the Kumamoto SDGs system",
         "free": False, "fee": "所定の金利から最大0.3%優遇", "url": "https://higo-bank.example.jp/sdgs-loan",
         "published": True},
        {"title_ja": "SDGs経営相談", "title_en": "SDGs management consultation",
         "description_ja": "重点的な取組の指標づくりや進捗管理を、担当者が伴走してお手伝いします。",
         "description_en": "Our staff help you set indicators for your key actions and follow them up.",
         "conditions_ja": None, "conditions_en": None, "free": True, "fee": None, "url": None, "published": True},
    ),
    "kumamoto-bank": (
        {"title_ja": "脱炭素経営セミナー", "title_en": "Decarbonisation seminar",
         "description_ja": "CO2排出量の見える化から削減計画まで、中小企業向けに年4回開催します。",
         "description_en": "Four times a year, for small companies: from measuring CO2 emissions to a reduction plan.",
         "conditions_ja": "県内に事業所のある事業者", "conditions_en": None, "free": True, "fee": None,
         "url": "https://kumamoto-bank.example.jp/seminar", "published": True},
    ),
    "ms-ad": (
        {"title_ja": "BCP（事業継続計画）策定支援", "title_en": "Business continuity planning support",
         "description_ja": "地震・豪雨などの災害に備えるBCPづくりを、リスク診断とあわせて支援します。",
         "description_en": None, "conditions_ja": None, "conditions_en": None, "free": False,
         "fee": "リスク診断 1回 30,000円（税別）", "url": None, "published": True},
    ),
    "kumamoto-ri": (
        {"title_ja": "SDGs取組の効果測定", "title_en": "Measuring the effect of SDGs actions",
         "description_ja": "取組の経済効果・地域への波及を調査し、報告書にまとめます。",
         "description_en": "We study the economic and regional effect of your actions and write it up.",
         "conditions_ja": None, "conditions_en": None, "free": False, "fee": "個別見積り", "url": None,
         "published": True},
    ),
}


def _organisation_of(email: str):
    user = accounts.find_by_email(email)
    return (user, user.organisation) if user is not None and user.organisation is not None else (None, None)


def _ever_consented(organisation_id: int, institution_id: int) -> bool:
    return db.session.scalar(select(PartnerConsent.id).where(PartnerConsent.organisation_id == organisation_id,
                                                             PartnerConsent.institution_id == institution_id)
                             .limit(1)) is not None


def seed_partners(institutions: dict, today: date) -> None:
    """Contacts, consents, records and menus that are not there yet (safe to run again)."""
    for code, contact in CONTACTS.items():
        institution = institutions[code]
        if not institution.contact_department:
            partners.update_institution(institution, contact, actor=None)

    for withdraw, consents in ((False, CONSENTS), (True, WITHDRAWN)):
        for code, owners in consents.items():
            institution = institutions[code]
            for email in owners:
                owner, organisation = _organisation_of(email)
                if organisation is None or _ever_consented(organisation.id, institution.id):
                    continue
                for consent in partners.grant_consents(organisation, {institution.id}, owner):
                    if withdraw:
                        partners.revoke_consent(consent, owner)

    seeded = set(db.session.scalars(select(SupportRecord.institution_id).distinct()))
    for code, partner_email, owner_email, days_ago, kind, shared, notes in RECORDS:
        institution = institutions[code]
        partner = accounts.find_by_email(partner_email)
        _owner, organisation = _organisation_of(owner_email)
        if institution.id in seeded or partner is None or organisation is None:
            continue
        if not partners.consents_to(organisation.id, institution.id):
            continue
        partners.record_support(organisation, partner, today - timedelta(days=days_ago), kind, notes, shared, today)

    with_menus = set(db.session.scalars(select(SupportMenu.institution_id).distinct()))
    for code, menus in MENUS.items():
        institution = institutions[code]
        if institution.id in with_menus:
            continue
        for menu in menus:
            partners.create_menu(institution.id, menu, actor=None)
