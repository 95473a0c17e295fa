"""KPI operations: the only place the KPI's targets change.

Each validates, changes the `kpi_targets` row and writes an audit entry (object type
"kpi_targets", object id the fiscal year: a target's key). Nobody is mailed: targets concern
the city's staff, who keep them on the targets page. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.core import audit
from portal.core.extensions import db
from portal.kpi.models import KpiTarget
from portal.kpi.targets import BUILTIN_TARGETS, FIRST_YEAR, LAST_YEAR, MAX_VALUE, KpiError, error_text

__all__ = ["KpiError", "error_text", "remove_target", "set_target"]


@dataclass(frozen=True)
class _AuditSubject:
    """What the audit log records a target as: its table, and its fiscal year as the id
    (KpiTarget's key is the fiscal year; it has no `id`)."""

    id: int
    __tablename__ = KpiTarget.__tablename__


def _check_year(fiscal_year) -> int:
    if not isinstance(fiscal_year, int) or isinstance(fiscal_year, bool) or not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        raise KpiError("year_range")
    return fiscal_year


def set_target(fiscal_year: int, value: int, note: str | None, actor) -> KpiTarget:
    """Add or change the target for `fiscal_year` (its value and note; who and when are kept).
    Raises KpiError "year_range" or "value_range". Changing nothing writes no audit entry."""
    _check_year(fiscal_year)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_VALUE:
        raise KpiError("value_range")
    note = (note or "").strip() or None
    target = db.session.get(KpiTarget, fiscal_year)
    if target is None:
        target = KpiTarget(fiscal_year=fiscal_year, value=value, note=note, updated_by_id=getattr(actor, "id", None))
        db.session.add(target)
        db.session.flush()
        audit.record("kpi_target.set", _AuditSubject(fiscal_year),
                     {"value": [BUILTIN_TARGETS.get(fiscal_year), value], "note": [None, note]}, actor=actor)
        return target
    changes = audit.diff(target, {"value": value, "note": note})
    if changes:
        target.updated_by_id = getattr(actor, "id", None)
        db.session.flush()
        audit.record("kpi_target.set", _AuditSubject(fiscal_year), changes, actor=actor)
    return target


def remove_target(fiscal_year: int, actor) -> None:
    """Remove the stored target for `fiscal_year`. For a year with a built-in target (2023)
    that restores the built-in value; the built-in target itself cannot be removed (KpiError
    "builtin"), nor a target that does not exist ("not_found")."""
    _check_year(fiscal_year)
    target = db.session.get(KpiTarget, fiscal_year)
    if target is None:
        raise KpiError("builtin" if fiscal_year in BUILTIN_TARGETS else "not_found")
    builtin = BUILTIN_TARGETS.get(fiscal_year)
    audit.record("kpi_target.removed", _AuditSubject(fiscal_year),
                 {"value": [target.value, builtin], "note": [target.note, None]}, actor=actor)
    db.session.delete(target)
    db.session.flush()
