"""Reporting periods, the reports filed in them, one line per key action, and reminders."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.registrations.models import Registration


class ActionStatus(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    ACHIEVED = "achieved"
    STOPPED = "stopped"

    @property
    def title(self) -> str:
        return str(_STATUS_TITLES[self])


_STATUS_TITLES = {
    ActionStatus.ON_TRACK: _l("On track"),
    ActionStatus.BEHIND: _l("Behind"),
    ActionStatus.ACHIEVED: _l("Achieved"),
    ActionStatus.STOPPED: _l("Stopped"),
}


class ReportPeriod(db.Model):
    """取組状況報告期間 — one fiscal year's reporting window, opened by the secretariat
    (`opens_on`–`closes_on`, both days included, JST)."""

    __tablename__ = "report_periods"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="window_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(unique=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_open(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    @property
    def title(self) -> str:
        from portal.core.i18n import fiscal_year_name

        # 令和8年度 取組状況報告 on a Japanese page, "Fiscal 2026 progress reports" on an English one.
        return str(_l("%(fiscal_year)s progress reports", fiscal_year=fiscal_year_name(self.fiscal_year)))


class ProgressReport(db.Model):
    """取組状況報告 — one registration's report in one period (a second filing edits it)."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("period_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_periods.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    period: Mapped[ReportPeriod] = relationship()
    registration: Mapped[Registration] = relationship()
    lines: Mapped[list[ReportLine]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                   order_by="ReportLine.position")


class ReportLine(db.Model):
    """One key action's progress: the indicator's value (a number where the indicator is
    numeric, else text), a status and a comment. `action_key` is the key action's stable
    identity (its `key` in the application's actions), so a renewal that reorders, edits, adds
    or retires actions leaves every earlier line on its own action. `goals_key` is the action's
    goals as ",3,7," so that shares per goal are computed in SQL without a JSON function."""

    __tablename__ = "report_lines"
    __table_args__ = (UniqueConstraint("report_id", "action_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    action_key: Mapped[str] = mapped_column(String(16))
    # Where the action stood in the list when the report was filed (the order lines are shown in).
    position: Mapped[int]
    area: Mapped[str] = mapped_column(String(16))
    goals_key: Mapped[str] = mapped_column(String(80), default=",")
    value_text: Mapped[str] = mapped_column(String(200))
    value_number: Mapped[float | None] = mapped_column(Float)
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, 16))
    comment: Mapped[str | None] = mapped_column(Text)

    report: Mapped[ProgressReport] = relationship(back_populates="lines")


class ReportReminder(db.Model):
    """A reminder sent to a registration that had not reported: at most one per period."""

    __tablename__ = "report_reminders"
    __table_args__ = (UniqueConstraint("period_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_periods.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
