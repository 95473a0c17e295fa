"""The city's KPI report — 「熊本県SDGs登録制度」登録団体数(市内) — computed in SQL.

Read-only, and a constant number of queries whatever the number of registrations: every
figure is a GROUP BY (targets 1, cohorts 1, places 1 — the wards and the totals on `as_of` and
on each fiscal year's end, in one pass over the registrations —, industries 1, goals 1). The
result is plain JSON-ready data in no particular language (codes, not names): the page, the
PDF, the CSV/XLSX and the command line all start from it (`portal.kpi.presentation` adds the
names).

Definitions (CONTRACT.md, "KPI JSON"):
- a cohort's `registered` / `in_city` are the registrations its decision created, by
  `Registration.cohort_id`, and where each entity was at that decision (`Registration.in_city`,
  a snapshot: neither a move nor a renewal rewrites a past cohort's figures);
- `active_*` are the registrations active on a day (`portal.registrations.queries.active_on`:
  the same rule as every status in the portal), counted where the version of their certified
  details in force that day puts them (`portal.registrations.details.in_force_on`: a move
  counts from the day its 変更届 was accepted, so a published year-end figure never moves);
  a registration without any version counts by its snapshot;
- `progress = round(active_in_city / target, 4)`;
- `fiscal_years`: one entry per fiscal year (April–March, named by the year it starts) from the
  first decision's to `as_of`'s, with the registrations its decisions created and those active
  on its last day (the current year: on `as_of`).

Beyond the contract, `headline` is the figure the city reports (`_headline`): the year-end
figure of the latest fiscal year with a target that has ended, against that target — not
today's count against a year that is over.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, and_, bindparam, case, func, literal_column, or_, select, true, union_all
from sqlalchemy.orm import aliased

from portal.cohorts.models import Cohort, CohortState
from portal.core.db import unindexed
from portal.core.extensions import db
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import KUMAMOTO_CITY, MUNICIPALITIES
from portal.core.reference.sdgs import GOALS
from portal.kpi.targets import Target, fiscal_year, fiscal_year_bounds, load_targets, target_for
from portal.organisations.models import Organisation
from portal.registrations.details import in_force_on, version_in_force
from portal.registrations.models import Registration, RegistrationDetails, RegistrationGoal
from portal.registrations.queries import active_on, active_period

# The keys of CONTRACT.md's KPI JSON, in its order (the command line prints exactly these).
CONTRACT_KEYS = ("as_of", "target", "target_fiscal_year", "cohorts", "active_total", "active_in_city", "progress",
                 "fiscal_years")
COHORT_KEYS = ("number", "decided_on", "registered", "in_city", "cumulative_registered", "cumulative_in_city")
FISCAL_YEAR_KEYS = ("fiscal_year", "year_end", "decided", "cumulative_registered", "active_total", "active_in_city",
                    "target", "progress")

WARD_CODES = tuple(m.code for m in MUNICIPALITIES if m.parent_code == KUMAMOTO_CITY)  # 43101 … 43105
# In the city, but the address did not name a ward (the city's own code).
WARD_UNKNOWN = KUMAMOTO_CITY


def kpi_report(as_of: date, target_year: int | None = None, *,
               targets: Mapping[int, Target] | None = None) -> dict[str, Any]:
    """The KPI on `as_of`: CONTRACT.md's keys, then what the page adds (`breakdowns`,
    `targets`, each cohort's `in_city_share`). `targets` may be passed when the caller has
    already loaded them (`load_targets()`), saving a query. Raises KpiError
    ("unknown_target_year") when `target_year` has no target."""
    targets = load_targets() if targets is None else targets
    target = target_for(as_of, targets, target_year)
    cohorts = _cohorts(as_of)
    years = _fiscal_year_days(cohorts, as_of)
    places = _active_places([day for _, _, day in years] + [as_of])
    wards, active_total, active_in_city = _wards(places[as_of])
    fiscal_years = _fiscal_years(cohorts, years, places, targets)
    return {
        "as_of": as_of.isoformat(),
        "target": target.value,
        "target_fiscal_year": target.fiscal_year,
        "cohorts": cohorts,
        "active_total": active_total,
        "active_in_city": active_in_city,
        "progress": round(active_in_city / target.value, 4),
        "fiscal_years": fiscal_years,
        # --- beyond the contract -------------------------------------------------------------
        "headline": _headline(as_of, fiscal_years, active_in_city, targets, target_year),
        "active_outside_city": active_total - active_in_city,
        "active_in_city_share": _share(active_in_city, active_total),
        "target_builtin": target.builtin,
        "targets": [{"fiscal_year": t.fiscal_year, "value": t.value, "builtin": t.builtin}
                    for t in targets.values()],
        "breakdowns": {"wards": wards, "industries": _industries(as_of), "goals": _goals(as_of)},
    }


def contract_json(report: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly CONTRACT.md's KPI JSON, in its key order, from a full report."""
    data = {key: report[key] for key in CONTRACT_KEYS}
    data["cohorts"] = [{key: cohort[key] for key in COHORT_KEYS} for cohort in report["cohorts"]]
    data["fiscal_years"] = [{key: year[key] for key in FISCAL_YEAR_KEYS} for year in report["fiscal_years"]]
    return data


