from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


# A display name fits a heading, a mail's subject and the certificate's line (「令和4年度第2期」).
DISPLAY_NAME_MAX = 40


class CohortState(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    DECIDED = "decided"

    @property
    def title(self) -> str:
        return str(_STATE_TITLES[self])


_STATE_TITLES = {
    CohortState.PLANNED: _l("Planned"),
    CohortState.OPEN: _l("Open for applications"),
    CohortState.CLOSED: _l("Closed"),
    CohortState.DECIDED: _l("Decided"),
}

# The one transition table: from each state, the states a cohort may move to.
TRANSITIONS: dict[CohortState, tuple[CohortState, ...]] = {
    CohortState.PLANNED: (CohortState.OPEN,),
    CohortState.OPEN: (CohortState.CLOSED,),
    CohortState.CLOSED: (CohortState.OPEN, CohortState.DECIDED),
    CohortState.DECIDED: (),
}


class Cohort(db.Model):
    """期 — one intake of applications, decided by the secretariat in one act."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("closes_at > opens_at", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    state: Mapped[CohortState] = mapped_column(str_enum(CohortState, 16), default=CohortState.PLANNED)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    checklist_version: Mapped[str] = mapped_column(String(20), default="1")
    # The name the secretariat gives it (「令和4年度第2期」); None: 「第N期」. Numbers keep KSnn-nnnn.
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))
    decision_planned_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    # Decided before the portal existed; its registrations came from `flask import-registrants`
    # and it has no applications (its window is notional).
    imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def accepts_applications(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.state == CohortState.OPEN and self.opens_at <= now < self.closes_at

    def window_over(self, now: datetime | None = None) -> bool:
        """The application window has passed, or the cohort no longer takes applications."""
        now = now or utcnow()
        return self.state in (CohortState.CLOSED, CohortState.DECIDED) or now >= self.closes_at

    @property
    def title(self) -> str:
        """How pages, mails and documents name the cohort: its display name as stored (Japanese
        on English pages too), else 「第N期」 / "Cohort N"."""
        return self.display_name or str(_l("Cohort %(number)s", number=self.number))
