"""Japanese input hygiene: normalisation, kana, 法人番号, postal codes and 和暦.

Pure Python on purpose: forms, operations and batch imports all call these, and tests run
them without an application.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from functools import lru_cache

# Characters people (and IMEs) type where they mean "-" between numbers: hyphens, dashes,
# minus signs, box-drawing bars and the katakana long vowel mark, in full and half width.
_DASHES = (
    "\u002d\u00ad\u02d7\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212"
    "\u2500\u2501\u30fc\ufe58\ufe63\uff0d\uff70"
)
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"
_KANA = r"\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fd\u30fe"

# A dash next to a digit is a separator ("18ー1", "860―0806") ...
_DIGIT_DASH = re.compile(rf"(?<=[0-9]){_DASH_CLASS}|{_DASH_CLASS}(?=[0-9])")
# ... except ー straight after kana, which is a long vowel ("ビー1号館").
_KANA_CHAR = re.compile(rf"[{_KANA}]")
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, dashes between digits unified to "-", whitespace collapsed and stripped.

    NFKC turns full-width digits/letters and half-width kana into their usual forms and the
    ideographic space into " "; it leaves the dash lookalikes alone, hence the extra step.
    """
    text = unicodedata.normalize("NFKC", text)

    def unify(match: re.Match[str]) -> str:
        start = match.start()
        if match.group() == "ー" and start > 0 and _KANA_CHAR.fullmatch(text[start - 1]):
            return "ー"
        return "-"

    text = _DIGIT_DASH.sub(unify, text)
    return _WHITESPACE.sub(" ", text).strip()


# --- kana ----------------------------------------------------------------------------------

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in (*range(0x3041, 0x3097), 0x309D, 0x309E)}
_KATAKANA_TEXT = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe ]+")


def to_katakana(text: str) -> str:
    """Hiragana (including ゝゞ) to katakana; everything else is left as it is."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


def is_katakana(text: str) -> bool:
    """Full-width katakana, ー, ・ and spaces only (checked after NFKC, so ｶﾀｶﾅ passes)."""
    text = unicodedata.normalize("NFKC", text)
    return bool(text.strip()) and _KATAKANA_TEXT.fullmatch(text) is not None


_SEARCH_IGNORED = re.compile(r"[\s・|]")


def search_key(*parts: str | None) -> str:
    """Text folded so that a search ignores what people do not mean to distinguish: full and
    half width (NFKC), hiragana and katakana, letter case, spaces and ・. The parts (a name
    and its フリガナ) are kept apart by "|", which a folded query never contains."""
    return "|".join(_SEARCH_IGNORED.sub("", to_katakana(normalize(p or ""))).casefold() for p in parts)


def is_japanese_locale(locale: object) -> bool:
    """True for "ja", "ja_JP", "ja-JP" or a babel Locale of Japanese; the reference data
    uses it to pick a name, and str() makes babel's Locale objects work as well. The pages'
    own "ja" and "en" are answered first: a directory page asks for each goal chip."""
    if locale == "ja":
        return True
    if locale == "en":
        return False
    return re.split(r"[-_]", str(locale), maxsplit=1)[0].lower() == "ja"


# --- 法人番号 (corporate number) -------------------------------------------------------------

_SEPARATORS = re.compile(rf"{_DASH_CLASS}|\s")
_ASCII_DIGITS = re.compile(r"[0-9]*")


def corporate_number_check_digit(base12: str) -> int:
    """The check digit of a 12-digit base number (法人番号の指定等に関する省令 art. 2).

    check = 9 − (Σ Pₙ·Qₙ mod 9), Pₙ the n-th digit counted from the right, Qₙ = 1 for odd n
    and 2 for even n.
    """
    if len(base12) != 12 or not _ASCII_DIGITS.fullmatch(base12):
        raise ValueError("base must be 12 digits")
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base12), 1))
    return 9 - total % 9


def normalize_corporate_number(s: str) -> str:
    """NFKC, then hyphens and spaces dropped: "８３３０-００１０-０００００" → "8330001000000"."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", s))


def validate_corporate_number(s: str) -> str:
    """The normalised 13-digit number, or ValueError("digits" | "length" | "check_digit").

    The check digit is the first of the 13 digits, followed by the 12-digit base.
    """
    number = normalize_corporate_number(s)
    if not _ASCII_DIGITS.fullmatch(number):
        raise ValueError("digits")
    if len(number) != 13:
        raise ValueError("length")
    if int(number[0]) != corporate_number_check_digit(number[1:]):
        raise ValueError("check_digit")
    return number


