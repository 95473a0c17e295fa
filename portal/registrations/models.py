from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cohorts.models import Cohort
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.organisations.models import Organisation


class RegistrationState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"

    @property
    def title(self) -> str:
        return str(_STATE_TITLES[self])


_STATE_TITLES = {
    RegistrationState.ACTIVE: _l("Active"),
    RegistrationState.WITHDRAWN: _l("Withdrawn by the registrant"),
    RegistrationState.REVOKED: _l("Revoked"),
}


class Registration(db.Model):
    """登録 — a registered organisation, numbered within the cohort that decided it
    (KS02-0137). Active from `registered_on` through `valid_until`; expiry follows from the
    dates, withdrawal (辞退) and revocation (取消) are states."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("cohort_id", "sequence"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
        CheckConstraint("valid_until > registered_on", name="term_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    sequence: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[RegistrationState] = mapped_column(str_enum(RegistrationState, 16), default=RegistrationState.ACTIVE)
    registered_on: Mapped[date]
    valid_until: Mapped[date] = mapped_column(index=True)  # "active on a day" filters on it
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    # Reminders before the term ends are sent once each (`flask registrations remind`).
    reminded_6m_at: Mapped[datetime | None]
    reminded_1m_at: Mapped[datetime | None]
    # Where the entity was when this registration was decided: the per-cohort figures of the
    # city's KPI count these, so neither a later move nor a renewal rewrites a past cohort's
    # figures (where it is on a given day: `RegistrationDetails`).
    municipality_code: Mapped[str | None] = mapped_column(String(5))
    in_city: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    cohort: Mapped[Cohort] = relationship(lazy="joined", innerjoin=True)
    goal_rows: Mapped[list[RegistrationGoal]] = relationship(
        cascade="all, delete-orphan", order_by="RegistrationGoal.goal", lazy="select")

    @property
    def goals(self) -> list[int]:
        """The SDG goals of the registrant's key actions, ascending."""
        return [row.goal for row in self.goal_rows]

    def is_active_on(self, day: date) -> bool:
        if self.ended_on is not None and day >= self.ended_on:
            return False
        return self.registered_on <= day <= self.valid_until

    @staticmethod
    def format_number(cohort_number: int, sequence: int) -> str:
        return f"KS{cohort_number:02d}-{sequence:04d}"


class RegistrationGoal(db.Model):
    """A goal (1–17) of a registration's key actions: one row per goal, so the directory, the
    open data and the KPI filter and count by goal in SQL."""

    __tablename__ = "registration_goals"
    __table_args__ = (CheckConstraint("goal BETWEEN 1 AND 17", name="goal_range"),)

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    goal: Mapped[int] = mapped_column(primary_key=True, index=True)


class RegistrationDetails(db.Model):
    """記載事項 — one dated version of what a registration certifies about the registrant: its
    name, フリガナ, representative, address (and so where it is: municipality, in the city or
    not) and industry. The first version is the one decided (or imported); each 変更届 the
    secretariat accepts closes the version in force and opens the next, from the day it was
    accepted. "Active on a day" figures read the version in force that day, so a year-end figure
    once published never moves. 法人番号 and kind never change: a different entity applies anew."""

    __tablename__ = "registration_details"
    __table_args__ = (
        Index("ix_registration_details_in_force", "registration_id", "valid_from"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    # In force from this day (JST) until the day before `valid_until`; None: in force now.
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200))
    representative_title: Mapped[str] = mapped_column(String(100))
    representative_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str] = mapped_column(String(1))
    municipality_code: Mapped[str | None] = mapped_column(String(5))
    in_city: Mapped[bool] = mapped_column(default=False)
    # The accepted 変更届 that opened this version (None for the version decided or imported),
    # and the day the change took effect as the registrant reported it (for the record).
    change_notice_id: Mapped[int | None] = mapped_column(ForeignKey("change_notices.id", ondelete="SET NULL"))
    changed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeNoticeState(StrEnum):
    FILED = "filed"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def title(self) -> str:
        return str(_NOTICE_TITLES[self])


_NOTICE_TITLES = {
    ChangeNoticeState.FILED: _l("Filed"),
    ChangeNoticeState.ACCEPTED: _l("Accepted"),
    ChangeNoticeState.RETURNED: _l("Returned"),
}


class ChangeNotice(db.Model):
    """変更届 — a registrant's notice of new certified details (name, フリガナ, representative,
    address, industry). Nothing changes until the secretariat accepts it: then the organisation
    changes, the registration gets a new version of its details and its certificate is
    reissued. The secretariat may return it instead, saying why."""

    __tablename__ = "change_notices"
    # One notice waiting per registration, whatever the concurrency (a double-click files once).
    __table_args__ = (
        Index("uq_change_notices_waiting", "registration_id", unique=True,
              sqlite_where=text("state = 'filed'"), postgresql_where=text("state = 'filed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ChangeNoticeState] = mapped_column(str_enum(ChangeNoticeState, 20), default=ChangeNoticeState.FILED)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(Text)
    # The day the change took effect (the registrant's word, for the record), and an optional
    # supporting document (a certified copy of the register, …), stored like attachments.
    effective_on: Mapped[date | None]
    document_stored_name: Mapped[str | None] = mapped_column(String(100))
    document_filename: Mapped[str | None] = mapped_column(String(200))
    document_content_type: Mapped[str | None] = mapped_column(String(100))

    registration: Mapped[Registration] = relationship()