def _share(part: int, whole: int) -> float | None:
    """part / whole to 4 decimals; None when there is nothing to divide (no 0 % that means "no data")."""
    return round(part / whole, 4) if whole else None


def _in_city_count(in_city=Registration.in_city):
    return func.coalesce(func.sum(case((in_city.is_(True), 1), else_=0)), 0)


def _in_force(column: str):
    """A registration's `column` as the version of its details joined (`in_force_on`) has it,
    else as the registration's own snapshot has it (a registration without versions)."""
    return func.coalesce(getattr(RegistrationDetails, column), getattr(Registration, column))


def _cohorts(as_of: date) -> list[dict[str, Any]]:
    """Decided cohorts with `decided_on <= as_of`, by number, with what their decision created
    and the running totals (one grouped query; a cohort that registered nobody shows zeros)."""
    rows = db.session.execute(
        select(Cohort.number, Cohort.decided_on, func.count(Registration.id), _in_city_count())
        .outerjoin(Registration, Registration.cohort_id == Cohort.id)
        .where(Cohort.state == CohortState.DECIDED, Cohort.decided_on.is_not(None), Cohort.decided_on <= as_of)
        .group_by(Cohort.id, Cohort.number, Cohort.decided_on)
        .order_by(Cohort.number)
    ).all()
    cohorts, cumulative_registered, cumulative_in_city = [], 0, 0
    for number, decided_on, registered, in_city in rows:
        cumulative_registered += registered
        cumulative_in_city += in_city
        cohorts.append({
            "number": number, "decided_on": decided_on.isoformat(), "registered": registered, "in_city": in_city,
            "cumulative_registered": cumulative_registered, "cumulative_in_city": cumulative_in_city,
            "in_city_share": _share(in_city, registered),
        })
    return cohorts


def _fiscal_year_days(cohorts: list[dict[str, Any]], as_of: date) -> list[tuple[int, date, date]]:
    """(fiscal year, its last day, the day its registrations are counted on) for each fiscal
    year from the first decision's to `as_of`'s; the current year is counted on `as_of`."""
    if not cohorts:
        return []
    current = fiscal_year(as_of)
    years = []
    for year in range(fiscal_year(date.fromisoformat(cohorts[0]["decided_on"])), current + 1):
        year_end = fiscal_year_bounds(year)[1]
        years.append((year, year_end, as_of if year == current else year_end))
    return years


def _active_places(days: list[date]) -> dict[date, list[tuple[str | None, bool, int]]]:
    """For each day: how many registrations are active, by the municipality and in-city flag of
    the version of their details in force that day — (code, in the city, count) rows, the code
    only for the city's (all that `_wards` reads: outside the city, None). One grouped query
    (`_places_statement`) for all the days."""
    days = sorted(set(days))
    rows = db.session.execute(_places_statement(len(days)), {f"day_{k}": day for k, day in enumerate(days)})
    found: dict[date, dict[str | None, int]] = {day: {} for day in days}
    for place, day_from, day_to, count in rows:
        for day in days[day_from:day_to]:
            found[day][place] = found[day].get(place, 0) + count
    return {day: [(place if place != "" else None, place is not None, count) for place, count in counts.items()]
            for day, counts in found.items()}


