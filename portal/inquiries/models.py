from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


class InquiryCategory(StrEnum):
    APPLICATION = "application"
    RENEWAL = "renewal"
    CERTIFICATE = "certificate"
    LOGO = "logo"  # the 「Kumamoto for SDGs」 logo is the city's: its office answers
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(CATEGORY_TITLES[self])

    @property
    def office(self) -> str:
        """The office that answers: the city's logo office or the prefecture's secretariat."""
        return "city" if self is InquiryCategory.LOGO else "prefecture"


CATEGORY_TITLES = {
    InquiryCategory.APPLICATION: _l("Applying for registration"),
    InquiryCategory.RENEWAL: _l("Renewal"),
    InquiryCategory.CERTIFICATE: _l("Certificate and registration details"),
    InquiryCategory.LOGO: _l("The “Kumamoto for SDGs” logo"),
    InquiryCategory.OTHER: _l("Something else"),
}


class InquiryState(StrEnum):
    UNCONFIRMED = "unconfirmed"  # a visitor's, until the address is confirmed by the mailed link
    OPEN = "open"                # waiting for the office
    ANSWERED = "answered"        # waiting for the asker
    CLOSED = "closed"

    @property
    def title(self) -> str:
        return str(_STATE_TITLES[self])


_STATE_TITLES = {
    InquiryState.UNCONFIRMED: _l("Address not confirmed"),
    InquiryState.OPEN: _l("Waiting for an answer"),
    InquiryState.ANSWERED: _l("Answered"),
    InquiryState.CLOSED: _l("Completed"),
}


class Inquiry(db.Model):
    """問い合わせ — a question to an office and the thread of messages that answers it.

    Asked by a signed-in account (`user_id`) or by a visitor (`name`, `email`, without account;
    their thread starts once the address is confirmed). `version` goes up with every change an
    answer depends on (a message of either side, closing): staff forms carry the version they
    showed and an answer to a thread that changed meanwhile is refused (compare-and-set)."""

    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_office_state", "office", "state", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(16))  # portal.contacts' key: "prefecture" | "city"
    category: Mapped[InquiryCategory] = mapped_column(str_enum(InquiryCategory, 16))
    subject: Mapped[str] = mapped_column(String(200))
    state: Mapped[InquiryState] = mapped_column(str_enum(InquiryState, 16), default=InquiryState.OPEN)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    application = relationship("Application")
    registration = relationship("Registration")
    messages: Mapped[list[InquiryMessage]] = relationship(
        back_populates="inquiry", order_by="InquiryMessage.id", cascade="all, delete-orphan")

    @property
    def reference(self) -> str:
        """The number the asker quotes: Q-000123."""
        return f"Q-{self.id:06d}"

    @property
    def waiting_for_staff(self) -> bool:
        return self.state == InquiryState.OPEN


class InquiryMessage(db.Model):
    """One message of a thread: the asker's (author None for a visitor), the office's answer,
    or a staff note the asker never sees (`internal`)."""

    __tablename__ = "inquiry_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry: Mapped[Inquiry] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class InquiryLink(db.Model):
    """A visitor's way into their thread: each mail to them carries its own random token, of
    which only the SHA-256 is kept (a leaked database gives no working link)."""

    __tablename__ = "inquiry_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
