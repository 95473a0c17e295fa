from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import utcnow
from portal.core.extensions import db


class KpiTarget(db.Model):
    """A target for the number of registered entities in the city by the end of a fiscal year
    (April–March). The city's plan gives 850 for fiscal 2023 (built in, `portal.kpi.report`);
    the city's staff add later targets here."""

    __tablename__ = "kpi_targets"
    __table_args__ = (
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="fiscal_year_range"),
    )

    fiscal_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
