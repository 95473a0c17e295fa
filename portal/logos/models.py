from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.logos.rules import HolderKind
from portal.logos.workflow import PermitState
from portal.organisations.models import Organisation


class PermitKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"

    @property
    def title(self) -> str:
        return str(_l("New permit") if self is PermitKind.NEW else _l("Renewal"))


class LogoPermit(db.Model):
    """ロゴマーク使用許可 — a request to use the 「Kumamoto for SDGs」 logo and, once approved,
    the permit itself (KFS-2026-0001): what it is used for, on which media, which variants,
    and for which period (at most three years).

    A request belongs to the account that made it and, when that person is a member of an
    organisation, to the organisation (every member may see it and is mailed). `version` moves
    on with every change, so a decision taken on a page loaded earlier is refused.
    """

    __tablename__ = "logo_permits"
    __table_args__ = (
        UniqueConstraint("permit_year", "permit_sequence"),
        CheckConstraint("permit_sequence IS NULL OR permit_sequence > 0", name="sequence_positive"),
        CheckConstraint("starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="request_order"),
        CheckConstraint("valid_from IS NULL OR valid_until >= valid_from", name="period_order"),
        CheckConstraint("(number IS NULL) = (state NOT IN ('approved', 'expired', 'revoked'))",
                        name="issued_has_number"),
        Index("ix_logo_permits_state_until", "state", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PermitKind] = mapped_column(str_enum(PermitKind, 16), default=PermitKind.NEW)
    state: Mapped[PermitState] = mapped_column(str_enum(PermitState, 16), default=PermitState.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("logo_permits.id"), index=True)

    # Who will use the logo (prefilled from the organisation; an individual types their own).
    holder_kind: Mapped[HolderKind | None] = mapped_column(str_enum(HolderKind, 20))
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    representative: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(7))
    address: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    # The organisation's registration number (KS03-0001) when it was a registrant at submission.
    registration_number: Mapped[str | None] = mapped_column(String(16))

    # How it will be used.
    activity: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[list[int]] = mapped_column(JSON, default=list)
    media: Mapped[list[str]] = mapped_column(JSON, default=list)
    media_detail: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str | None] = mapped_column(String(300))
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    agreed_at: Mapped[datetime | None]
    rules_version: Mapped[str | None] = mapped_column(String(8))

    # An optional mock-up (PDF, PNG or JPEG), stored like application attachments.
    mockup_name: Mapped[str | None] = mapped_column(String(255))
    mockup_stored: Mapped[str | None] = mapped_column(String(64), unique=True)
    mockup_type: Mapped[str | None] = mapped_column(String(64))
    mockup_size: Mapped[int | None]

    submitted_at: Mapped[datetime | None]
    return_message: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    # The permit, once approved: its number (gapless within the year of approval), what it allows.
    number: Mapped[str | None] = mapped_column(String(16), unique=True)
    permit_year: Mapped[int | None]
    permit_sequence: Mapped[int | None]
    permitted_variants: Mapped[list[str] | None] = mapped_column(JSON)
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    conditions: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # The reminder before the end is sent once (`flask logos remind`).
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    renews: Mapped[LogoPermit | None] = relationship(remote_side="LogoPermit.id")
    uses: Mapped[list[LogoUse]] = relationship(back_populates="permit", order_by="LogoUse.id",
                                               cascade="all, delete-orphan")

    @staticmethod
    def format_number(year: int, sequence: int) -> str:
        return f"KFS-{year}-{sequence:04d}"

    @property
    def reference(self) -> str:
        """The permit number, or the request's own number before approval."""
        return self.number or f"#{self.id}"


class LogoPermitCounter(db.Model):
    """The last permit number given in a year: approving takes the next one under the row's lock,
    so numbers are gapless and unique however many people approve at once."""

    __tablename__ = "logo_permit_counters"
    __table_args__ = (CheckConstraint("last_sequence >= 0", name="sequence_not_negative"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(default=0)


class LogoUse(db.Model):
    """使用報告 — the holder shows how the logo is used: a photo or a link, with a word."""

    __tablename__ = "logo_uses"
    __table_args__ = (CheckConstraint("link IS NOT NULL OR photo_stored IS NOT NULL", name="link_or_photo"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("logo_permits.id", ondelete="CASCADE"), index=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    medium: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    photo_name: Mapped[str | None] = mapped_column(String(255))
    photo_stored: Mapped[str | None] = mapped_column(String(64), unique=True)
    photo_type: Mapped[str | None] = mapped_column(String(64))
    photo_size: Mapped[int | None]

    permit: Mapped[LogoPermit] = relationship(back_populates="uses")
