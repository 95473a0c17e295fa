"""Registrants of the cohorts decided before the portal existed, as rows of an import file.

`seed-demo` imports cohorts 1 and 2 from these rows with the plan's exact figures (441 / 274 in
the city, 570 / 319), and tests build import files from them. The rows are written the way a
spreadsheet kept by hand writes them: every ward of the city, former towns under their old names
(鹿本郡植木町, 下益城郡城南町, 下益城郡富合町), neighbours just outside (菊陽町, 合志市, 益城町,
宇土市, 宇城市), addresses with and without 熊本県, postal codes with and without hyphen or 〒,
full-width digits, and a postal code that disagrees with its address. Where each entity is, is
left for the portal to derive: nothing here says "in the city".
"""
from __future__ import annotations

import random

from portal.core.japanese import corporate_number_check_digit

# (postal code, address without 熊本県): inside Kumamoto City, every ward and the former towns.
IN_CITY = (
    ("8600806", "熊本市中央区花畑町4-1"),
    ("8620950", "熊本市中央区水前寺6-18-1"),
    ("8600863", "熊本市中央区坪井2-3-5"),
    ("8600845", "熊本市中央区上通町7-12"),
    ("8620971", "熊本市中央区大江3-1-20"),
    ("8600012", "熊本市中央区紺屋今町1-8"),
    ("8618045", "熊本市東区小山4-2-11"),
    ("8620911", "熊本市東区健軍2-10-3"),
    ("8620920", "熊本市東区月出5-1-1"),
    ("8618035", "熊本市東区御領2-21-5"),
    ("8600047", "熊本市西区春日3-15-60"),
    ("8600079", "熊本市西区上熊本2-9-1"),
    ("8600082", "熊本市西区池田1-4-30"),
    ("8600054", "熊本市西区八島1-7-21"),
    ("8614101", "熊本市南区近見7-4-10"),
    ("8614112", "熊本市南区白藤5-3-1"),
    ("8600834", "熊本市南区江越1-22-8"),
    ("8618001", "熊本市北区武蔵ケ丘2-142-10"),
    ("8618003", "熊本市北区楠6-6-50"),
    ("8618075", "熊本市北区清水新地3-5-8"),
    ("8618081", "熊本市北区麻生田4-11-2"),
    # former towns, merged into the city in 2008–2010, written as they were
    ("8610136", "鹿本郡植木町岩野238-1"),
    ("8610133", "鹿本郡植木町滴水605"),
    ("8610112", "鹿本郡植木町田底1240"),
    ("8614214", "下益城郡城南町舞原456"),
    ("8614215", "下益城郡城南町沈目1512"),
    ("8614151", "下益城郡富合町清藤405-3"),
    ("8614157", "下益城郡富合町古閑1001"),
)

# Outside the city: the neighbours first (easily mistaken for it), then the rest of the prefecture.
OUTSIDE = (
    ("8691102", "菊池郡菊陽町原水1-1"),
    ("8691235", "菊池郡大津町室1000"),
    ("8611102", "合志市須屋1-10-3"),
    ("8611113", "合志市栄2100"),
    ("8612241", "上益城郡益城町宮園702"),
    ("8612231", "上益城郡益城町安永1075"),
    ("8690402", "宇土市笹原町23"),
    ("8690411", "宇土市水町61"),
    ("8690592", "宇城市松橋町大野85"),
    ("8693207", "宇城市三角町三角浦1160"),
    ("8613106", "上益城郡嘉島町上島530"),
    ("8668501", "八代市平山新町4438-3"),
    ("8695142", "八代市日奈久塩北町12"),
    ("8630023", "天草市中央新町15-1"),
    ("8650016", "玉名市岩崎163"),
    ("8650064", "玉名市中1834"),
    ("8610501", "山鹿市山鹿987-3"),
    ("8611307", "菊池市片角300"),
    ("8612401", "阿蘇郡西原村鳥子312"),
    ("8692612", "阿蘇市一の宮町宮地1000"),
)

PLACES = (
    ("熊本", "クマモト"), ("肥後", "ヒゴ"), ("阿蘇", "アソ"), ("天草", "アマクサ"), ("火の国", "ヒノクニ"),
    ("白川", "シラカワ"), ("江津", "エヅ"), ("水前寺", "スイゼンジ"), ("菊池", "キクチ"), ("有明", "アリアケ"),
    ("不知火", "シラヌイ"), ("緑川", "ミドリカワ"), ("坪井", "ツボイ"), ("清水", "シミズ"), ("金峰", "キンポウ"),
    ("球磨", "クマ"), ("八代", "ヤツシロ"), ("銀杏", "ギンナン"), ("花岡", "ハナオカ"), ("託麻", "タクマ"),
)

