"""What the logo-permit tests build requests from (imported as `from logo_builders import …`)."""
from __future__ import annotations

from datetime import timedelta

from portal.core.i18n import today_jst

TODAY = today_jst()


def request_data(**overrides) -> dict:
    """A complete request as `operations.save_request` takes it (period from tomorrow, one year)."""
    start = TODAY + timedelta(days=1)
    data = {
        "holder_kind": "corporation", "holder_name": "株式会社テスト熊本", "representative": "代表取締役 熊本 花子",
        "postal_code": "8600806", "address": "熊本県熊本市中央区花畑町1-1", "contact_name": "担当 次郎",
        "contact_phone": "096-000-0000", "activity": "名刺とウェブサイトで、店舗のプラスチック削減の取組を紹介する。",
        "goals": [12, 14], "media": ["business_cards", "website"], "media_detail": "", "audience": "名刺 500枚",
        "variants": ["color-horizontal", "mono-horizontal"], "starts_on": start, "ends_on": start + timedelta(days=364),
    }
    data.update(overrides)
    return data
