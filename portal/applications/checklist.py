"""The registration checklist (チェックリスト, 様式第2号) as versioned data.

The checklist has five categories, basic items (基本項目: every one must be met to register)
and challenge items (チャレンジ項目: at least `challenge_minimum` must be chosen). Its wording
is data, not code: one JSON file per version under `checklists/`, chosen per cohort, so a
later cohort can get revised items while earlier applications keep being read against the
version they answered.

From version 2 a basic item may say that it can be marked 「該当なし」 (not applicable), by
which kinds of applicant, and whether a short reason is required — a sole proprietor with no
employees cannot honestly tick the employment items. An allowed 該当なし counts as met for its
basic item; it is never a challenge item. Version 1 has no such item, so it keeps its meaning.

Pure Python on purpose: forms, operations, review screens, PDFs and tests all use it, and
none of them should need an application or a database to know what the checklist says.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from portal.core.japanese import is_japanese_locale

Kind = Literal["basic", "challenge"]
BASIC: Kind = "basic"
CHALLENGE: Kind = "challenge"
KINDS: tuple[Kind, ...] = (BASIC, CHALLENGE)

# The files live next to this module, so the checklist ships with the code that reads it.
CHECKLIST_DIR = Path(__file__).resolve().parent / "checklists"

# A version is a short decimal number and nothing else: it becomes part of a file name, so
# anything looser (dots, slashes, non-ASCII digits, a trailing newline) is refused before any
# path is built.
_VERSION = re.compile(r"[0-9]{1,3}")
_VERSION_FILE = re.compile(r"v([0-9]{1,3})\.json")
# Item ids say their kind: B01… for basic items, C01… for challenge items.
_ITEM_ID = {BASIC: re.compile(r"B[0-9]{2}"), CHALLENGE: re.compile(r"C[0-9]{2}")}
_CATEGORY_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")

_TEXT_FIELDS = ("text_ja", "text_en", "explanation_ja", "explanation_en", "example_ja", "example_en")
_ITEM_FIELDS = frozenset({"id", "category", "kind", "goals", "not_applicable", *_TEXT_FIELDS})
_NOT_APPLICABLE_FIELDS = frozenset({"kinds", "reason_required", "when_ja", "when_en"})
_CATEGORY_FIELDS = frozenset({"id", "name_ja", "name_en"})
_TOP_FIELDS = frozenset({"version", "title_ja", "title_en", "rule", "categories", "items"})
_GOALS = range(1, 18)

# The kinds of applicant (OrganisationKind's values; this module stays free of the models, and
# a test keeps the two the same).
APPLICANT_KINDS: tuple[str, ...] = ("corporation", "group", "sole_proprietor")
# A 該当なし reason is a short sentence, not an essay.
REASON_MAX = 200

# Why a 該当なし is refused (Refusal.code).
NOT_THIS_ITEM = "item"  # the item cannot be marked not applicable at all
NOT_THIS_KIND = "kind"  # it can, but not by this kind of applicant
KIND_UNKNOWN = "no_kind"  # it can for some kinds, and the applicant's kind is not known (self-check)
REASON_MISSING = "reason"  # a reason is required and none was given


class UnknownChecklistVersion(ValueError):
    """No checklist file exists for this version (or the version is not a version at all)."""


@dataclass(frozen=True)
class Category:
    """One of the checklist's categories, e.g. `environment` 環境."""

    id: str
    name_ja: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_ja if is_japanese_locale(locale) else self.name_en


@dataclass(frozen=True)
class NotApplicableRule:
    """When a basic item may be marked 「該当なし」: for which kinds of applicant, in what case
    (`when_*`, shown beside the choice), and whether a short reason is required."""

    kinds: tuple[str, ...]
    reason_required: bool
    when_ja: str
    when_en: str

    def when(self, locale: str) -> str:
        return self.when_ja if is_japanese_locale(locale) else self.when_en

    @property
    def for_every_kind(self) -> bool:
        return set(self.kinds) >= set(APPLICANT_KINDS)


@dataclass(frozen=True)
class ChecklistItem:
    """One statement an applicant ticks (basic) or chooses (challenge)."""

    id: str
    category: str
    kind: Kind
    text_ja: str
    text_en: str
    explanation_ja: str
    explanation_en: str
    example_ja: str
    example_en: str
    goals: tuple[int, ...]
    not_applicable: NotApplicableRule | None = None

    def text(self, locale: str) -> str:
        return self.text_ja if is_japanese_locale(locale) else self.text_en

    def explanation(self, locale: str) -> str:
        return self.explanation_ja if is_japanese_locale(locale) else self.explanation_en

    def example(self, locale: str) -> str:
        return self.example_ja if is_japanese_locale(locale) else self.example_en

    @property
    def is_basic(self) -> bool:
        return self.kind == BASIC

    def allows_not_applicable(self, applicant_kind: str | None) -> bool:
        """True if this kind of applicant may mark the item 「該当なし」."""
        rule = self.not_applicable
        return rule is not None and applicant_kind in rule.kinds


