from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import utcnow
from portal.core.extensions import db


class ContactKey(StrEnum):
    """Whose contact block: the prefecture's registration secretariat (registrations, every
    page's footer) or the city's office that issues the 「Kumamoto for SDGs」 logo permits."""

    PREFECTURE = "prefecture"
    CITY = "city"


class ContactBlock(db.Model):
    """問い合わせ先 — one office's name, postal address, phone, e-mail and opening hours, as the
    footer, the error pages, /verify and every mail's signature give them. No row: the defaults
    in the settings (portal.config, CONTACT_*)."""

    __tablename__ = "contact_blocks"
    __table_args__ = (CheckConstraint("key IN ('prefecture', 'city')", name="key_known"),)

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    office_name: Mapped[str] = mapped_column(String(200))
    # English pages and mails use these when set, else the Japanese (marked lang="ja").
    office_name_en: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(8))  # 860-8570
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    hours: Mapped[str] = mapped_column(String(200))
    hours_en: Mapped[str | None] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