# The National Tax Agency numbers the state's own bodies and local public bodies from ranges of
# their own (国税庁「法人番号の指定」; 法人番号の指定等に関する省令): the 12-digit base — the 13-digit
# number without its leading check digit — begins 00001 for 国の機関 (国税庁 7000012050002) and
# 00002 for 地方公共団体, followed by the local public body code (熊本県 7000020430005). Neither may
# register (the scheme excludes 国 and 地方公共団体). Incorporated administrative agencies and
# national university corporations are registered 法人 with ordinary numbers, and stay eligible.
_GOVERNMENT_PREFIXES = ("00001", "00002")


def is_government_body(number: str) -> bool:
    """True for the 法人番号 of a national government body or a local public body (any input
    form: the number is normalised first). Says nothing about the check digit."""
    digits = normalize_corporate_number(number)
    return len(digits) == 13 and digits[1:].startswith(_GOVERNMENT_PREFIXES)


# --- postal codes --------------------------------------------------------------------------

_POSTAL_CODE = re.compile(r"〒?\s*([0-9]{3})[- ]?([0-9]{4})")


def normalize_postal_code(s: str) -> str:
    """7 digits from "8600806", "860-0806", "〒860-0806", "８６０－０８０６", "860ー0806"...

    Raises ValueError("format") for anything else.
    """
    match = _POSTAL_CODE.fullmatch(normalize(s))
    if match is None:
        raise ValueError("format")
    return match.group(1) + match.group(2)


def format_postal_code(s: str) -> str:
    """"8600806" → "860-0806" (any accepted input form works)."""
    code = normalize_postal_code(s)
    return f"{code[:3]}-{code[3:]}"


# --- 和暦 (Japanese calendar) ----------------------------------------------------------------

# A table rather than japanera: japanera's strftime gives kanji numerals or zero-padded years
# without 元, so producing "令和元年5月1日" would mean post-processing its output anyway.
_ERAS: tuple[tuple[str, date], ...] = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
    ("大正", date(1912, 7, 30)),
    ("明治", date(1868, 10, 23)),
)
# Japan adopted the Gregorian calendar on 明治6年1月1日; earlier dates were lunisolar, so a
# Gregorian date before it has no faithful 和暦 rendering with this simple arithmetic.
_GREGORIAN_ADOPTED = date(1873, 1, 1)
# Pages show the same few days (a cohort's deadlines, a decision day) on many rows: the 和暦
# functions keep their answers (a few µs each otherwise), a few thousand days of them.
_DAYS_KEPT = 4096


@lru_cache(maxsize=_DAYS_KEPT)
def wareki(d: date) -> str:
    """"令和3年8月25日"; the first year of an era is 元年 ("令和元年5月1日")."""
    if d < _GREGORIAN_ADOPTED:
        raise ValueError("dates before 1873-01-01 are not supported")
    era, start = next((name, start) for name, start in _ERAS if d >= start)
    year = d.year - start.year + 1
    return f"{era}{'元' if year == 1 else year}年{d.month}月{d.day}日"


def wareki_fiscal_year(year: int) -> str:
    """"令和6年度" for the fiscal year beginning 1 April 2024. A fiscal year is named after the era
    in force for most of it (1 May): fiscal 2019 is 令和元年度, fiscal 1988 昭和63年度."""
    era, start = next((name, start) for name, start in _ERAS if date(year, 5, 1) >= start)
    number = year - start.year + 1
    return f"{era}{'元' if number == 1 else number}年度"


_WEEKDAYS = "月火水木金土日"  # date.weekday(): Monday is 0


@lru_cache(maxsize=_DAYS_KEPT)
def wareki_with_weekday(d: date) -> str:
    """"令和8年12月27日（日）": the 和暦 date with its day of the week in full-width brackets, as
    a prefectural notice gives a deadline."""
    return f"{wareki(d)}（{_WEEKDAYS[d.weekday()]}）"


@lru_cache(maxsize=_DAYS_KEPT)
def wareki_with_western(d: date, weekday: bool = False) -> str:
    """"令和8年（2026年）12月21日": the 和暦 date with the western year beside the era's, where a
    reader may need both (a term of registration, a permit period); "（月）" added on request."""
    day = wareki(d)
    era_year, rest = day.split("年", 1)
    text = f"{era_year}年（{d.year}年）{rest}"
    return f"{text}（{_WEEKDAYS[d.weekday()]}）" if weekday else text


def seireki(d: date) -> str:
    """"2026年12月21日": the western date as Japanese text writes it (beside a 和暦 date, e.g. the
    certificate's 「（西暦 2026年12月21日 ～ …）」)."""
    return f"{d.year}年{d.month}月{d.day}日"


def clock(t: time | datetime) -> str:
    """"23時59分", "9時05分": a time of day as Japanese text writes it (the hour unpadded)."""
    return f"{t.hour}時{t.minute:02d}分"


def wareki_datetime(moment: datetime) -> str:
    """"令和8年12月21日（月）23時59分" for a local (already JST) date and time."""
    return f"{wareki_with_weekday(moment.date())}{clock(moment)}"