@dataclass(frozen=True)
class Refusal:
    """A 「該当なし」 the rule does not accept, and why (NOT_THIS_ITEM, NOT_THIS_KIND,
    KIND_UNKNOWN or REASON_MISSING)."""

    item: ChecklistItem
    code: str


@dataclass(frozen=True)
class Evaluation:
    """How a set of answers measures up against the registration rule.

    `missing_basic` names the unmet basic items (in checklist order) so a form or a reviewer
    can say exactly what is missing, not just that something is. `not_applicable` are the basic
    items marked 「該当なし」 that the rule accepts (counted in `basic_met`), with their reasons;
    `refused` the 該当なし it does not accept (their items count as not met).
    """

    basic_met: int
    basic_total: int
    missing_basic: tuple[ChecklistItem, ...]
    challenge_chosen: int
    challenge_minimum: int
    ok: bool
    not_applicable: tuple[tuple[ChecklistItem, str], ...] = ()
    refused: tuple[Refusal, ...] = ()

    @property
    def missing_unexplained(self) -> tuple[ChecklistItem, ...]:
        """The unmet basic items other than those whose 該当なし was refused (the refusal says
        more about those than "not met" does)."""
        refused = {refusal.item.id for refusal in self.refused}
        return tuple(item for item in self.missing_basic if item.id not in refused)

    def reason_of(self, item_id: str) -> str | None:
        """The reason given for an accepted 該当なし, or None if the item is not one."""
        for item, reason in self.not_applicable:
            if item.id == item_id:
                return reason
        return None

    @property
    def challenge_needed(self) -> int:
        """How many more challenge items must be chosen (0 when there are enough)."""
        return max(0, self.challenge_minimum - self.challenge_chosen)


