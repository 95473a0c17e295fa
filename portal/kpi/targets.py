"""The KPI's targets and fiscal years: which target a report on a given day is measured against.

The city's plan (SDGs Future City Plan 2022–2024) sets 850 registered entities in the city by
the end of fiscal 2023; that target is built in, so a fresh installation reports correctly. The
city's staff add later targets (or corrects 2023) as `KpiTarget` rows, which win over the
built-in value of the same year.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.extensions import db
from portal.kpi.models import KpiTarget

# fiscal year → target value, from the city's plan.
BUILTIN_TARGETS: Mapping[int, int] = {2023: 850}
# The database's own check (kpi_targets.fiscal_year_range) and what a form accepts.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A ceiling against typing slips (8500 for 850 is still accepted; 8,500,000 is not): there are
# fewer than 100,000 businesses in the whole prefecture.
MAX_VALUE = 1_000_000


class KpiError(ValueError):
    """A KPI request or target change that cannot be done; `code` names why (see ERRORS)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


ERRORS = {
    "year_range": _l("The fiscal year must be between 2000 and 2100."),
    "value_range": _l("The target must be a whole number of at least 1 (and at most 1,000,000)."),
    "builtin": _l("The target for fiscal 2023 comes from the city's plan and cannot be removed; "
                  "you may change its value."),
    "not_found": _l("There is no target for this fiscal year."),
    "unknown_target_year": _l("There is no target for this fiscal year. Choose one of the targets listed."),
}


def error_text(error: KpiError) -> str:
    return str(ERRORS.get(error.code, _l("This cannot be done now.")))


def fiscal_year(day: date) -> int:
    """Japanese fiscal years run April–March: 2024-03-31 is in fiscal 2023, 2024-04-01 in 2024."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a fiscal year (2023 → 2023-04-01, 2024-03-31)."""
    return date(year, 4, 1), date(year + 1, 3, 31)


@dataclass(frozen=True)
class Target:
    fiscal_year: int
    value: int
    builtin: bool  # the plan's value, not (or no longer) overridden by a stored row


def load_targets() -> dict[int, Target]:
    """Every target by fiscal year: the built-in ones merged with the stored rows (one query)."""
    targets = {year: Target(year, value, True) for year, value in BUILTIN_TARGETS.items()}
    for year, value in db.session.execute(select(KpiTarget.fiscal_year, KpiTarget.value)):
        targets[year] = Target(year, value, False)
    return dict(sorted(targets.items()))


def target_listing() -> list[dict]:
    """Every target, built in or stored, by fiscal year, with who last set a stored one and
    the plan's value it replaces (one query): the city's targets page."""
    from portal.accounts.models import User

    stored = {target.fiscal_year: (target, name) for target, name in db.session.execute(
        select(KpiTarget, User.name).outerjoin(User, User.id == KpiTarget.updated_by_id))}
    rows = []
    for year in sorted(set(stored) | set(BUILTIN_TARGETS)):
        target, name = stored.get(year, (None, None))
        first, last = fiscal_year_bounds(year)
        rows.append({
            "fiscal_year": year, "first_day": first, "last_day": last,
            "value": target.value if target else BUILTIN_TARGETS[year],
            "builtin_value": BUILTIN_TARGETS.get(year), "stored": target is not None,
            "note": target.note if target else None, "updated_by": name,
            "updated_at": target.updated_at if target else None,
        })
    return rows


def target_for(as_of: date, targets: Mapping[int, Target], target_year: int | None = None) -> Target:
    """The target a report on `as_of` is measured against.

    `target_year` chooses one explicitly (KpiError "unknown_target_year" if there is none).
    Otherwise: the target of the earliest fiscal year not before `as_of`'s — the one the city is
    working towards — else, once every target year has passed, the latest one (so a report in
    fiscal 2024 without a newer target is still measured against fiscal 2023's 850).
    """
    if target_year is not None:
        if target_year not in targets:
            raise KpiError("unknown_target_year", fiscal_year=target_year)
        return targets[target_year]
    if not targets:  # only if BUILTIN_TARGETS were emptied
        raise KpiError("not_found")
    current = fiscal_year(as_of)
    upcoming = [year for year in targets if year >= current]
    return targets[min(upcoming) if upcoming else max(targets)]
