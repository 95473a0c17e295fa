"""Financial-institution partners (支援機関), their users' consent-scoped view, their support
records (伴走支援記録) and their support menus (支援メニュー)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, text
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
    # The contact registrants and the secretariat use (a department, not a person's own line).
    contact_department: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    # The logo (PNG or JPEG, checked by content), stored under UPLOAD_FOLDER by portal.partners.logos.
    logo_name: Mapped[str | None] = mapped_column(String(64))
    logo_content_type: Mapped[str | None] = mapped_column(String(32))

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


class SupportKind(StrEnum):
    LOAN = "loan"
    CONSULTING = "consulting"
    SEMINAR = "seminar"
    INTRODUCTION = "introduction"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(_SUPPORT_TITLES[self])


_SUPPORT_TITLES = {
    SupportKind.LOAN: _l("Loan or financing"),
    SupportKind.CONSULTING: _l("Consulting"),
    SupportKind.SEMINAR: _l("Seminar or training"),
    SupportKind.INTRODUCTION: _l("Introduction (business matching)"),
    SupportKind.OTHER: _l("Other support"),
}


class SupportRecord(db.Model):
    """伴走支援記録 — one act of support by an institution for an organisation that consented.

    Seen by that institution (while the consent lasts) and the secretariat, never by another
    institution; the organisation sees it only when `shared` is set."""

    __tablename__ = "support_records"
    __table_args__ = (
        Index("ix_support_records_institution_organisation", "institution_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("partner_institutions.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    supported_on: Mapped[date] = mapped_column(index=True)
    kind: Mapped[SupportKind] = mapped_column(str_enum(SupportKind, 20))
    notes: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    institution: Mapped[PartnerInstitution] = relationship(lazy="joined", innerjoin=True)


class SupportMenu(db.Model):
    """支援メニュー — a service an institution offers registrants (an SDGs loan, a consultation,
    a seminar…), shown to registrants and on the public pages while published."""

    __tablename__ = "support_menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("partner_institutions.id"), index=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    conditions_ja: Mapped[str | None] = mapped_column(Text)
    conditions_en: Mapped[str | None] = mapped_column(Text)
    free: Mapped[bool] = mapped_column(default=False)
    fee: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    institution: Mapped[PartnerInstitution] = relationship(lazy="joined", innerjoin=True)

    # English falls back to Japanese: an institution may publish in Japanese only.
    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_ja

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" and self.description_en else self.description_ja

    def conditions(self, locale: str) -> str | None:
        return self.conditions_en if locale == "en" and self.conditions_en else self.conditions_ja
