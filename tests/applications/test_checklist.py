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
    APPLICANT_KINDS,
    KIND_UNKNOWN,
    NOT_THIS_ITEM,
    NOT_THIS_KIND,
    REASON_MISSING,
    Checklist,
    UnknownChecklistVersion,
    available_versions,
    latest_version,
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
    ["98", "999", "../x", "../../etc/passwd", "1/../1", "v1", "1.json", "1\n", " 1", "", "1234", "１", "٣", None, 1],
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


# --- version 2: 「該当なし」 ----------------------------------------------------------------------

V2_FILE = Path(checklist_module.__file__).parent / "checklists" / "v2.json"
EMPLOYMENT = ["B06", "B07", "B08", "B09", "B10"]
# Which kinds of applicant may mark which basic item 該当なし (the prefecture's decision, item by item).
V2_NOT_APPLICABLE = {
    "B06": ("group", "sole_proprietor"),  # working hours: only where no one is employed
    "B07": ("sole_proprietor",),  # workplace safety: a group's volunteers still need it
    "B08": ("sole_proprietor",),  # harassment: a group's members still need a policy
    "B09": ("group", "sole_proprietor"),  # fair hiring and pay
    "B10": ("group", "sole_proprietor"),  # childcare and nursing-care leave
    "B14": ("corporation", "group", "sole_proprietor"),  # chemicals and oils: none kept
    "B19": ("corporation", "group", "sole_proprietor"),  # product recalls: services only
}


@pytest.fixture(scope="module")
def v2() -> Checklist:
    return load_checklist("2")


@pytest.fixture()
def v2_data() -> dict:
    return json.loads(V2_FILE.read_text(encoding="utf-8"))


def test_v2_has_the_items_and_texts_of_v1(v1, v2):
    assert v2.version == "2" and "第2版" in v2.title_ja and v2.challenge_minimum == v1.challenge_minimum
    assert v2.categories == v1.categories
    assert [(i.id, i.category, i.kind, i.goals) for i in v2.items] == [(i.id, i.category, i.kind, i.goals) for i in v1.items]
    for old, new in zip(v1.items, v2.items):
        for locale in ("ja", "en"):
            assert (new.text(locale), new.explanation(locale), new.example(locale)) == \
                   (old.text(locale), old.explanation(locale), old.example(locale)), new.id
    assert not v1.has_not_applicable and v2.has_not_applicable
    assert all(item.not_applicable is None for item in v1.items)


def test_v2_says_item_by_item_who_may_mark_it_not_applicable(v2):
    assert {i.id: i.not_applicable.kinds for i in v2.items if i.not_applicable} == V2_NOT_APPLICABLE
    for item in v2.items:
        rule = item.not_applicable
        if rule is None:
            continue
        assert item.is_basic and rule.reason_required, item.id
        assert rule.when("ja").endswith("場合") and rule.when("en").startswith("when "), item.id
    # Fair dealing, compliance, organised crime and bribery never; nor any challenge item.
    for item_id in ("B01", "B02", "B03", "B04", "B05"):
        assert v2.item(item_id).not_applicable is None
        assert not any(v2.item(item_id).allows_not_applicable(kind) for kind in APPLICANT_KINDS)
    assert all(item.not_applicable is None for item in v2.challenge)
    assert all("従業員" in v2.item(i).not_applicable.when_ja for i in EMPLOYMENT)
    assert v2.item("B06").allows_not_applicable("sole_proprietor")
    assert not v2.item("B06").allows_not_applicable("corporation")
    assert not v2.item("B06").allows_not_applicable(None)


def test_v2_file_is_valid_and_human_readable(v2_data):
    assert validate_checklist_data(v2_data) == []
    raw = V2_FILE.read_text(encoding="utf-8")
    assert "該当" not in json.loads(raw)["items"][0]["text_ja"] and '\n  "items": [' in raw
    assert "雇用していない場合" in raw  # not \\u-escaped


def test_the_kinds_of_applicant_are_the_organisation_kinds():
    from portal.organisations.models import OrganisationKind

    assert set(APPLICANT_KINDS) == {kind.value for kind in OrganisationKind}


def test_new_cohorts_default_to_the_newest_version():
    assert latest_version() == available_versions()[-1] == "2"


def _everything_but(checklist, *item_ids) -> list[str]:
    return [item.id for item in checklist.basic if item.id not in item_ids]


def test_an_allowed_not_applicable_counts_as_met(v2):
    reasons = {item_id: "従業員を雇用していないため。" for item_id in EMPLOYMENT}
    result = v2.evaluate(_everything_but(v2, *EMPLOYMENT), ["C01", "C02", "C03", "C04", "C05"], reasons,
                         "sole_proprietor")
    assert result.ok and result.basic_met == 25 and not result.missing_basic and not result.refused
    assert [(item.id, reason) for item, reason in result.not_applicable] == list(reasons.items())
    assert result.reason_of("B06") == "従業員を雇用していないため。" and result.reason_of("B01") is None


def test_not_applicable_never_counts_as_a_challenge_item(v2):
    result = v2.evaluate(_everything_but(v2), ["C01", "C02", "C03", "C04"], {"C05": "対象外"}, "sole_proprietor")
    assert not result.ok and result.challenge_chosen == 4 and result.challenge_needed == 1
    assert [(r.item.id, r.code) for r in result.refused] == [("C05", NOT_THIS_ITEM)]
    assert not result.not_applicable


