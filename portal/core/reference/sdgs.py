"""The 17 Sustainable Development Goals and their 169 targets (UN 2030 Agenda, A/RES/70/1).

Names: the short titles of the UN icons; in Japanese, those used by 外務省 and 国連広報センター.
Colours: the official icon colours from the UN SDG communication guidelines.
Targets: `sdg_targets.csv` beside this module, one row per target in UN order with its English
text (A/RES/70/1) and Japanese text (外務省 仮訳). It is reference data, read as given: a wording
changes in the file, with the reason in the commit.
"""
from __future__ import annotations

import csv
import string
from dataclasses import dataclass
from pathlib import Path

from portal.core.japanese import is_japanese_locale


@dataclass(frozen=True)
class Goal:
    number: int
    name_ja: str
    name_en: str
    colour: str  # "#RRGGBB"
    targets: tuple[str, ...]  # "1.1" … "1.5", "1.a", "1.b"

    def name(self, locale: str) -> str:
        return self.name_ja if is_japanese_locale(locale) else self.name_en


def _targets(goal: int, numbered: int, lettered: int) -> tuple[str, ...]:
    """The Agenda numbers outcome targets n.1, n.2 … and means of implementation n.a, n.b …"""
    return tuple(f"{goal}.{i}" for i in range(1, numbered + 1)) + tuple(
        f"{goal}.{letter}" for letter in string.ascii_lowercase[:lettered]
    )


# number, Japanese, English, colour, numbered targets, lettered targets
_GOALS: tuple[tuple[int, str, str, str, int, int], ...] = (
    (1, "貧困をなくそう", "No Poverty", "#E5243B", 5, 2),
    (2, "飢餓をゼロに", "Zero Hunger", "#DDA63A", 5, 3),
    (3, "すべての人に健康と福祉を", "Good Health and Well-being", "#4C9F38", 9, 4),
    (4, "質の高い教育をみんなに", "Quality Education", "#C5192D", 7, 3),
    (5, "ジェンダー平等を実現しよう", "Gender Equality", "#FF3A21", 6, 3),
    (6, "安全な水とトイレを世界中に", "Clean Water and Sanitation", "#26BDE2", 6, 2),
    (7, "エネルギーをみんなに そしてクリーンに", "Affordable and Clean Energy", "#FCC30B", 3, 2),
    (8, "働きがいも経済成長も", "Decent Work and Economic Growth", "#A21942", 10, 2),
    (9, "産業と技術革新の基盤をつくろう", "Industry, Innovation and Infrastructure", "#FD6925", 5, 3),
    (10, "人や国の不平等をなくそう", "Reduced Inequalities", "#DD1367", 7, 3),
    (11, "住み続けられるまちづくりを", "Sustainable Cities and Communities", "#FD9D24", 7, 3),
    (12, "つくる責任 つかう責任", "Responsible Consumption and Production", "#BF8B2E", 8, 3),
    (13, "気候変動に具体的な対策を", "Climate Action", "#3F7E44", 3, 2),
    (14, "海の豊かさを守ろう", "Life Below Water", "#0A97D9", 7, 3),
    (15, "陸の豊かさも守ろう", "Life on Land", "#56C02B", 9, 3),
    (16, "平和と公正をすべての人に", "Peace, Justice and Strong Institutions", "#00689D", 10, 2),
    (17, "パートナーシップで目標を達成しよう", "Partnerships for the Goals", "#19486A", 19, 0),
)

@dataclass(frozen=True)
class Target:
    code: str  # "8.3", "14.c"
    goal: int
    text_ja: str
    text_en: str

    def text(self, locale: str) -> str:
        return self.text_ja if is_japanese_locale(locale) else self.text_en


def _read_targets() -> dict[str, Target]:
    with (Path(__file__).with_name("sdg_targets.csv")).open(encoding="utf-8", newline="") as f:
        rows = [Target(row["target"], int(row["goal"]), row["ja"], row["en"]) for row in csv.DictReader(f)]
    return {t.code: t for t in rows}


_TEXTS: dict[str, Target] = _read_targets()

GOALS: tuple[Goal, ...] = tuple(
    Goal(number, ja, en, colour, _targets(number, numbered, lettered))
    for number, ja, en, colour, numbered, lettered in _GOALS
)
_BY_NUMBER: dict[int, Goal] = {g.number: g for g in GOALS}

TARGETS: frozenset[str] = frozenset(t for g in GOALS for t in g.targets)
# The file and the Agenda's numbering must name the same targets, each under its own goal.
if set(_TEXTS) != TARGETS or any(t.code.split(".")[0] != str(t.goal) for t in _TEXTS.values()):
    raise RuntimeError("sdg_targets.csv does not list exactly the Agenda's 169 targets")


def goal(number: int) -> Goal:
    """The goal with this number; KeyError for anything but 1–17."""
    return _BY_NUMBER[number]


def is_target(s: str) -> bool:
    """True for a target number of the Agenda, e.g. "7.2" or "13.a" (not "7.4", not "17.a")."""
    return s in TARGETS


def target(code: str) -> Target:
    """The target with this code ("8.3"); KeyError for anything else."""
    return _TEXTS[code]


def target_text(code: str, locale: str) -> str:
    """The target's text in the locale's language; "" for a code that is not a target."""
    found = _TEXTS.get(code)
    return found.text(locale) if found else ""