# (business word, reading, industry letter)
TRADES = (
    ("建設", "ケンセツ", "D"), ("土木", "ドボク", "D"), ("工業", "コウギョウ", "E"), ("電機", "デンキ", "E"),
    ("食品", "ショクヒン", "E"), ("印刷", "インサツ", "E"), ("エネルギー", "エネルギー", "F"),
    ("情報システム", "ジョウホウシステム", "G"), ("運輸", "ウンユ", "H"), ("商事", "ショウジ", "I"),
    ("物産", "ブッサン", "I"), ("信用保証", "シンヨウホショウ", "J"), ("不動産", "フドウサン", "K"),
    ("設計", "セッケイ", "L"), ("観光", "カンコウ", "M"), ("農園", "ノウエン", "A"), ("福祉会", "フクシカイ", "P"),
    ("学園", "ガクエン", "O"), ("環境サービス", "カンキョウサービス", "R"), ("クリーニング", "クリーニング", "N"),
)

VARIANTS = ("", "ネクスト", "グリーン", "ワークス", "ラボ")  # written the same in katakana
CORPORATE_FORMS = (("株式会社{}", 5), ("{}株式会社", 5), ("有限会社{}", 2), ("合同会社{}", 1))
GOAL_WEIGHTS = (4, 3, 8, 6, 7, 4, 9, 12, 8, 4, 11, 10, 10, 3, 5, 3, 9)  # goals 1..17: 8, 11, 12, 13 are common

_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _postal_code(code: str, style: int) -> str:
    """The forms people write: 8600806, 860-0806, 〒860-0806, ８６０－０８０６."""
    hyphenated = f"{code[:3]}-{code[3:]}"
    return (code, hyphenated, "〒" + hyphenated, hyphenated.translate(_FULL_WIDTH))[style % 4]


def _corporate_number(serial: int) -> str:
    base = f"{serial:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def historical_rows(total: int, in_city: int, cohort: int, seed: int = 0) -> list[dict[str, str]]:
    """`total` rows of an import file, exactly `in_city` of them inside Kumamoto City, in a
    deterministic shuffled order. Corporate numbers are valid and distinct across cohorts."""
    if not 0 <= in_city <= total:
        raise ValueError("in_city must be between 0 and total")
    rng = random.Random(seed * 1_000 + cohort)
    places = [True] * in_city + [False] * (total - in_city)
    rng.shuffle(places)
    rows = []
    for index, inside in enumerate(places):
        pool = IN_CITY if inside else OUTSIDE
        postal, address = pool[rng.randrange(len(pool))]
        if index % 3 == 1:
            address = "熊本県" + address
        if index % 11 == 5:
            address = address.translate(_FULL_WIDTH)
        if inside and index % 97 == 13:
            postal = "8691102"  # 菊陽町's: the address decides, and the mismatch is flagged
        place, place_kana = PLACES[(index + cohort * 3) % len(PLACES)]
        trade, trade_kana, industry = TRADES[(index // len(PLACES) + cohort) % len(TRADES)]
        variant = VARIANTS[index // (len(PLACES) * len(TRADES)) % len(VARIANTS)]
        trade, trade_kana = trade + variant, trade_kana + variant
        draw = rng.random()
        if draw < 0.80:
            kind = "corporation"
            form = rng.choices([f for f, _ in CORPORATE_FORMS], [w for _, w in CORPORATE_FORMS])[0]
            name = form.format(place + trade)
            number = _corporate_number(cohort * 100_000_000 + 7_000_000 + index)
            if index % 13 == 4:
                number = f"{number[0]}-{number[1:5]}-{number[5:9]}-{number[9:]}".translate(_FULL_WIDTH)
        elif draw < 0.92:
            kind, name, number = "sole_proprietor", f"{place}{trade}事務所", ""
        else:
            kind, name, number = "group", f"{place}{trade}協議会", ""
        wanted, goals = rng.randint(2, 6), set()
        while len(goals) < wanted:
            goals.add(rng.choices(range(1, 18), GOAL_WEIGHTS)[0])
        rows.append({
            "corporate_number": number,
            "name": name,
            "name_kana": place_kana + trade_kana,
            "kind": kind,
            "postal_code": _postal_code(postal, index + cohort),
            "address": address,
            "industry": industry,
            "goals": ";".join(str(g) for g in sorted(goals)),
        })
    return rows
