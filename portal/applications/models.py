from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.workflow import ApplicationState
from portal.cohorts.models import Cohort
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.organisations.models import Organisation


class ApplicationKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"

    @property
    def title(self) -> str:
        return str(_l("New registration") if self is ApplicationKind.NEW else _l("Renewal"))


class Application(db.Model):
    """登録申請 — one organisation's application in one cohort, new or renewal.

    `content` is the working draft; each submission freezes it into an ApplicationRevision.
    """

    __tablename__ = "applications"
    __table_args__ = (
        # One live application per organisation per cohort (a withdrawn one may be followed).
        Index("uq_applications_live_per_cohort", "organisation_id", "cohort_id", unique=True,
              sqlite_where=text("state <> 'withdrawn'"), postgresql_where=text("state <> 'withdrawn'")),
        Index("ix_applications_cohort_state", "cohort_id", "state"),
        # The review queue: a page in submission order, and its count, without reading every
        # application's row (and content).
        Index("ix_applications_submitted_state", "submitted_at", "state"),
        # A cohort's queue (the default one) in submission order, its state read off the index:
        # a page is the first matching entries, whatever the cohort's size. (On PostgreSQL,
        # migration 0024 also adds statistics of (cohort_id, state) together, for its planner.)
        Index("ix_applications_cohort_submitted", "cohort_id", "submitted_at", "id", "state"),
        Index("ix_applications_organisation_state", "organisation_id", "state"),
        # The queue's counts per state and the staff to-do panel count by state alone.
        Index("ix_applications_state", "state"),
        # A reviewer's applications ("Mine": within a cohort, in some states), counted off the
        # index alone; it serves the reviewer's foreign key too.
        Index("ix_applications_reviewer_cohort_state", "reviewer_id", "cohort_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    kind: Mapped[ApplicationKind] = mapped_column(str_enum(ApplicationKind, 16), default=ApplicationKind.NEW)
    state: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, 32), default=ApplicationState.DRAFT)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    return_message: Mapped[str | None] = mapped_column(Text)
    return_notes: Mapped[dict[str, str] | None] = mapped_column(JSON)
    correction_deadline: Mapped[date | None]
    # The registration this application is about: the one a new application created when it
    # was approved, or the one a renewal renews.
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Review: who reviews it, and why a rejection is recommended (internal to staff).
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recommendation_reason: Mapped[str | None] = mapped_column(Text)
    # What a rejection tells the applicant, set by the secretariat before the decision: a
    # standard reason (a key of rejection.REASONS) and optional words of its own.
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    rejection_message: Mapped[str | None] = mapped_column(Text)
    # The reviewer's check of each checklist item: {item id: {"ok": bool, "note": str}}.
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic locking: two people saving the same draft cannot overwrite each other silently.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    cohort: Mapped[Cohort] = relationship(lazy="joined", innerjoin=True)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", lazy="selectin", order_by="Attachment.id",
        primaryjoin="and_(Attachment.application_id == Application.id, Attachment.removed_at.is_(None))",
        viewonly=True,
    )
    revisions: Mapped[list[ApplicationRevision]] = relationship(
        back_populates="application", order_by="ApplicationRevision.number", lazy="select"
    )

    @property
    def rejection_reason_text(self) -> str:
        """The standard reason given to the applicant, in the current language."""
        from portal.applications.rejection import reason_text

        return reason_text(self.rejection_reason)

    def section(self, name: str) -> Any:
        return (self.content or {}).get(name)


class ApplicationRevision(db.Model):
    """A submitted application, frozen: revision N is never overwritten."""

    __tablename__ = "application_revisions"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="revisions")


class Attachment(db.Model):
    """添付書類 — a PDF or image uploaded with an application, stored under a random name.

    Removing one from a draft only marks it, so earlier revisions keep what they listed.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="attachments", viewonly=True)


class ReviewComment(db.Model):
    """A comment on an application during review: internal to staff, or a message the
    applicant sees."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    to_applicant: Mapped[bool] = mapped_column(default=False)
