"""The checks the prefecture makes outside the portal before registering an applicant,
recorded on the review page: 県税の滞納確認 (prefectural tax arrears) and 暴力団排除の照会 (the
police's organised-crime inquiry). Each record says when, with what result and who recorded
it; a later record of the same kind supersedes an earlier one (both stay, as the history)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


class ExternalCheckKind(StrEnum):
    TAX = "tax"
    POLICE = "police"

    @property
    def title(self) -> str:
        return str(_EXTERNAL_KINDS[self])


class ExternalCheckResult(StrEnum):
    CLEAR = "clear"
    FOLLOW_UP = "follow_up"

    @property
    def title(self) -> str:
        return str(_EXTERNAL_RESULTS[self])


_EXTERNAL_KINDS = {
    ExternalCheckKind.TAX: _l("Prefectural tax arrears check"),
    ExternalCheckKind.POLICE: _l("Organised-crime exclusion inquiry (police)"),
}
_EXTERNAL_RESULTS = {
    ExternalCheckResult.CLEAR: _l("No problem found"),
    ExternalCheckResult.FOLLOW_UP: _l("Needs follow-up"),
}


class ExternalCheck(db.Model):
    """One check made outside the portal, as recorded by a staff member."""

    __tablename__ = "external_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ExternalCheckKind] = mapped_column(str_enum(ExternalCheckKind, 16))
    checked_on: Mapped[date]
    result: Mapped[ExternalCheckResult] = mapped_column(str_enum(ExternalCheckResult, 16))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