@dataclass(frozen=True)
class Checklist:
    """One version of the checklist: its categories and items, in the order they are shown."""

    version: str
    title_ja: str
    title_en: str
    challenge_minimum: int
    categories: tuple[Category, ...]
    items: tuple[ChecklistItem, ...]
    # Lookups built once; excluded from comparison and repr because they repeat `items`.
    _by_id: dict[str, ChecklistItem] = field(init=False, repr=False, compare=False)
    _category_ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})
        object.__setattr__(self, "_category_ids", frozenset(c.id for c in self.categories))

    def title(self, locale: str) -> str:
        return self.title_ja if is_japanese_locale(locale) else self.title_en

    @property
    def basic(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if item.kind == BASIC)

    @property
    def challenge(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if item.kind == CHALLENGE)

    def item(self, item_id: str) -> ChecklistItem:
        """The item with this id; KeyError if this version has none."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"checklist v{self.version} has no item {item_id!r}") from None

    def category(self, category_id: str) -> Category:
        """The category with this id; KeyError if this version has none."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(f"checklist v{self.version} has no category {category_id!r}")

    def items_in(self, category_id: str, kind: Kind | None = None) -> tuple[ChecklistItem, ...]:
        """The items of one category, optionally of one kind, in checklist order.

        An unknown category is a KeyError rather than an empty tuple: a typo in a template
        would otherwise silently render an empty section.
        """
        if category_id not in self._category_ids:
            raise KeyError(f"checklist v{self.version} has no category {category_id!r}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS} or None, not {kind!r}")
        return tuple(
            item for item in self.items
            if item.category == category_id and (kind is None or item.kind == kind)
        )

    @property
    def has_not_applicable(self) -> bool:
        """True if any item of this version may be marked 「該当なし」 (from version 2)."""
        return any(item.not_applicable is not None for item in self.items)

    def evaluate(self, met_basic: Iterable[str], chosen_challenge: Iterable[str],
                 not_applicable: Mapping[str, str] | None = None,
                 applicant_kind: str | None = None) -> Evaluation:
        """Check answers against the rule: every basic item met and enough challenge items.

        Ids this version does not know, and ids of the other kind (a challenge item passed as
        met basic, or the reverse), are ignored rather than counted: answers come from a form
        or from an application saved against an older version, and neither may inflate a
        count. Repeated ids count once.

        `not_applicable` maps item ids marked 「該当なし」 to their reasons. One the item allows
        for `applicant_kind`, with a reason where one is required, counts as met for a basic
        item; any other is refused (see Refusal) and its item stays unmet. A challenge item's
        該当なし is always refused: it never counts as chosen. An item both met and marked
        該当なし is met (the form refuses the pair before it is saved).
        """
        met = set(_ids(met_basic, "met_basic"))
        chosen = set(_ids(chosen_challenge, "chosen_challenge"))
        marked = _reasons(not_applicable)
        accepted: list[tuple[ChecklistItem, str]] = []
        refused: list[Refusal] = []
        for item in self.items:
            if item.id not in marked or item.id in met:
                continue
            code = refusal_code(item, applicant_kind, marked[item.id])
            if code is None:
                accepted.append((item, marked[item.id].strip()))
            else:
                refused.append(Refusal(item, code))
        excused = {item.id for item, _ in accepted}
        basic = self.basic
        missing = tuple(item for item in basic if item.id not in met and item.id not in excused)
        challenge_chosen = sum(1 for item in self.challenge if item.id in chosen)
        return Evaluation(
            basic_met=len(basic) - len(missing),
            basic_total=len(basic),
            missing_basic=missing,
            challenge_chosen=challenge_chosen,
            challenge_minimum=self.challenge_minimum,
            ok=not missing and not refused and challenge_chosen >= self.challenge_minimum,
            not_applicable=tuple(accepted),
            refused=tuple(refused),
        )

    def evaluate_answers(self, answers: object, applicant_kind: str | None = None) -> Evaluation:
        """`evaluate` on answers as an application stores them ({"basic": [...], "challenge":
        [...], "not_applicable": {id: reason}}); anything of another shape counts as nothing."""
        answers = answers if isinstance(answers, Mapping) else {}
        return self.evaluate(_id_list(answers.get(BASIC)), _id_list(answers.get(CHALLENGE)),
                             answers.get("not_applicable"), applicant_kind)

    def carry_over(self, answers: object) -> dict[str, Any]:
        """Answers given against another version, as answers to this one: the ids this version
        has (of the same kind) are kept, with their 該当なし and reasons, and the answers say
        this version. Version 2 has version 1's items, so a renewal keeps every answer."""
        answers = answers if isinstance(answers, Mapping) else {}
        basic = set(_id_list(answers.get(BASIC)))
        challenge = set(_id_list(answers.get(CHALLENGE)))
        reasons = _reasons(answers.get("not_applicable"))
        carried: dict[str, Any] = {
            "version": self.version,
            BASIC: [item.id for item in self.basic if item.id in basic],
            CHALLENGE: [item.id for item in self.challenge if item.id in challenge],
        }
        marked = {item.id: reasons[item.id] for item in self.basic
                  if item.id in reasons and item.not_applicable is not None}
        if marked:
            carried["not_applicable"] = marked
        return carried


def refusal_code(item: ChecklistItem, applicant_kind: str | None, reason: str) -> str | None:
    """Why a 「該当なし」 on `item` by `applicant_kind` with `reason` is refused, or None if the
    rule accepts it. The one place the rule lives: evaluate and the forms both ask it."""
    rule = item.not_applicable
    if rule is None or not item.is_basic:
        return NOT_THIS_ITEM
    if applicant_kind is None:
        return KIND_UNKNOWN
    if applicant_kind not in rule.kinds:
        return NOT_THIS_KIND
    if rule.reason_required and not (reason or "").strip():
        return REASON_MISSING
    return None


def _ids(values: Iterable[str], name: str) -> Iterable[str]:
    # A bare string is iterable too, and "B01" would become {"B", "0", "1"}: refuse it loudly.
    if isinstance(values, str):
        raise TypeError(f"{name} must be an iterable of item ids, not a single string")
    return values


def _id_list(values: object) -> list[str]:
    """Stored ids as a list of strings; anything else (a string, a number, None) is no ids."""
    if not isinstance(values, (list, tuple)):
        return []
    return [value for value in values if isinstance(value, str)]


def _reasons(values: object) -> dict[str, str]:
    """Stored 該当なし as {id: reason}; entries of another shape are dropped."""
    if not isinstance(values, Mapping):
        return {}
    return {key: value for key, value in values.items() if isinstance(key, str) and isinstance(value, str)}


# --- loading ---------------------------------------------------------------------------------


