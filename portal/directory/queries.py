"""Who the public sees, and what it sees of each registrant: one definition for the directory,
the registrant pages and the open data, so that a download can never hold a registrant the
pages hide (or miss one they show).

A registrant is listed when its registration is active on the day (JST) — not withdrawn,
revoked, expired or yet to begin (`portal.registrations.queries.active_on`): being listed is one
of every application's declarations, so there is no opting out short of withdrawing (辞退). What
is shown is what that declaration names, and no more (`Registrant`, `Plan`): the municipality,
never the street address. Each row carries its goals as one aggregated string
(a correlated subquery), so a page, a registrant or the whole open data is one SQL statement
whatever the number of registrants; a page's total is one more (`count_matching`).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from portal.applications.content import AREAS
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.cohorts.models import Cohort, CohortState
from portal.core import japanese
from portal.core.extensions import db
from portal.core.paging import contains
from portal.core.reference import industries, municipalities, sdgs
from portal.organisations.models import Organisation
from portal.registrations import documents
from portal.registrations.models import Registration, RegistrationGoal
from portal.registrations.queries import active_on

PER_PAGE = 20
# Longer searches are cut: nobody's name is longer, and a LIKE pattern stays small.
MAX_QUERY = 100
MAX_COHORT = 999

# The open data's fields, in order (CONTRACT.md "Public HTTP").
FIELDS = ("registration_number", "name", "name_kana", "municipality_code", "municipality", "in_city",
          "industry", "goals", "cohort", "registered_on", "valid_until")

FILTER_TITLES = {
    "q": _l("Search"),
    "goal": _l("SDG goal"),
    "municipality": _l("Municipality"),
    "industry": _l("Industry"),
    "cohort": _l("Cohort"),
}


# --- the filters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The directory's query arguments, parsed. A value that cannot be one (goal=99,
    municipality=xyz) is dropped and its name kept in `ignored`, so the page can say so."""

    q: str = ""
    goal: int | None = None
    municipality: str | None = None
    industry: str | None = None
    cohort: int | None = None
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        raw = {name: (args.get(name) or "").strip() for name in FILTER_TITLES}
        ignored: list[str] = []

        def keep(name: str, value: Any) -> Any:
            if raw[name] and value is None:
                ignored.append(name)
            return value

        q = _printable(raw["q"])[:MAX_QUERY].strip()
        goal = _number(raw["goal"], 1, len(sdgs.GOALS))
        municipality = raw["municipality"] if _is_municipality(raw["municipality"]) else None
        industry = raw["industry"].upper() if _is_industry(raw["industry"].upper()) else None
        cohort = _number(raw["cohort"], 1, MAX_COHORT)
        return cls(q=q, goal=keep("goal", goal), municipality=keep("municipality", municipality),
                   industry=keep("industry", industry), cohort=keep("cohort", cohort), ignored=tuple(ignored))

    @property
    def chosen(self) -> bool:
        return bool(self.q or self.goal or self.municipality or self.industry or self.cohort)

    def args(self) -> dict[str, str]:
        """The filters as query arguments (for the form and for links)."""
        values = {"q": self.q, "goal": self.goal, "municipality": self.municipality, "industry": self.industry,
                  "cohort": self.cohort}
        return {name: str(value) for name, value in values.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.q:
            search = _search(self.q)
            if search is not None:
                found.append(search)
        if self.goal:
            found.append(select(RegistrationGoal.goal)
                         .where(RegistrationGoal.registration_id == Registration.id, RegistrationGoal.goal == self.goal)
                         .correlate(Registration).exists())
        if self.municipality:
            found.append(Organisation.municipality_code.in_(municipality_codes(self.municipality)))
        if self.industry:
            found.append(Organisation.industry == self.industry)
        if self.cohort:
            # Cohort N's registrations are those numbered KSnn-0001 … KSnn-9999: a range of
            # the number index the page walks in order (see `listed_registrants`).
            found.append(Registration.number.between(Registration.format_number(self.cohort, 0),
                                                     Registration.format_number(self.cohort, 9999)))
        return found

    @property
    def reads_organisation(self) -> bool:
        """Whether a condition reads the organisation (the count joins it only then)."""
        return bool(self.q or self.municipality or self.industry)


def _printable(text: str) -> str:
    """Without control and format characters: PostgreSQL refuses NUL in a string, and nobody
    searches for an invisible character."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def _number(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and low <= int(text) <= high else None


def _is_municipality(code: str) -> bool:
    try:
        municipalities.municipality(code)
    except KeyError:
        return False
    return True


def _is_industry(code: str) -> bool:
    try:
        industries.industry(code)
    except KeyError:
        return False
    return True


def municipality_codes(code: str) -> list[str]:
    """The codes a municipality filter matches: Kumamoto City means the city and its five wards
    (organisations are located in a ward; 43100 alone is what an unresolved address gets)."""
    if code == municipalities.KUMAMOTO_CITY:
        return sorted(municipalities.KUMAMOTO_CITY_CODES)
    return [code]


def _search(q: str) -> ColumnElement[bool] | None:
    """Name or フリガナ, whatever the kana and the width (both sides folded by `search_key`), or a
    registration number typed in any width ("ｋｓ０２－０１３７")."""
    conditions: list[ColumnElement[bool]] = []
    key = japanese.search_key(q)
    if key:
        conditions.append(Organisation.search_key.like(contains(key), escape="\\"))
    number = documents.normalise_number(q)
    if number:
        conditions.append(Registration.number == number)
    return or_(*conditions) if conditions else None


# --- the rows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registrant:
    """What anyone may know about a listed registrant (the declaration covers exactly this)."""

    id: int
    number: str
    name: str
    name_kana: str
    municipality_code: str | None
    in_city: bool
    industry: str
    goals: tuple[int, ...]
    cohort: int
    registered_on: date
    valid_until: date
    cohort_name: str | None = None  # its display name (「令和4年度第2期」); None: 第N期

    @classmethod
    def from_row(cls, row: Any) -> Registrant:
        return cls(id=row.id, number=row.number, name=row.name, name_kana=row.name_kana,
                   municipality_code=row.municipality_code, in_city=bool(row.in_city), industry=row.industry,
                   goals=parse_goals(row.goals), cohort=row.cohort, registered_on=row.registered_on,
                   valid_until=row.valid_until, cohort_name=getattr(row, "cohort_name", None))

    @property
    def municipality_ja(self) -> str:
        """The municipality's Japanese name as an address writes it ("熊本市中央区"), or ""."""
        try:
            return municipalities.municipality(self.municipality_code or "").full_name_ja
        except KeyError:
            return ""

    def open_data(self) -> dict[str, Any]:
        """The open data record (FIELDS); the CSV writes `goals` as "7;11;13"."""
        return {
            "registration_number": self.number, "name": self.name, "name_kana": self.name_kana,
            "municipality_code": self.municipality_code, "municipality": self.municipality_ja,
            "in_city": self.in_city, "industry": self.industry, "goals": list(self.goals), "cohort": self.cohort,
            "registered_on": self.registered_on.isoformat(), "valid_until": self.valid_until.isoformat(),
        }


def parse_goals(text: str | None) -> tuple[int, ...]:
    """"13;7;11" (in whatever order the database aggregated them) → (7, 11, 13)."""
    return tuple(sorted({int(part) for part in (text or "").split(";") if part.strip().isdigit()}))


def listed(day: date, *, by_term_index: bool = True) -> ColumnElement[bool]:
    """The registrants the public sees on `day`: those active on it (`by_term_index`:
    `active_on`'s)."""
    return active_on(day, by_term_index=by_term_index)


def _goals_column():
    # One string per registration, aggregated where it is read: group_concat on SQLite,
    # string_agg on PostgreSQL; the order is fixed in Python (parse_goals).
    return (select(func.aggregate_strings(cast(RegistrationGoal.goal, String), ";"))
            .where(RegistrationGoal.registration_id == Registration.id)
            .correlate(Registration)
            .scalar_subquery()
            .label("goals"))


def _registrants() -> Select:
    """What a row of the directory shows, from a registration and what it joins."""
    return (select(Registration.id, Registration.number, Organisation.name, Organisation.name_kana,
                   Organisation.municipality_code, Organisation.in_city, Organisation.industry,
                   _goals_column(), Cohort.number.label("cohort"), Registration.registered_on,
                   Registration.valid_until, Cohort.display_name.label("cohort_name"))
            .select_from(Registration)
            .join(Organisation, Registration.organisation_id == Organisation.id)
            .join(Cohort, Registration.cohort_id == Cohort.id))


def listed_registrants(day: date, filters: Filters | None = None) -> Select:
    """The listed registrants on `day` narrowed by `filters`, in registration-number order
    (cohort, then sequence). Rows read with `Registrant.from_row`; callers may add columns.

    The order is the number's own: KSnn-nnnn has the cohort in two digits and the sequence in
    four (`Registration.format_number`; a cohort is 1–99 and has at most 9,999 registrations),
    so sorting the numbers sorts by (cohort, sequence) in any collation, and the rows are read
    off the number's unique index in order, without sorting them."""
    query = _registrants().where(listed(day, by_term_index=False))
    if filters is not None:
        query = query.where(*filters.conditions())
    return query.order_by(Registration.number)


def _matching(query: Select, day: date, filters: Filters | None, *, by_term_index: bool = True) -> Select:
    """`query` (from Registration alone) narrowed to the listed registrants `filters` match,
    joining the organisations only when a filter reads them."""
    if filters is not None and filters.reads_organisation:
        query = query.join(Organisation, Registration.organisation_id == Organisation.id)
    query = query.where(listed(day, by_term_index=by_term_index))
    return query.where(*filters.conditions()) if filters is not None else query


def listed_page(day: date, filters: Filters | None, number: int) -> list[Registrant]:
    """Page `number` (from 1) of `listed_registrants`, PER_PAGE rows. The page's registrations
    are picked first, from the registrations alone (and their organisations when a filter reads
    them), walking the number index in order and stopping after the page; only then are the
    page's rows joined to what they show, goals included. So the rows skipped to reach a later
    page cost an index step each, not a row of the directory."""
    keys = (_matching(select(Registration.id).select_from(Registration), day, filters, by_term_index=False)
            .order_by(Registration.number).limit(PER_PAGE).offset((number - 1) * PER_PAGE))
    rows = db.session.execute(_registrants().where(Registration.id.in_(keys)).order_by(Registration.number))
    return [Registrant.from_row(row) for row in rows]


def count_matching(day: date, filters: Filters | None = None) -> int:
    """How many listed registrants on `day` `filters` match: the directory's total, counted
    apart from its page so that it can be kept while the register does not change."""
    return db.session.scalar(_matching(select(func.count()).select_from(Registration), day, filters)) or 0


def find_listed(number: str, day: date) -> Registrant | None:
    """The listed registrant with this (canonical) registration number on `day`, or None:
    unknown, ended, not yet begun and unlisted registrants all look the same from outside."""
    row = db.session.execute(listed_registrants(day).where(Registration.number == number)).first()
    return Registrant.from_row(row) if row else None


def count_listed(day: date) -> int:
    return count_matching(day)


def decided_cohorts() -> list[tuple[int, str, bool]]:
    """The filter's cohorts: the decided ones (only they have registrants), as (number, title,
    whether the title is a display name — Japanese text on any page)."""
    return [(cohort.number, cohort.title, bool(cohort.display_name)) for cohort in db.session.scalars(
        select(Cohort).where(Cohort.state == CohortState.DECIDED).order_by(Cohort.number))]


# --- key actions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyAction:
    """重点的な取組 — one key action as published (what the publication declaration names)."""

    area: str
    description: str
    goals: tuple[int, ...]
    targets: tuple[str, ...]
    indicator: str
    unit: str
    current_value: str
    target_value: str

    @property
    def area_title(self) -> str:
        return str(AREAS.get(self.area, self.area))


@dataclass(frozen=True)
class Plan:
    """What a registrant declared and the public reads: its 2030年のあるべき姿 and its key actions
    (by area: economy, society, environment). Imported registrants have neither."""

    vision: str
    actions: list[KeyAction]


def published_plan(registration_id: int) -> Plan:
    """The plan of the registration's latest approved application (a renewal's, after one)."""
    content = db.session.scalar(
        select(Application.content)
        .where(Application.registration_id == registration_id, Application.state == ApplicationState.APPROVED)
        .order_by(Application.id.desc()).limit(1)) or {}
    actions = [_action(a) for a in content.get("actions") or [] if isinstance(a, dict)]
    order = list(AREAS)
    vision = content.get("vision")
    return Plan(vision=vision.strip() if isinstance(vision, str) else "",
                actions=sorted((a for a in actions if a.description),
                               key=lambda a: order.index(a.area) if a.area in order else len(order)))


def key_actions(registration_id: int) -> list[KeyAction]:
    """The published key actions alone (`published_plan`)."""
    return published_plan(registration_id).actions


def _action(data: dict) -> KeyAction:
    def text(key: str) -> str:
        value = data.get(key)
        return str(value).strip() if value is not None else ""

    goals = sorted({int(g) for g in data.get("goals") or [] if str(g).isdigit() and 1 <= int(g) <= 17})
    targets = [str(t) for t in data.get("targets") or [] if sdgs.is_target(str(t))]
    return KeyAction(area=text("area"), description=text("description"), goals=tuple(goals), targets=tuple(targets),
                     indicator=text("indicator"), unit=text("unit"), current_value=text("current_value"),
                     target_value=text("target_value"))
