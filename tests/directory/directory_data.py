"""Registrants for the directory's tests, and helpers to read its pages."""
from __future__ import annotations

import re
from datetime import timedelta

from portal.core.i18n import today_jst
from portal.core.japanese import corporate_number_check_digit
from portal.registrations.terms import add_months

TODAY = today_jst()
RECENT = TODAY - timedelta(days=100)
LATER = TODAY - timedelta(days=40)
# Decided four years ago: its three-year term is over.
LONG_AGO = add_months(TODAY, -48)


def corporate_number(serial: int) -> str:
    base = f"{serial:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def row(name: str, kana: str, postal_code: str, address: str, industry: str, goals: str,
        kind: str = "group", number: str = "") -> dict[str, str]:
    """One line of an import file (CONTRACT.md "Import file")."""
    return {"corporate_number": number, "name": name, "name_kana": kana, "kind": kind, "postal_code": postal_code,
            "address": address, "industry": industry, "goals": goals}


# Cohort 1 (decided four years ago, expired): one registrant.
EXPIRED = [row("球磨古民家の会", "クマコミンカノカイ", "8610501", "熊本県山鹿市山鹿987-3", "M", "8;11")]
# Cohort 2 (decided 100 days ago): KS02-0001 … KS02-0006.
COHORT_2 = [
    row("くまもと水と森の会", "クマモトミズトモリノカイ", "8600806", "熊本県熊本市中央区花畑町4-1", "R", "6;13;15"),
    row("株式会社ヒゴテック", "ヒゴテック", "8618003", "熊本市北区楠6-6-50", "E", "7;9", "corporation",
        corporate_number(900_000_001)),
    row("阿蘇グリーン農園", "アソグリーンノウエン", "8692612", "阿蘇市一の宮町宮地1000", "A", "2;15", "sole_proprietor"),
    row("八代港運輸株式会社", "ヤツシロコウウンユ", "8668501", "八代市平山新町4438-3", "H", "8;11", "corporation",
        corporate_number(900_000_002)),
    row("ＳＤＧｓラボ合同会社", "エスディージーズラボ", "8611102", "合志市須屋1-10-3", "L", "17", "corporation",
        corporate_number(900_000_003)),
    # A former town's name: the portal places it in 北区.
    row("植木すいか組合", "ウエキスイカクミアイ", "8610136", "鹿本郡植木町岩野238-1", "A", "2;12"),
]
# Cohort 3 (decided 40 days ago): KS03-0001 … KS03-0004; tests end the last three.
COHORT_3 = [
    row("白川環境サービス", "シラカワカンキョウサービス", "8620911", "熊本市東区健軍2-10-3", "R", "13"),
    row("有明リサイクル協議会", "アリアケリサイクルキョウギカイ", "8650016", "玉名市岩崎163", "R", "12;14"),
    row("火の国不動産", "ヒノクニフドウサン", "8600047", "熊本市西区春日3-15-60", "K", "11"),
    row("江津クリーニング", "エヅクリーニング", "8614101", "熊本市南区近見7-4-10", "N", "3;6"),
]
LISTED = ["KS02-0001", "KS02-0002", "KS02-0003", "KS02-0004", "KS02-0005", "KS02-0006",
          "KS03-0001", "KS03-0002", "KS03-0003", "KS03-0004"]


VISION = "2030年、阿蘇の地下水と森を次の世代に引き継ぐ地域の担い手になる。"
ACTIONS = [
    {"area": "economy", "description": "県産材を使った製品の開発", "goals": [9, 12], "targets": ["9.4", "12.5"],
     "indicator": "県産材の使用量", "unit": "m3", "current_value": "120", "target_value": "300"},
    {"area": "society", "description": "地域の子ども向け環境学習会", "goals": [4], "targets": ["4.7"],
     "indicator": "参加者数", "unit": "人", "current_value": "50", "target_value": "200"},
    {"area": "environment", "description": "地下水涵養のための水田湛水", "goals": [6, 15], "targets": ["6.4", "15.1"],
     "indicator": "湛水面積", "unit": "ha", "current_value": "3", "target_value": "10"},
]


# --- reading pages -------------------------------------------------------------------------------

_CARD = re.compile(r'id="registrant-(KS[0-9]{2}-[0-9]{4})"')


def page_text(response) -> str:
    return response.get_data(as_text=True)


def numbers_on(html: str) -> list[str]:
    """The registration numbers of the result cards on a directory page, in order."""
    return _CARD.findall(html)