def is_version(version: object) -> bool:
    """True if `version` has the shape of a checklist version ("1", "2", … up to 3 digits)."""
    return isinstance(version, str) and _VERSION.fullmatch(version) is not None


def latest_version() -> str:
    """The newest checklist version: what a cohort planned from now on gets by default."""
    versions = available_versions()
    if not versions:
        raise UnknownChecklistVersion("no checklist version is installed")
    return versions[-1]


def available_versions() -> list[str]:
    """The versions that have a file, sorted numerically ("2" before "10")."""
    if not CHECKLIST_DIR.is_dir():
        return []
    versions = []
    for path in CHECKLIST_DIR.iterdir():
        match = _VERSION_FILE.fullmatch(path.name)
        if match and path.is_file():
            versions.append(match.group(1))
    return sorted(versions, key=int)


def load_checklist(version: str) -> Checklist:
    """The checklist of this version, read once per process and then served from a cache.

    Raises UnknownChecklistVersion for anything that is not a version with a file, and
    ValueError (listing every problem) for a file whose content is not a valid checklist.
    """
    # Check the shape before touching the file system: the version may come from a request
    # or a database row, and must never steer which path is opened.
    if not is_version(version):
        raise UnknownChecklistVersion(f"not a checklist version: {version!r}")
    return _load(CHECKLIST_DIR, version)


@lru_cache(maxsize=32)
def _load(directory: Path, version: str) -> Checklist:
    # The directory is part of the cache key so a test that points CHECKLIST_DIR elsewhere
    # never sees a checklist cached from the real one (or the reverse).
    path = directory / f"v{version}.json"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownChecklistVersion(f"no checklist version {version!r}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"checklist file {path.name} is not valid JSON: {error}") from None
    problems = validate_checklist_data(data)
    if not problems and data["version"] != version:
        problems.append(f"file {path.name} declares version {data['version']!r}")
    if problems:
        raise ValueError(f"checklist file {path.name} is invalid: " + "; ".join(problems))
    return _build(data)


def _build(data: dict[str, Any]) -> Checklist:
    """A Checklist from data that validate_checklist_data accepted."""
    return Checklist(
        version=data["version"],
        title_ja=data["title_ja"],
        title_en=data["title_en"],
        challenge_minimum=data["rule"]["challenge_minimum"],
        categories=tuple(
            Category(id=c["id"], name_ja=c["name_ja"], name_en=c["name_en"]) for c in data["categories"]
        ),
        items=tuple(
            ChecklistItem(
                id=i["id"],
                category=i["category"],
                kind=i["kind"],
                goals=tuple(i["goals"]),
                not_applicable=_rule(i.get("not_applicable")),
                **{name: i[name] for name in _TEXT_FIELDS},
            )
            for i in data["items"]
        ),
    )


def _rule(data: dict[str, Any] | None) -> NotApplicableRule | None:
    if data is None:
        return None
    return NotApplicableRule(kinds=tuple(k for k in APPLICANT_KINDS if k in data["kinds"]),
                             reason_required=data["reason_required"], when_ja=data["when_ja"],
                             when_en=data["when_en"])


# --- validation ------------------------------------------------------------------------------


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: object) -> bool:
    # bool is an int subclass; `true` in a JSON file is a mistake, not a 1.
    return isinstance(value, int) and not isinstance(value, bool)


