"""Fiscal years (April–March), which target a report is measured against, and the operations
that change targets (validated, audited; the plan's 2023 target cannot be removed)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.kpi import operations
from portal.kpi.models import KpiTarget
from portal.kpi.report import kpi_report
from portal.kpi.targets import KpiError, Target, fiscal_year, fiscal_year_bounds, load_targets, target_for


@pytest.mark.parametrize(("day", "year"), [
    (date(2023, 4, 1), 2023), (date(2024, 3, 31), 2023), (date(2024, 4, 1), 2024), (date(2024, 1, 1), 2023),
    (date(2023, 12, 31), 2023), (date(2023, 3, 31), 2022),
])
def test_fiscal_years_run_from_april_to_march(day, year):
    assert fiscal_year(day) == year


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2023) == (date(2023, 4, 1), date(2024, 3, 31))


PLAN = {2023: Target(2023, 850, True)}
LATER = {**PLAN, 2025: Target(2025, 1000, False), 2027: Target(2027, 1200, False)}


@pytest.mark.parametrize(("targets", "day", "expected"), [
    (PLAN, date(2024, 3, 31), 2023),  # the last day of fiscal 2023
    (PLAN, date(2024, 9, 1), 2023),  # no later target: still the latest one
    (PLAN, date(2021, 8, 25), 2023),  # before it: the target being worked towards
    (LATER, date(2024, 3, 31), 2023),
    (LATER, date(2024, 4, 1), 2025),  # fiscal 2024 has none: the next one, 2025
    (LATER, date(2026, 3, 31), 2025),
    (LATER, date(2026, 4, 1), 2027),
    (LATER, date(2031, 1, 1), 2027),  # every target year passed: the latest
])
def test_the_target_of_the_earliest_fiscal_year_not_yet_ended_else_the_latest(targets, day, expected):
    assert target_for(day, targets).fiscal_year == expected


def test_an_explicit_target_year_wins_and_must_exist():
    assert target_for(date(2024, 3, 31), LATER, 2027).value == 1200
    with pytest.raises(KpiError) as error:
        target_for(date(2024, 3, 31), LATER, 2024)
    assert error.value.code == "unknown_target_year"


def test_stored_targets_merge_with_the_plan_and_the_report_uses_them(app, make_user):
    secretariat = make_user("secretariat")
    with app.test_request_context():
        from portal.accounts.models import User

        actor = db.session.get(User, secretariat)
        assert load_targets() == PLAN
        operations.set_target(2025, 1000, "第3期計画", actor)
        operations.set_target(2023, 900, "改定", actor)
        db.session.commit()
        assert load_targets() == {2023: Target(2023, 900, False), 2025: Target(2025, 1000, False)}
        report = kpi_report(date(2024, 3, 31))
        assert (report["target"], report["target_fiscal_year"], report["target_builtin"]) == (900, 2023, False)
        report = kpi_report(date(2024, 9, 1))
        assert (report["target"], report["target_fiscal_year"]) == (1000, 2025)
        report = kpi_report(date(2024, 9, 1), 2023)
        assert (report["target"], report["target_fiscal_year"]) == (900, 2023)
        with pytest.raises(KpiError):
            kpi_report(date(2024, 9, 1), 2030)


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_set_target_records_who_and_what_changed(app, make_user):
    secretariat = make_user("secretariat")
    with app.test_request_context():
        from portal.accounts.models import User

        actor = db.session.get(User, secretariat)
        operations.set_target(2026, 1100, "  計画  ", actor)
        operations.set_target(2026, 1100, "計画", actor)  # nothing changes: no entry
        operations.set_target(2026, 1150, "計画", actor)
        db.session.commit()
        target = db.session.get(KpiTarget, 2026)
        assert (target.value, target.note, target.updated_by_id) == (1150, "計画", secretariat)
        entries = _audit("kpi_target.set")
        assert [(e.object_type, e.object_id, e.actor_id) for e in entries] == [("kpi_targets", 2026, secretariat)] * 2
        assert entries[0].changes == {"value": [None, 1100], "note": [None, "計画"]}
        assert entries[1].changes == {"value": [1100, 1150]}


@pytest.mark.parametrize(("year", "value", "code"), [
    (2026, 0, "value_range"), (2026, -5, "value_range"), (2026, 1_000_001, "value_range"),
    (2026, "850", "value_range"), (2026, True, "value_range"),
    (1999, 850, "year_range"), (2101, 850, "year_range"), ("2026", 850, "year_range"),
])
def test_set_target_refuses_bad_values(app, year, value, code):
    with app.test_request_context():
        with pytest.raises(KpiError) as error:
            operations.set_target(year, value, None, None)
        assert error.value.code == code
        assert operations.error_text(error.value)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(KpiTarget)) == 0


def test_removing_targets(app):
    with app.test_request_context():
        with pytest.raises(KpiError) as error:
            operations.remove_target(2023, None)  # the plan's own: refused
        assert error.value.code == "builtin"
        with pytest.raises(KpiError) as error:
            operations.remove_target(2026, None)
        assert error.value.code == "not_found"

        operations.set_target(2023, 900, None, None)
        operations.set_target(2026, 1100, None, None)
        db.session.commit()
        operations.remove_target(2023, None)  # back to the plan's 850
        operations.remove_target(2026, None)
        db.session.commit()
        assert load_targets() == PLAN
        assert [e.changes["value"] for e in _audit("kpi_target.removed")] == [[900, 850], [1100, None]]
