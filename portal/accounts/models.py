from __future__ import annotations

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
    role: Mapped[Role] = mapped_column(str_enum(Role, 16), default=Role.APPLICANT)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner_institutions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    membership: Mapped[Membership | None] = relationship(back_populates="user", lazy="joined")
    partner: Mapped[PartnerInstitution | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
