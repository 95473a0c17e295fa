from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


class OrganisationKind(StrEnum):
    CORPORATION = "corporation"
    GROUP = "group"
    SOLE_PROPRIETOR = "sole_proprietor"

    @property
    def title(self) -> str:
        return str(_KIND_TITLES[self])


_KIND_TITLES = {
    OrganisationKind.CORPORATION: _l("Corporation"),
    OrganisationKind.GROUP: _l("Group or association"),
    OrganisationKind.SOLE_PROPRIETOR: _l("Sole proprietor"),
}


class Organisation(db.Model):
    """事業者 — a corporation, group or sole proprietor with an office in Kumamoto Prefecture."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "kind <> 'corporation' OR corporate_number IS NOT NULL",
            name="corporation_has_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, 20))
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200))
    representative_title: Mapped[str] = mapped_column(String(100))
    representative_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(300))
    # Derived from the address (or the postal code) by portal.core.location, never typed in.
    municipality_code: Mapped[str | None] = mapped_column(String(5), index=True)
    in_city: Mapped[bool] = mapped_column(default=False, index=True)
    location_mismatch: Mapped[bool] = mapped_column(default=False)
    industry: Mapped[str] = mapped_column(String(1))
    employees: Mapped[int | None]
    capital: Mapped[int | None] = mapped_column(BigInteger)
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_department: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(254))
    # Name and フリガナ folded for search (portal.core.japanese.search_key): one LIKE finds
    # "くまもと", "クマモト" and "ｸﾏﾓﾄ" alike. Kept by the operations that set the name.
    search_key: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def owner(self) -> User | None:
        return next((m.user for m in self.memberships if m.is_owner), None)


class Membership(db.Model):
    """A user's place in one organisation; exactly one member of each is its owner."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    is_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="membership")


class Invitation(db.Model):
    """An owner's invitation, by e-mail, to join the organisation."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class ListingNotice(db.Model):
    """An organisation that had withdrawn from the public directory while that was possible.

    Listing is one of every applicant's declarations, so a registrant is listed for as long as
    it is registered (one that wants off the register withdraws, 辞退). Migration 0015 recorded
    the organisations that had opted out; `operations.send_listing_notices` tells their members
    once, by mail, that they are listed again and why, and stamps `sent_at`.
    """

    __tablename__ = "listing_notices"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    mails: Mapped[int] = mapped_column(default=0)  # how many members were told (0: none to tell)

    organisation: Mapped[Organisation] = relationship()
