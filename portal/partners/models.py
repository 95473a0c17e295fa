from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import str_enum
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
