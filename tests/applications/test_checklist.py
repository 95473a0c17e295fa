"""The registration checklist (様式第2号): version 1's content, the registration rule, loading.

Pure unit tests: no application, no database.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from portal.applications import checklist as checklist_module
from portal.applications.checklist import (
    Checklist,
    UnknownChecklistVersion,
    available_versions,
    load_checklist,
    validate_checklist_data,
)

V1_FILE = Path(checklist_module.__file__).parent / "checklists" / "v1.json"
CATEGORY_IDS = ["organisation", "labour", "environment", "products", "society"]
CATEGORY_NAMES_JA = ["組織・公平な取引", "労働・人権", "環境", "製品・サービス", "持続可能な社会・地方創生"]


@pytest.fixture(scope="module")
def v1() -> Checklist:
    return load_checklist("1")


@pytest.fixture()
def v1_data() -> dict:
    return json.loads(V1_FILE.read_text(encoding="utf-8"))


# --- version 1's content ---------------------------------------------------------------------


def test_v1_has_the_five_categories_in_order(v1):
    assert [c.id for c in v1.categories] == CATEGORY_IDS
    assert [c.name_ja for c in v1.categories] == CATEGORY_NAMES_JA
    assert v1.categories[4].name("en") == "Sustainable society and regional revitalisation"
    assert v1.categories[0].name("ja_JP") == "組織・公平な取引"


def test_v1_has_25_basic_and_25_challenge_items_five_of_each_per_category(v1):
    assert v1.version == "1"
    assert v1.challenge_minimum == 5
    assert len(v1.items) == 50
    assert len(v1.basic) == 25 and all(item.is_basic for item in v1.basic)
    assert len(v1.challenge) == 25 and not any(item.is_basic for item in v1.challenge)
    for category in CATEGORY_IDS:
        assert len(v1.items_in(category, "basic")) == 5, category
        assert len(v1.items_in(category, "challenge")) == 5, category
        assert len(v1.items_in(category)) == 10, category


def test_v1_ids_are_numbered_in_category_order(v1):
    assert [item.id for item in v1.basic] == [f"B{n:02d}" for n in range(1, 26)]
    assert [item.id for item in v1.challenge] == [f"C{n:02d}" for n in range(1, 26)]
    rank = {category: n for n, category in enumerate(CATEGORY_IDS)}
    for items in (v1.basic, v1.challenge):
        ranks = [rank[item.category] for item in items]
        assert ranks == sorted(ranks)
    # B01–B05 and C01–C05 are the first category's, and so on.
    assert {item.category for item in v1.items if item.id in {"B06", "B10", "C06", "C10"}} == {"labour"}
    assert v1.item("B25").category == v1.item("C25").category == "society"


def test_v1_every_item_is_complete_in_both_languages(v1):
    for item in v1.items:
        for locale in ("ja", "en"):
            assert item.text(locale).strip(), (item.id, locale)
            assert item.explanation(locale).strip(), (item.id, locale)
            assert item.example(locale).strip(), (item.id, locale)
        # Japanese texts are statements one can tick: one sentence ending in 。
        assert item.text_ja.endswith("。") and item.text_ja.count("。") == 1, item.id
        assert item.text_en.endswith("."), item.id
        assert item.text("ja") == item.text_ja and item.text("en") == item.text_en
        assert item.goals and all(isinstance(g, int) and 1 <= g <= 17 for g in item.goals), item.id
        assert len(set(item.goals)) == len(item.goals), item.id


def test_v1_file_is_valid_and_human_readable(v1_data):
    assert validate_checklist_data(v1_data) == []
    raw = V1_FILE.read_text(encoding="utf-8")
    assert "組織・公平な取引" in raw  # not \\u-escaped
    assert '\n  "items": [' in raw  # indented by two


def _mentions(item, *words: str) -> bool:
    text = f"{item.text_ja} {item.explanation_ja} {item.example_ja}"
    return any(word in text for word in words)


@pytest.mark.parametrize(
    "words",
    [
        ("地下水",),
        ("BCP", "事業継続"),
        ("脱炭素", "再生可能エネルギー", "省エネ"),
        ("フェアトレード",),
    ],
)
def test_v1_covers_the_regions_themes(v1, words):
    assert any(_mentions(item, *words) for item in v1.items), words


def test_v1_covers_local_employment(v1):
    assert any(
        ("地元" in item.text_ja or "地域" in item.text_ja) and "雇用" in item.text_ja for item in v1.items
    )


def test_v1_groundwater_is_both_a_basic_duty_and_a_challenge(v1):
    assert any("地下水" in item.text_ja for item in v1.basic)
    assert any("地下水" in item.text_ja for item in v1.challenge)


# --- looking items up ------------------------------------------------------------------------


def test_item_lookup(v1):
    assert v1.item("B01").text("ja") == "法令を遵守し、コンプライアンスに関する方針を定めている。"
    with pytest.raises(KeyError):
        v1.item("B26")
    with pytest.raises(KeyError):
        v1.items_in("nature")
    with pytest.raises(ValueError):
        v1.items_in("labour", "optional")


# --- the registration rule -------------------------------------------------------------------


def _all_basic(v1) -> list[str]:
    return [item.id for item in v1.basic]


def test_all_basic_and_five_challenge_items_pass(v1):
    result = v1.evaluate(_all_basic(v1), ["C01", "C05", "C09", "C14", "C21"])
    assert result.ok
    assert (result.basic_met, result.basic_total) == (25, 25)
    assert result.missing_basic == ()
    assert (result.challenge_chosen, result.challenge_minimum) == (5, 5)
    assert result.challenge_needed == 0


def test_one_basic_item_missing_fails_and_names_it(v1):
    met = [i for i in _all_basic(v1) if i != "B13"]
    result = v1.evaluate(met, [f"C{n:02d}" for n in range(1, 26)])
    assert not result.ok
    assert (result.basic_met, result.basic_total) == (24, 25)
    assert [item.id for item in result.missing_basic] == ["B13"]
    assert "地下水" in result.missing_basic[0].text_ja


def test_four_challenge_items_fail(v1):
    result = v1.evaluate(_all_basic(v1), ["C01", "C02", "C03", "C04"])
    assert not result.ok
    assert result.missing_basic == ()
    assert result.challenge_chosen == 4
    assert result.challenge_needed == 1


def test_unknown_cross_kind_and_repeated_ids_do_not_count(v1):
    # 24 real basic ids plus a challenge id and an unknown one in place of B25.
    met = [i for i in _all_basic(v1) if i != "B25"] + ["C01", "B99", "X"]
    # 4 real challenge ids, one of them repeated, plus a basic id and an unknown one.
    chosen = ["C01", "C02", "C03", "C04", "C04", "B01", "C26"]
    result = v1.evaluate(met, chosen)
    assert not result.ok
    assert result.basic_met == 24
    assert [item.id for item in result.missing_basic] == ["B25"]
    assert result.challenge_chosen == 4


def test_nothing_answered(v1):
    result = v1.evaluate([], iter(()))
    assert not result.ok
    assert result.basic_met == 0 and len(result.missing_basic) == 25
    assert result.challenge_chosen == 0 and result.challenge_needed == 5


def test_a_single_string_is_refused(v1):
    with pytest.raises(TypeError):
        v1.evaluate("B01", [])


# --- loading ---------------------------------------------------------------------------------


def test_load_is_cached_and_versions_are_listed():
    assert load_checklist("1") is load_checklist("1")
    assert "1" in available_versions()
    versions = available_versions()
    assert versions == sorted(versions, key=int)


@pytest.mark.parametrize(
    "version",
    ["2", "999", "../x", "../../etc/passwd", "1/../1", "v1", "1.json", "1\n", " 1", "", "1234", "１", "٣", None, 1],
)
def test_unknown_or_malformed_versions_raise(version):
    with pytest.raises(UnknownChecklistVersion):
        load_checklist(version)
    assert issubclass(UnknownChecklistVersion, ValueError)


def test_versions_are_sorted_numerically_and_invalid_files_refused(tmp_path, monkeypatch, v1_data):
    for version in ("10", "2", "1"):
        data = copy.deepcopy(v1_data)
        data["version"] = version
        (tmp_path / f"v{version}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / "v1.json.bak").write_text("{}", encoding="utf-8")
    broken = copy.deepcopy(v1_data)
    broken["version"] = "3"
    broken["items"][1]["id"] = "B01"
    (tmp_path / "v3.json").write_text(json.dumps(broken), encoding="utf-8")
    mislabelled = copy.deepcopy(v1_data)  # says "1" but lives in v4.json
    (tmp_path / "v4.json").write_text(json.dumps(mislabelled), encoding="utf-8")
    monkeypatch.setattr(checklist_module, "CHECKLIST_DIR", tmp_path)

    assert available_versions() == ["1", "2", "3", "4", "10"]
    assert load_checklist("10").version == "10"
    with pytest.raises(ValueError, match="duplicate item id 'B01'") as raised:
        load_checklist("3")
    assert not isinstance(raised.value, UnknownChecklistVersion)
    with pytest.raises(ValueError, match="declares version '1'"):
        load_checklist("4")


# --- validating checklist data ---------------------------------------------------------------


def test_validation_catches_a_duplicate_id(v1_data):
    v1_data["items"][7]["id"] = "C02"  # C03 becomes a second C02
    problems = validate_checklist_data(v1_data)
    assert any("duplicate item id 'C02'" in p for p in problems), problems


def test_validation_catches_an_unknown_category(v1_data):
    v1_data["items"][0]["category"] = "governance"
    problems = validate_checklist_data(v1_data)
    assert any("unknown category 'governance'" in p for p in problems), problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][0].__setitem__("id", "B1"), "id must be B or C"),
        (lambda d: d["items"][0].__setitem__("kind", "challenge"), "must start with C"),
        (lambda d: d["items"][0].__setitem__("kind", "optional"), "kind must be"),
        (lambda d: d["items"][0].__setitem__("goals", [0, 18]), "goals must be whole numbers"),
        (lambda d: d["items"][0].__setitem__("goals", [True]), "goals must be whole numbers"),
        (lambda d: d["items"][0].__setitem__("goals", []), "goals must be a non-empty list"),
        (lambda d: d["items"][0].__setitem__("text_en", "  "), "text_en is missing or empty"),
        (lambda d: d["items"][0].pop("example_ja"), "example_ja is missing or empty"),
        (lambda d: d["items"][0].__setitem__("explaination_en", "typo"), "unknown field 'explaination_en'"),
        (lambda d: d["categories"][1].__setitem__("id", "organisation"), "duplicate category id"),
        (lambda d: d["categories"][0].__setitem__("name_en", ""), "name_en is missing or empty"),
        (lambda d: d.__setitem__("version", "../1"), "version must be"),
        (lambda d: d["rule"].__setitem__("challenge_minimum", 26), "only 25 challenge items"),
        (lambda d: d["rule"].__setitem__("challenge_minimum", -1), "challenge_minimum must be"),
    ],
)
def test_validation_catches_other_problems(v1_data, change, expected):
    change(v1_data)
    problems = validate_checklist_data(v1_data)
    assert any(expected in p for p in problems), problems


def test_validation_survives_nonsense():
    assert validate_checklist_data([]) == ["the checklist must be a JSON object"]
    problems = validate_checklist_data({"items": [1, {"category": ["x"]}], "categories": "x"})
    assert problems  # reported, not raised
