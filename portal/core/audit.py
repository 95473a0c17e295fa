"""The audit log: who changed what, when, and how. Every operation writes one entry."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import utcnow
from portal.core.extensions import db


class AuditEntry(db.Model):
    """One state change: actor, action, object, time and a summary of the change."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(action: str, obj: Any, changes: dict[str, Any] | None = None, *, actor: Any = None) -> AuditEntry:
    """Add an audit entry to the current transaction (flushed with the change it records).

    `changes` maps a field to `[old, new]` or carries any JSON summary. The actor defaults to
    the signed-in user; commands pass theirs explicitly or record none (the system).
    """
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user
    if obj.id is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        changes=changes or {},
    )
    db.session.add(entry)
    return entry


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """Set `new_values` on `obj` and return the fields that changed as {field: [old, new]}."""
    changed = {}
    for field, value in new_values.items():
        old = getattr(obj, field)
        if old != value:
            changed[field] = [_jsonable(old), _jsonable(value)]
            setattr(obj, field, value)
    return changed


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record_many(action: str, object_type: str, entries: list[tuple[int, dict[str, Any]]], actor: Any = None) -> None:
    """Audit entries for a batch (one statement): (object id, changes) pairs of one action."""
    from sqlalchemy import insert

    if not entries:
        return
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    db.session.execute(insert(AuditEntry), [
        {"created_at": now, "actor_id": actor_id, "action": action, "object_type": object_type,
         "object_id": object_id, "changes": changes}
        for object_id, changes in entries
    ])