@pytest.mark.parametrize(("item_id", "kind", "reason", "code"), [
    ("B01", "sole_proprietor", "理由", NOT_THIS_ITEM),  # compliance: never
    ("B04", "group", "理由", NOT_THIS_ITEM),  # fair dealing with suppliers: never
    ("B06", "corporation", "理由", NOT_THIS_KIND),
    ("B07", "group", "理由", NOT_THIS_KIND),
    ("B06", None, "理由", KIND_UNKNOWN),
    ("B06", "sole_proprietor", "", REASON_MISSING),
    ("B14", "corporation", "  \n", REASON_MISSING),
])
def test_a_not_applicable_the_rule_does_not_allow_is_refused_and_the_item_stays_unmet(v2, item_id, kind, reason, code):
    result = v2.evaluate(_everything_but(v2, item_id), ["C01", "C02", "C03", "C04", "C05"], {item_id: reason}, kind)
    assert not result.ok and [item.id for item in result.missing_basic] == [item_id]
    assert [(r.item.id, r.code) for r in result.refused] == [(item_id, code)]
    assert result.missing_unexplained == ()  # the refusal says it better than "not met"


def test_version_1_refuses_every_not_applicable_and_keeps_its_counts(v1):
    answers = {"basic": _everything_but(v1, "B06"), "challenge": ["C01", "C02", "C03", "C04", "C05"]}
    plain = v1.evaluate_answers(answers, "sole_proprietor")
    assert (plain.basic_met, plain.ok) == (24, False)
    marked = v1.evaluate_answers({**answers, "not_applicable": {"B06": "従業員なし"}}, "sole_proprietor")
    assert (marked.basic_met, marked.ok) == (24, False)
    assert [(r.item.id, r.code) for r in marked.refused] == [("B06", NOT_THIS_ITEM)]


def test_met_and_not_applicable_together_count_once_as_met(v2):
    result = v2.evaluate(_everything_but(v2), ["C01", "C02", "C03", "C04", "C05"], {"B06": "理由"}, "sole_proprietor")
    assert result.ok and result.basic_met == 25 and not result.not_applicable and not result.refused


@pytest.mark.parametrize("answers", [None, "B01", [], {"basic": "B01"}, {"basic": [1, None], "not_applicable": ["B06"]},
                                     {"not_applicable": {"B06": 3, 7: "x"}}])
def test_stored_answers_of_any_shape_are_read_without_failing(v2, answers):
    result = v2.evaluate_answers(answers, "sole_proprietor")
    assert result.basic_met == 0 and not result.ok and not result.not_applicable


def test_carry_over_reads_version_1_answers_as_version_2(v1, v2):
    answers = {"version": "1", "basic": _everything_but(v1, "B25") + ["C01", "X"], "challenge": ["C01", "C02", "B02"]}
    carried = v2.carry_over(answers)
    assert carried == {"version": "2", "basic": _everything_but(v1, "B25"), "challenge": ["C01", "C02"]}
    kept = v2.carry_over({"basic": [], "challenge": [], "not_applicable": {"B06": "理由", "B01": "x", "C01": "y"}})
    assert kept["not_applicable"] == {"B06": "理由"}  # only items that may be 該当なし at all
    assert "not_applicable" not in v1.carry_over(kept)  # back to a version without it: dropped


def _item(data: dict, item_id: str) -> dict:
    return next(item for item in data["items"] if item["id"] == item_id)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: _item(d, "B06").__setitem__("not_applicable", "yes"), "not_applicable must be an object"),
        (lambda d: _item(d, "B06")["not_applicable"].__setitem__("kinds", []), "kinds must be a non-empty list"),
        (lambda d: _item(d, "B06")["not_applicable"].__setitem__("kinds", ["government"]), "kinds must be among"),
        (lambda d: _item(d, "B06")["not_applicable"].__setitem__("kinds", ["group", "group"]), "kinds are repeated"),
        (lambda d: _item(d, "B06")["not_applicable"].__setitem__("reason_required", "yes"), "reason_required must be"),
        (lambda d: _item(d, "B06")["not_applicable"].pop("when_en"), "when_en is missing or empty"),
        (lambda d: _item(d, "B06")["not_applicable"].__setitem__("why", "typo"), "unknown field 'why'"),
        (lambda d: _item(d, "C06").__setitem__("not_applicable", copy.deepcopy(_item(d, "B06")["not_applicable"])),
         "(C06): a challenge item cannot be marked not applicable"),
    ],
)
def test_validation_checks_the_not_applicable_rules(v2_data, change, expected):
    change(v2_data)
    problems = validate_checklist_data(v2_data)
    assert any(expected in p for p in problems), problems


def test_a_rule_without_a_required_reason_accepts_a_blank_one(tmp_path, monkeypatch, v2_data):
    v2_data["version"] = "3"
    _item(v2_data, "B06")["not_applicable"]["reason_required"] = False
    (tmp_path / "v3.json").write_text(json.dumps(v2_data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(checklist_module, "CHECKLIST_DIR", tmp_path)
    v3 = load_checklist("3")
    result = v3.evaluate(_everything_but(v3, "B06", "B07"), ["C01", "C02", "C03", "C04", "C05"],
                         {"B06": "", "B07": ""}, "sole_proprietor")
    assert [(item.id, reason) for item, reason in result.not_applicable] == [("B06", "")]
    assert [(r.item.id, r.code) for r in result.refused] == [("B07", REASON_MISSING)]
