from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db
from portal.registrations.models import Registration


class ClaimMethod(StrEnum):
    REQUEST = "request"  # approved by the secretariat
    CODE = "code"        # a valid code from a posted claim letter: claimed at once

    @property
    def title(self) -> str:
        return str(_METHOD_TITLES[self])


_METHOD_TITLES = {
    ClaimMethod.REQUEST: _l("Request approved by the secretariat"),
    ClaimMethod.CODE: _l("Claim code from a letter"),
}


class ClaimState(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def title(self) -> str:
        return str(_STATE_TITLES[self])


_STATE_TITLES = {
    ClaimState.WAITING: _l("Waiting for the secretariat"),
    ClaimState.APPROVED: _l("Approved"),
    ClaimState.REFUSED: _l("Refused"),
}


class RegistrationClaim(db.Model):
    """登録の引継ぎ — a signed-in, verified person asks to take over a registration imported from
    before the portal (which has no members). Approved by the secretariat, or at once with a
    claim code; the claimant then becomes the organisation's owner."""

    __tablename__ = "registration_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[ClaimMethod] = mapped_column(str_enum(ClaimMethod, 16))
    state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState, 16), default=ClaimState.WAITING, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # What the claimant completes that an import does not carry: the representative and the
    # contact details ({field: value}), seen by the secretariat before approving.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    response: Mapped[str | None] = mapped_column(Text)

    registration: Mapped[Registration] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ClaimCode(db.Model):
    """A single-use code printed in a claim letter posted to an unclaimed registrant. Only its
    hash is kept; it works through the last day its letter prints (CLAIM_CODE_DAYS after the day
    it was made, in JST): `expires_at` is the start of the next day in JST."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
