"""日本標準産業分類 (Japan Standard Industrial Classification), rev. 14 (令和5年7月改定,
in force since April 2024): the 20 major groups (大分類) A–T.

Rev. 14 writes the names with "、" where rev. 13 had "，"; the groups themselves are unchanged.
English names follow the Ministry of Internal Affairs and Communications' translation.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.japanese import is_japanese_locale


@dataclass(frozen=True)
class Industry:
    code: str  # "A" … "T"
    name_ja: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_ja if is_japanese_locale(locale) else self.name_en


INDUSTRIES: tuple[Industry, ...] = (
    Industry("A", "農業、林業", "Agriculture and forestry"),
    Industry("B", "漁業", "Fisheries"),
    Industry("C", "鉱業、採石業、砂利採取業", "Mining and quarrying of stone and gravel"),
    Industry("D", "建設業", "Construction"),
    Industry("E", "製造業", "Manufacturing"),
    Industry("F", "電気・ガス・熱供給・水道業", "Electricity, gas, heat supply and water"),
    Industry("G", "情報通信業", "Information and communications"),
    Industry("H", "運輸業、郵便業", "Transport and postal activities"),
    Industry("I", "卸売業、小売業", "Wholesale and retail trade"),
    Industry("J", "金融業、保険業", "Finance and insurance"),
    Industry("K", "不動産業、物品賃貸業", "Real estate and goods rental and leasing"),
    Industry("L", "学術研究、専門・技術サービス業", "Scientific research, professional and technical services"),
    Industry("M", "宿泊業、飲食サービス業", "Accommodations, eating and drinking services"),
    Industry("N", "生活関連サービス業、娯楽業", "Living-related and personal services and amusement services"),
    Industry("O", "教育、学習支援業", "Education, learning support"),
    Industry("P", "医療、福祉", "Medical, health care and welfare"),
    Industry("Q", "複合サービス事業", "Compound services"),
    Industry("R", "サービス業（他に分類されないもの）", "Services, n.e.c."),
    Industry("S", "公務（他に分類されるものを除く）", "Government, except elsewhere classified"),
    Industry("T", "分類不能の産業", "Industries unable to classify"),
)
_BY_CODE: dict[str, Industry] = {i.code: i for i in INDUSTRIES}

CODES: frozenset[str] = frozenset(_BY_CODE)


def industry(code: str) -> Industry:
    """The major group with this letter; KeyError for an unknown code."""
    return _BY_CODE[code]
