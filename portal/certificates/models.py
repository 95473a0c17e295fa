from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cohorts.models import Cohort
from portal.core.db import str_enum, utcnow
from portal.core.extensions import db


class IssuerSettings(db.Model):
    """登録証の発行者 — who issues the certificates: the title (熊本県知事), the office holder's
    name and the official seal (公印) the secretariat uploaded. One row (id 1)."""

    __tablename__ = "certificate_issuer"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    seal_stored: Mapped[str | None] = mapped_column(String(64))
    seal_type: Mapped[str | None] = mapped_column(String(32))
    seal_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PrintState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def title(self) -> str:
        return str(_PRINT_STATES[self])


_PRINT_STATES = {
    PrintState.QUEUED: _l("Waiting to start"),
    PrintState.RUNNING: _l("Being made"),
    PrintState.DONE: _l("Ready"),
    PrintState.FAILED: _l("Failed"),
}


class CeremonyPrint(db.Model):
    """授与式用の一括印刷 — every certificate of a decided cohort in one PDF, one per page,
    with or without the frame (pre-printed certificate paper has its own). Made by
    `flask registrations run-jobs` (or the `ceremony-print` command), never inside a request;
    `done` counts the pages made so far, `heartbeat_at` tells a job whose process died."""

    __tablename__ = "ceremony_prints"
    __table_args__ = (CheckConstraint("done >= 0 AND done <= total", name="progress_bounds"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    frame: Mapped[bool] = mapped_column(default=True)
    state: Mapped[PrintState] = mapped_column(str_enum(PrintState, 16), default=PrintState.QUEUED, index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    stored_name: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship()
