"""Demo contact blocks: realistic offices, clearly demo (example phone numbers, example.jp mail)."""
from __future__ import annotations

from portal.core.extensions import db

HOURS = "平日 8時30分～17時15分（土日祝日、12月29日～1月3日を除く）"
HOURS_EN = "Weekdays 8:30–17:15 (closed on weekends, national holidays and 29 December – 3 January)"
DEMO_CONTACTS = {
    "prefecture": {
        "office_name": "熊本県 企画振興部 企画課 SDGs登録制度事務局",
        "office_name_en": "Kumamoto Prefecture SDGs Registration Secretariat, Planning Division",
        "postal_code": "862-8570",
        "address": "熊本県熊本市中央区水前寺6丁目18番1号 県庁本館5階",
        "phone": "096-000-0000",
        "email": "sdgs-touroku@pref.kumamoto.example.jp",
        "hours": HOURS,
        "hours_en": HOURS_EN,
    },
    "city": {
        "office_name": "熊本市 政策局 総合政策部 政策企画課 SDGs推進班（「Kumamoto for SDGs」ロゴマーク担当）",
        "office_name_en": "Kumamoto City SDGs Promotion Team, Policy Planning Division (Kumamoto for SDGs logo)",
        "postal_code": "860-8601",
        "address": "熊本県熊本市中央区手取本町1番1号 熊本市役所本庁舎",
        "phone": "096-000-0001",
        "email": "sdgs-logo@city.kumamoto.example.jp",
        "hours": HOURS,
        "hours_en": HOURS_EN,
    },
}


def seed_contacts(secretariat, city) -> None:
    """Both blocks, set by the office that keeps each; a block already saved is left as it is.
    Seeded before anything that mails, so the demo's mails carry these signatures."""
    from portal.contacts import operations
    from portal.contacts.models import ContactBlock

    for key, user in (("prefecture", secretariat), ("city", city)):
        if db.session.get(ContactBlock, key) is None:
            operations.save_block(key, DEMO_CONTACTS[key], user)
