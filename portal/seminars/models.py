from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.organisations.models import Organisation


class SeminarAudience(StrEnum):
    """Who may sign up (each audience includes the ones before it)."""

    REGISTRANTS = "registrants"
    REGISTRANTS_AND_APPLICANTS = "registrants_applicants"
    EVERYONE = "everyone"

    @property
    def title(self) -> str:
        return str(_AUDIENCE_TITLES[self])


_AUDIENCE_TITLES = {
    SeminarAudience.REGISTRANTS: _l("Registrants only"),
    SeminarAudience.REGISTRANTS_AND_APPLICANTS: _l("Registrants and applicants"),
    SeminarAudience.EVERYONE: _l("Anyone with an account"),
}


class SeminarState(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def title(self) -> str:
        return str(_l("Scheduled") if self is SeminarState.SCHEDULED else _l("Cancelled"))


class SignupState(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def title(self) -> str:
        return str(_SIGNUP_TITLES[self])


_SIGNUP_TITLES = {
    SignupState.CONFIRMED: _l("Seats confirmed"),
    SignupState.WAITLISTED: _l("On the waiting list"),
    SignupState.CANCELLED: _l("Cancelled"),
}

# The one transition table of a sign-up: confirmed | waitlisted → confirmed → cancelled.
TRANSITIONS: dict[SignupState, tuple[SignupState, ...]] = {
    SignupState.WAITLISTED: (SignupState.CONFIRMED, SignupState.CANCELLED),
    SignupState.CONFIRMED: (SignupState.CANCELLED,),
    SignupState.CANCELLED: (),
}
LIVE = (SignupState.CONFIRMED, SignupState.WAITLISTED)

# Seats one organisation may ask for, at most, whatever the seminar allows: the sign-up form
# shows one name field per seat.
MAX_SEATS_PER_ORGANISATION = 10


class Seminar(db.Model):
    """フォローアップセミナー — a follow-up seminar run by the secretariat for registrants (and,
    as chosen, applicants or anyone with an account): in a venue, online, or both.

    `seats_confirmed` is the sum of the confirmed sign-ups' seats, kept by the operations while
    they hold the seminar's row lock; the database refuses more than `capacity`."""

    __tablename__ = "seminars"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        CheckConstraint("signup_closes_at > signup_opens_at", name="window_order"),
        CheckConstraint("signup_closes_at <= starts_at", name="window_before_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_per_organisation > 0 AND seats_per_organisation <= capacity",
                        name="seats_per_organisation_range"),
        CheckConstraint("seats_confirmed >= 0 AND seats_confirmed <= capacity", name="seats_within_capacity"),
        CheckConstraint("venue IS NOT NULL OR online_url IS NOT NULL", name="has_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue: Mapped[str | None] = mapped_column(String(300))
    # Shown only to the confirmed attendees (and the secretariat).
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    seats_per_organisation: Mapped[int]
    seats_confirmed: Mapped[int] = mapped_column(default=0)
    signup_opens_at: Mapped[datetime]
    signup_closes_at: Mapped[datetime]
    audience: Mapped[SeminarAudience] = mapped_column(str_enum(SeminarAudience, 24),
                                                      default=SeminarAudience.REGISTRANTS)
    state: Mapped[SeminarState] = mapped_column(str_enum(SeminarState, 16), default=SeminarState.SCHEDULED)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # iCalendar SEQUENCE: goes up when the time or the place changes, so calendars update.
    sequence: Mapped[int] = mapped_column(default=0)
    # Edits: a form loaded before someone else's change cannot save over it.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_ja

    def description(self, locale: str) -> tuple[str, str]:
        """The description in `locale` where there is one, and the language it is in."""
        if locale == "en" and self.description_en:
            return self.description_en, "en"
        return self.description_ja, "ja"

    @property
    def cancelled(self) -> bool:
        return self.state == SeminarState.CANCELLED

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_confirmed)

    def signup_open(self, now: datetime) -> bool:
        return not self.cancelled and self.signup_opens_at <= now < self.signup_closes_at

    def started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def ended(self, now: datetime) -> bool:
        return now >= self.ends_at


class SeminarSignup(db.Model):
    """セミナー申込 — one organisation's sign-up for a number of seats, confirmed or on the
    waiting list (in arrival order: the order of `id`, assigned under the seminar's lock)."""

    __tablename__ = "seminar_signups"
    __table_args__ = (
        # One live sign-up per organisation per seminar (a cancelled one may be followed).
        Index("uq_seminar_signups_live_per_organisation", "seminar_id", "organisation_id", unique=True,
              sqlite_where=text("state <> 'cancelled'"), postgresql_where=text("state <> 'cancelled'")),
        Index("ix_seminar_signups_seminar_state", "seminar_id", "state"),
        CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminars.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Who signed up: the contact the mails go to.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    seats: Mapped[int]
    state: Mapped[SignupState] = mapped_column(str_enum(SignupState, 16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # Confirmed from the waiting list, after a cancellation or a larger capacity.
    promoted: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The reminder the day before is sent once (`flask seminars remind`).
    reminded_at: Mapped[datetime | None]

    seminar: Mapped[Seminar] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    attendees: Mapped[list[SeminarAttendee]] = relationship(
        back_populates="signup", cascade="all, delete-orphan", order_by="SeminarAttendee.position")

    @property
    def live(self) -> bool:
        return self.state in LIVE


class SeminarAttendee(db.Model):
    """One seat of a sign-up: the person's name, and whether they attended (None: not marked)."""

    __tablename__ = "seminar_attendees"
    __table_args__ = (UniqueConstraint("signup_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("seminar_signups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    attended: Mapped[bool | None]
    marked_at: Mapped[datetime | None]

    signup: Mapped[SeminarSignup] = relationship(back_populates="attendees")
