from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


class InstitutionKind(StrEnum):
    BANK = "bank"
    SHINKIN = "shinkin"
    INSURER = "insurer"
    THINK_TANK = "think_tank"
    CHAMBER = "chamber"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(_KIND_TITLES[self])


_KIND_TITLES = {
    InstitutionKind.BANK: _l("Bank"),
    InstitutionKind.SHINKIN: _l("Shinkin bank"),
    InstitutionKind.INSURER: _l("Insurer"),
    InstitutionKind.THINK_TANK: _l("Think tank"),
    InstitutionKind.CHAMBER: _l("Chamber of commerce"),
    InstitutionKind.OTHER: _l("Other"),
}


class PartnerInstitution(db.Model):
    """支援機関 — a financial institution or other body that supports registrants."""

    __tablename__ = "partner_institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[InstitutionKind] = mapped_column(str_enum(InstitutionKind, 20))

    def name(self, locale: str) -> str:
        return self.name_ja if locale == "ja" else self.name_en


class PartnerConsent(db.Model):
    """An organisation's choice of a supporting institution and its consent to share its
    application and registration with it. Revoking ends the institution's access at once."""

    __tablename__ = "partner_consents"
    __table_args__ = (
        Index("uq_partner_consents_live", "organisation_id", "institution_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("partner_institutions.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    institution: Mapped[PartnerInstitution] = relationship(lazy="joined", innerjoin=True)