@functools.cache
def _places_statement(number_of_days: int):
    """The statement of `_active_places` for that many days, bound as day_0 < day_1 < … (built
    once per number of days: it is long, and building it would cost more than running it).

    Its rows: (place, day_from, day_to, count) — that many registrations counted at that place
    on days[day_from:day_to], the place being the city's municipality code ('' for one without
    a code) or NULL outside the city. Two parts:

    - One pass over the registrations, each with every version of its details (outer join).
      A row counts on the days its registration is active (`active_period`, the bounds of
      `active_on`) and its version is in force (`version_in_force`: from valid_from until the
      day before valid_until), at that version's place — one per version in force, as the outer
      join `in_force_on` makes it —; a registration without any version, on the days it is
      active, at its own snapshot's. Both ranges of days are the days from the first that has
      begun (registered, and the version in force) to the last that is not over (within the
      term, not ended, the version not replaced): sorted days, so a slice of them, found once
      per row (CASE) instead of testing every day.
    - A registration that has versions but none in force on a day it is active also counts by
      its snapshot, as the outer join falls back on it: only one with a version that does not
      cover its whole term — replaced (a move) or beginning after it was registered — can, so
      those are tested day by day (NOT EXISTS), and only those."""
    days = [bindparam(f"day_{k}", type_=Date) for k in range(number_of_days)]
    first, last, ends = active_period()
    version = RegistrationDetails
    # Compared as stored (ISO text on SQLite): `unindexed` also drops the column's affinity there,
    # so that SQLite does not try each day as a number again for every row it compares it with.
    valid_from, valid_until = unindexed(version.valid_from), unindexed(version.valid_until)

    def begun(day):
        return and_(unindexed(first) <= day, or_(version.valid_from.is_(None), valid_from <= day))

    def not_over(day):
        return and_(unindexed(last) >= day, or_(ends.is_(None), ends > day),
                    or_(version.valid_until.is_(None), valid_until > day))

    day_from = case(*[(begun(day), _number(k)) for k, day in enumerate(days)], else_=_number(number_of_days))
    day_to = case(*[(not_over(day), _number(k + 1)) for k, day in reversed(list(enumerate(days)))], else_=_number(0))
    place = case((version.id.is_(None), _city_place(Registration)), else_=_city_place(version))
    by_version = (
        select(place.label("place"), day_from.label("day_from"), day_to.label("day_to"), func.count().label("n"))
        .select_from(Registration)
        .outerjoin(version, version.registration_id == Registration.id)
        .where(first <= days[-1], unindexed(last) >= days[0])  # active on none of the days: not joined
        .group_by(place, day_from, day_to))

    day_rows = [select(_number(k).label("k"), day.label("day")) for k, day in enumerate(days)]
    day_table = (union_all(*day_rows) if len(day_rows) > 1 else day_rows[0]).subquery("days")
    partial = (select(version.registration_id).distinct()
               .join(Registration, Registration.id == version.registration_id)
               .where(or_(version.valid_until.is_not(None), version.valid_from > first))).subquery("partial")
    other = aliased(RegistrationDetails, name="other_version")
    snapshot_place = _city_place(Registration)
    by_snapshot = (
        select(snapshot_place, day_table.c.k, day_table.c.k + _number(1), func.count())
        .select_from(partial).join(Registration, Registration.id == partial.c.registration_id)
        .join(day_table, true())
        .where(active_on(day_table.c.day, by_term_index=False),
               ~select(other.id).where(other.registration_id == Registration.id,
                                       version_in_force(day_table.c.day, other)).exists())
        .group_by(snapshot_place, day_table.c.k))
    return union_all(by_version, by_snapshot)


def _city_place(entity):
    """The place that counts of a registration or a version: its municipality code if in the
    city ('' for none), else NULL."""
    return case((entity.in_city.is_(True), func.coalesce(entity.municipality_code, literal_column("''"))), else_=None)


def _number(value: int):
    """An integer written in the statement (not a parameter: the same expression in its SELECT and
    its GROUP BY for PostgreSQL, and fewer parameters)."""
    return literal_column(str(int(value)), Integer)


def _fiscal_years(cohorts: list[dict[str, Any]], years: list[tuple[int, date, date]],
                  places: Mapping[date, list[tuple[str | None, bool, int]]],
                  targets: Mapping[int, Target]) -> list[dict[str, Any]]:
    """CONTRACT.md's `fiscal_years` from the cohorts (what each year's decisions created) and
    the places counted on each year's day; the target and progress where that year has one."""
    decided: dict[int, int] = {}
    for cohort in cohorts:
        year = fiscal_year(date.fromisoformat(cohort["decided_on"]))
        decided[year] = decided.get(year, 0) + cohort["registered"]
    entries, cumulative = [], 0
    for year, year_end, day in years:
        cumulative += decided.get(year, 0)
        total = sum(count for _, _, count in places[day])
        in_city = sum(count for _, inside, count in places[day] if inside)
        target = targets.get(year)
        entries.append({
            "fiscal_year": year, "year_end": year_end.isoformat(), "decided": decided.get(year, 0),
            "cumulative_registered": cumulative, "active_total": total, "active_in_city": in_city,
            "target": target.value if target else None,
            "progress": round(in_city / target.value, 4) if target else None,
            "active_in_city_share": _share(in_city, total),  # beyond the contract, as for cohorts
        })
    return entries


