"""Japanese input helpers: normalisation, kana, 法人番号, postal codes, 和暦."""
from __future__ import annotations

from datetime import date

import pytest

from portal.core import japanese
from portal.core.japanese import (
    corporate_number_check_digit,
    format_postal_code,
    is_katakana,
    normalize,
    normalize_corporate_number,
    normalize_postal_code,
    to_katakana,
    validate_corporate_number,
    wareki,
)

# --- normalize -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("熊本市中央区水前寺６丁目１８－１", "熊本市中央区水前寺6丁目18-1"),  # full-width digits, －
        ("水前寺6丁目18ー1", "水前寺6丁目18-1"),  # katakana long vowel typed as a dash
        ("18―1", "18-1"),  # horizontal bar
        ("18‐1", "18-1"),  # hyphen
        ("18–1", "18-1"),  # en dash
        ("18—1", "18-1"),  # em dash
        ("18−1", "18-1"),  # minus sign
        ("18ｰ1", "18-1"),  # half-width long vowel
        ("18─1", "18-1"),  # box drawing
        ("860－0806", "860-0806"),
        ("ＡＢＣ　１２３", "ABC 123"),
        ("  熊本県　　熊本市 \t中央区  ", "熊本県 熊本市 中央区"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("スーパー", "スーパー"),
        ("ビー1号館", "ビー1号館"),  # long vowel after kana, even before a digit
        ("ｺｰﾎﾟ熊本", "コーポ熊本"),  # half-width kana and ｰ
        ("らーめん", "らーめん"),
    ],
)
def test_normalize_keeps_long_vowel_after_kana(raw, expected):
    assert normalize(raw) == expected


def test_normalize_leaves_dashes_away_from_digits():
    assert normalize("熊本—東京") == "熊本—東京"


# --- kana ----------------------------------------------------------------------------------


def test_to_katakana():
    assert to_katakana("くまもとしょうじ") == "クマモトショウジ"
    assert to_katakana("ゔぁいおりん・ゝ") == "ヴァイオリン・ヽ"
    assert to_katakana("カタカナ漢字abc") == "カタカナ漢字abc"


@pytest.mark.parametrize(
    "text",
    ["クマモトショウジ", "カブシキガイシャ クマモト", "ヴァイオリン・カンパニー", "ｸﾏﾓﾄ ｼｮｳｼﾞ", "クマモト　ショウジ", "ヶ"],
)
def test_is_katakana(text):
    assert is_katakana(text)


@pytest.mark.parametrize("text", ["くまもと", "クマモト商事", "KUMAMOTO", "クマモト1", "クマモト-", "", "   "])
def test_is_not_katakana(text):
    assert not is_katakana(text)


def test_locale_helper():
    assert japanese.is_japanese_locale("ja")
    assert japanese.is_japanese_locale("ja_JP")
    assert japanese.is_japanese_locale("ja-JP")
    assert not japanese.is_japanese_locale("en")
    assert not japanese.is_japanese_locale("jam")


# --- 法人番号 --------------------------------------------------------------------------------

# Published numbers: 国税庁; 宇城市 and 南阿蘇村 (000020 + their 6-digit municipality code); トヨタ自動車.
REAL_NUMBERS = ["7000012050002", "1000020432130", "6000020434337", "1180301018771"]
# A company-like number made up for the tests and the README (熊本地方法務局's registry code 3300, kind 01).
COMPANY = "8330001000000"


@pytest.mark.parametrize("number", [*REAL_NUMBERS, COMPANY])
def test_real_corporate_numbers(number):
    assert corporate_number_check_digit(number[1:]) == int(number[0])
    assert validate_corporate_number(number) == number


def test_kumamoto_prefecture_corporate_number():
    # Base 000020 + 430005 (熊本県's code with check digit) gives check digit 7, not 4.
    assert corporate_number_check_digit("000020430005") == 7
    assert validate_corporate_number("7000020430005") == "7000020430005"
    with pytest.raises(ValueError, match="^check_digit$"):
        validate_corporate_number("4000020430005")


@pytest.mark.parametrize(
    ("number", "government"),
    [
        ("7000012050002", True),  # 国税庁: base 00001…, a national body
        ("7000020430005", True),  # 熊本県: base 00002 + its local public body code
        ("1000020432130", True),  # 宇城市
        ("６０００-０２０４-３４３３７", True),  # 南阿蘇村, as typed
        (COMPANY, False),
        ("1180301018771", False),  # a company
        ("9330005003386", False),  # the form of incorporated administrative agencies and national universities
        ("5000100000003", False),  # base 000100…: begins 0001, not 00001
        ("", False),
        ("700001205000", False),  # not 13 digits: not a number at all
    ],
)
def test_government_bodies_are_told_from_their_number(number, government):
    assert japanese.is_government_body(number) is government


@pytest.mark.parametrize(
    "raw",
    ["８３３０ー００１０ー０００００", "8330-0010-00000", " 8330 0010 00000 ", "８３３０００１００００００"],
)
def test_corporate_number_forms(raw):
    assert normalize_corporate_number(raw) == COMPANY
    assert validate_corporate_number(raw) == COMPANY


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("7330001000000", "check_digit"),  # check digit changed
        ("8330010000000", "check_digit"),  # two digits swapped
        ("1330001000000", "check_digit"),
        ("833000100000", "length"),
        ("83300010000000", "length"),
        ("", "length"),
        ("833000100000A", "digits"),
        ("T8330001000000", "digits"),  # インボイス登録番号 is not a corporate number
        ("٨٣٣٠٠٠١٠٠٠٠٠٠", "digits"),  # non-ASCII digits
    ],
)
def test_invalid_corporate_numbers(raw, reason):
    with pytest.raises(ValueError) as error:
        validate_corporate_number(raw)
    assert str(error.value) == reason


def test_check_digit_rejects_a_bad_base():
    with pytest.raises(ValueError):
        corporate_number_check_digit("12345")


# --- postal codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "8600806", "860-0806", "〒860-0806", "〒 860-0806", "８６０－０８０６", "〒８６０ー０８０６",
        "８６００８０６", " 860-0806 ", "860 0806",
    ],
)
def test_postal_code_forms(raw):
    assert normalize_postal_code(raw) == "8600806"
    assert format_postal_code(raw) == "860-0806"


@pytest.mark.parametrize(
    "raw", ["", "860", "86-00806", "860-08061", "860-080A", "〒〒860-0806", "860--0806", "T860-0806"]
)
def test_bad_postal_codes(raw):
    with pytest.raises(ValueError, match="^format$"):
        normalize_postal_code(raw)


# --- 和暦 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 8, 25), "令和3年8月25日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1873, 1, 1), "明治6年1月1日"),
    ],
)
def test_wareki(day, expected):
    assert wareki(day) == expected


def test_wareki_before_the_gregorian_calendar():
    with pytest.raises(ValueError):
        wareki(date(1872, 12, 31))


@pytest.mark.parametrize("year, name", [(2024, "令和6年度"), (2019, "令和元年度"), (2020, "令和2年度"),
                                        (2018, "平成30年度"), (1989, "平成元年度"), (1988, "昭和63年度")])
def test_fiscal_years_are_named_after_the_era_of_most_of_the_year(year, name):
    from portal.core.japanese import wareki_fiscal_year

    assert wareki_fiscal_year(year) == name
