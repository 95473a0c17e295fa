"""使用許可書 — the logo-use permit as a PDF, rendered from plain data (never ORM objects).

The permit is in Japanese whatever the reader's language, like the registration certificate:
its labels are written here and in the template, not looked up in the catalogues.
"""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from portal.core.i18n import jst
from portal.core.pdf import render_pdf
from portal.core.reference.sdgs import GOALS
from portal.logos.rules import RULES_JA

TEMPLATE = "logos/pdf/permit.html"

MEDIA_JA = {
    "business_cards": "名刺",
    "website": "ウェブサイト・SNS",
    "leaflets": "チラシ・ポスター",
    "events": "イベント（横断幕・看板・名札等）",
    "vehicles": "車両",
    "packaging": "商品の包装",
    "other": "その他",
}
VARIANTS_JA = {
    "color-horizontal": "カラー・文字あり（横組）",
    "color-vertical": "カラー・文字あり（縦組）",
    "color-mark": "カラー・マークのみ",
    "mono-horizontal": "モノクロ・文字あり（横組）",
    "mono-vertical": "モノクロ・文字あり（縦組）",
    "mono-mark": "モノクロ・マークのみ",
}
HOLDER_KINDS_JA = {"corporation": "法人", "group": "団体", "sole_proprietor": "個人事業主", "individual": "個人"}


def permit_data(permit, today: date) -> dict:
    """What the permit PDF shows."""
    from portal.logos.operations import status_on

    goals = {goal.number: goal.name_ja for goal in GOALS}
    return {
        "number": permit.number,
        "issued_on": jst(permit.decided_at).date() if permit.decided_at else permit.valid_from,
        "requested_on": jst(permit.submitted_at).date() if permit.submitted_at else None,
        "holder_kind": HOLDER_KINDS_JA.get(permit.holder_kind.value if permit.holder_kind else "", ""),
        "holder_name": permit.holder_name,
        "representative": permit.representative or "",
        "address": permit.address or "",
        "registration_number": permit.registration_number,
        "activity": permit.activity or "",
        "goals": [f"{number}. {goals[number]}" for number in permit.goals or []],
        "media": [MEDIA_JA.get(medium, medium) for medium in permit.media or []],
        "media_detail": permit.media_detail or "",
        "variants": [VARIANTS_JA.get(code, code) for code in permit.permitted_variants or []],
        "valid_from": permit.valid_from,
        "valid_until": permit.valid_until,
        "conditions": permit.conditions or "",
        "renews": permit.renews.number if permit.renews is not None else None,
        "rules": RULES_JA,
        "status": status_on(permit, today),
        "ended_on": permit.ended_on,
    }


def permit_pdf(permit, today: date) -> bytes:
    with force_locale("ja"):
        return render_pdf(TEMPLATE, **permit_data(permit, today))