def _headline(as_of: date, fiscal_years: list[dict[str, Any]], active_in_city: int,
              targets: Mapping[int, Target], target_year: int | None) -> dict[str, Any]:
    """The figure the report leads with. The year: the one asked for, else the latest fiscal year
    with a target that has ended by `as_of` (its year-end figure, as published: 「令和5年度末:
    593 / 850」), else — no target year over yet — the target being worked towards, with the
    figure on `as_of` ("to date")."""
    if target_year is None:
        ended = [year for year in targets if fiscal_year_bounds(year)[1] <= as_of]
        target_year = max(ended) if ended else target_for(as_of, targets).fiscal_year
    target = targets[target_year]
    year_end = fiscal_year_bounds(target_year)[1]
    over = year_end <= as_of
    if not over:
        in_city = active_in_city  # a year still running (or to come) is measured on `as_of`
    else:
        entry = next((y for y in fiscal_years if y["fiscal_year"] == target_year), None)
        in_city = entry["active_in_city"] if entry else 0  # over before the first decision
    return {
        "fiscal_year": target_year, "year_end": year_end.isoformat(), "ended": over,
        "counted_on": (year_end if over else as_of).isoformat(), "active_in_city": in_city,
        "target": target.value, "progress": round(in_city / target.value, 4), "builtin": target.builtin,
    }


def _wards(rows: list[tuple[str | None, bool, int]]) -> tuple[list[dict[str, Any]], int, int]:
    """Active registrations in the city by ward, and the active totals, from `_active_places`'s
    rows for one day.

    Every ward is listed, with 0 if need be; "ward unknown" (the city's own code, or a code
    that names no ward) only when some registration is there."""
    counts: dict[str, int] = dict.fromkeys(WARD_CODES, 0)
    total = in_city = 0
    for code, inside, count in rows:
        total += count
        if inside:
            in_city += count
            key = code if code in WARD_CODES else WARD_UNKNOWN
            counts[key] = counts.get(key, 0) + count
    wards = [{"code": code, "active": count} for code, count in counts.items()]
    return wards, total, in_city


def _industries(as_of: date) -> list[dict[str, Any]]:
    """Active registrations by the registrant's industry (日本標準産業分類 大分類 A–T) and place
    as certified on `as_of` (the organisation's industry for a registration without versions), in
    the city and in total; every letter listed, then any unexpected code as it is (one query)."""
    industry = func.coalesce(RegistrationDetails.industry, Organisation.industry)
    rows = db.session.execute(
        select(industry, func.count(), _in_city_count(_in_force("in_city")))
        .select_from(Registration).join(Registration.organisation)
        .outerjoin(RegistrationDetails, in_force_on(as_of))
        .where(active_on(as_of))
        .group_by(industry))
    found = {code: (active, in_city) for code, active, in_city in rows}
    codes = [industry.code for industry in INDUSTRIES]
    codes += sorted(code for code in found if code not in codes)
    return [{"code": code, "active": found.get(code, (0, 0))[0], "active_in_city": found.get(code, (0, 0))[1]}
            for code in codes]


def _goals(as_of: date) -> list[dict[str, Any]]:
    """Active registrations whose key actions serve each SDG (1–17), in the city and in total
    (one query). A registration counts once for each of its goals, so these add up to more
    than the number of registrations.

    Driven from the active registrations, each joined to the version of its details in force
    and then to its goals (the details looked up once per registration, not once per goal).
    The goal is grouped as `unindexed`, or SQLite would rather walk every goal row in goal order
    (ix_registration_goals_goal) and look its registration up, ended ones included."""
    goal = unindexed(RegistrationGoal.goal)
    rows = db.session.execute(
        select(goal, func.count(), _in_city_count(_in_force("in_city")))
        .select_from(Registration)
        .outerjoin(RegistrationDetails, in_force_on(as_of))
        .join(RegistrationGoal, RegistrationGoal.registration_id == Registration.id)
        .where(active_on(as_of))
        .group_by(goal))
    found = {goal: (active, in_city) for goal, active, in_city in rows}
    return [{"goal": goal.number, "active": found.get(goal.number, (0, 0))[0],
             "active_in_city": found.get(goal.number, (0, 0))[1]} for goal in GOALS]