def validate_checklist_data(data: Any) -> list[str]:
    """Every problem with parsed checklist JSON, as plain messages; an empty list means valid.

    All problems are collected rather than stopping at the first, so whoever edits a
    checklist file sees everything to fix at once. The 5 + 5 items per category of version 1
    are not a rule here: a later version may be shaped differently.
    """
    if not isinstance(data, dict):
        return ["the checklist must be a JSON object"]
    problems: list[str] = []

    for key in sorted(set(data) - _TOP_FIELDS):
        problems.append(f"unknown field {key!r}")
    if not is_version(data.get("version")):
        problems.append("version must be a string of 1 to 3 digits")
    for key in ("title_ja", "title_en"):
        if not _is_text(data.get(key)):
            problems.append(f"{key} is missing or empty")

    # Categories: ids unique and well-formed, names in both languages.
    category_ids: set[str] = set()
    categories = data.get("categories")
    if not isinstance(categories, list) or not categories:
        problems.append("categories must be a non-empty list")
        categories = []
    for n, category in enumerate(categories):
        where = f"categories[{n}]"
        if not isinstance(category, dict):
            problems.append(f"{where} must be an object")
            continue
        cid = category.get("id")
        if isinstance(cid, str):
            where = f"{where} ({cid})"
        for key in sorted(set(category) - _CATEGORY_FIELDS):
            problems.append(f"{where}: unknown field {key!r}")
        if not isinstance(cid, str) or not _CATEGORY_ID.fullmatch(cid):
            problems.append(f"{where}: id must be lower-case letters, digits or _")
        elif cid in category_ids:
            problems.append(f"{where}: duplicate category id {cid!r}")
        else:
            category_ids.add(cid)
        for key in ("name_ja", "name_en"):
            if not _is_text(category.get(key)):
                problems.append(f"{where}: {key} is missing or empty")

    # Items: ids unique and matching their kind, known category, texts, goals 1–17.
    item_ids: set[str] = set()
    challenge_count = 0
    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.append("items must be a non-empty list")
        items = []
    for n, item in enumerate(items):
        where = f"items[{n}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object")
            continue
        iid = item.get("id")
        if isinstance(iid, str):
            where = f"{where} ({iid})"
        for key in sorted(set(item) - _ITEM_FIELDS):
            problems.append(f"{where}: unknown field {key!r}")
        kind = item.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: kind must be 'basic' or 'challenge'")
        elif kind == CHALLENGE:
            challenge_count += 1
        if not isinstance(iid, str) or not re.fullmatch(r"[BC][0-9]{2}", iid):
            problems.append(f"{where}: id must be B or C followed by two digits")
        else:
            if kind in KINDS and not _ITEM_ID[kind].fullmatch(iid):
                problems.append(f"{where}: a {kind} item's id must start with {'B' if kind == BASIC else 'C'}")
            if iid in item_ids:
                problems.append(f"{where}: duplicate item id {iid!r}")
            item_ids.add(iid)
        category_id = item.get("category")
        if not isinstance(category_id, str) or category_id not in category_ids:
            problems.append(f"{where}: unknown category {category_id!r}")
        for key in _TEXT_FIELDS:
            if not _is_text(item.get(key)):
                problems.append(f"{where}: {key} is missing or empty")
        if "not_applicable" in item:
            problems.extend(f"{where}: {p}" for p in _not_applicable_problems(item["not_applicable"], kind))
        goals = item.get("goals")
        if not isinstance(goals, list) or not goals:
            problems.append(f"{where}: goals must be a non-empty list of goal numbers")
        else:
            if any(not _is_int(g) or g not in _GOALS for g in goals):
                problems.append(f"{where}: goals must be whole numbers from 1 to 17")
            elif len(set(goals)) != len(goals):
                problems.append(f"{where}: goals are repeated")

    # The rule: a minimum no applicant could reach would make registration impossible.
    rule = data.get("rule")
    minimum = rule.get("challenge_minimum") if isinstance(rule, dict) else None
    if isinstance(rule, dict):
        for key in sorted(set(rule) - {"challenge_minimum"}):
            problems.append(f"rule: unknown field {key!r}")
    if not _is_int(minimum) or minimum < 0:
        problems.append("rule.challenge_minimum must be a whole number ≥ 0")
    elif minimum > challenge_count:
        problems.append(
            f"rule.challenge_minimum is {minimum} but there are only {challenge_count} challenge items"
        )
    return problems


def _not_applicable_problems(rule: Any, kind: Any) -> list[str]:
    """What is wrong with an item's `not_applicable` (which kinds of applicant may mark it
    「該当なし」, whether a reason is required, and when — in both languages)."""
    if kind == CHALLENGE:
        # A challenge item is chosen or not: 該当なし would change nothing, so it is not offered.
        return ["a challenge item cannot be marked not applicable"]
    if not isinstance(rule, dict):
        return ["not_applicable must be an object"]
    problems = [f"not_applicable: unknown field {key!r}" for key in sorted(set(rule) - _NOT_APPLICABLE_FIELDS)]
    kinds = rule.get("kinds")
    if not isinstance(kinds, list) or not kinds:
        problems.append("not_applicable.kinds must be a non-empty list of kinds of applicant")
    elif any(k not in APPLICANT_KINDS for k in kinds):
        problems.append(f"not_applicable.kinds must be among {', '.join(APPLICANT_KINDS)}")
    elif len(set(kinds)) != len(kinds):
        problems.append("not_applicable.kinds are repeated")
    if not isinstance(rule.get("reason_required"), bool):
        problems.append("not_applicable.reason_required must be true or false")
    for key in ("when_ja", "when_en"):
        if not _is_text(rule.get(key)):
            problems.append(f"not_applicable.{key} is missing or empty")
    return problems
