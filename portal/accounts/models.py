from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.core.roles import Role

if TYPE_CHECKING:
    from portal.organisations.models import Membership
    from portal.partners.models import PartnerInstitution


_dummy_hash: str | None = None


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check `password` against a stored hash; without one, hash it anyway against a dummy, so
    that an unknown address takes as long to refuse as a wrong password (no enumeration by
    timing)."""
    global _dummy_hash
    if not password_hash:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")
        check_password_hash(_dummy_hash, password)
        return False
    return check_password_hash(password_hash, password)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person with an account: an applicant, a staff member or a partner institution's user."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("(role = 'partner') = (partner_id IS NOT NULL)", name="partner_has_institution"),
        CheckConstraint("locale IN ('ja', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Indexed: staff lists (reviewers to assign, an office's answerers) read a few rows among
    # every applicant's.
    role: Mapped[Role] = mapped_column(str_enum(Role, 16), default=Role.APPLICANT, index=True)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner_institutions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session and remember cookie (see get_id): a new one ends them all.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Two-factor sign-in (TOTP): the secret (set at enrolment, in use once confirmed) and the
    # last time step accepted, so that a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    membership: Mapped[Membership | None] = relationship(back_populates="user", lazy="joined")
    partner: Mapped[PartnerInstitution | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login keeps this in the session and the remember cookie: the id and the
        session token, so that rotating the token (sign-out, password change) ends them all."""
        return f"{self.id}.{self.session_token}"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        # The same hashing work whether or not a password is set (see password_matches).
        return password_matches(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor when the phone is lost; only
    its hash is kept (the codes are shown once, at enrolment)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
