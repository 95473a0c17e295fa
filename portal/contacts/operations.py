"""Changing a contact block: the only place contact_blocks rows change.

Each change writes an audit entry (object type "contact_blocks", object id 1 for the
prefecture's block and 2 for the city's: a block's key is its name; it has no `id`). Nobody is
mailed: the block is what every later page and mail shows. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.contacts import blocks
from portal.contacts.models import ContactBlock, ContactKey
from portal.core import audit
from portal.core.extensions import db
from portal.core.japanese import format_postal_code

AUDIT_IDS = {ContactKey.PREFECTURE: 1, ContactKey.CITY: 2}


@dataclass(frozen=True)
class _Audited:
    """What the audit log records a block as (its table, a number for its key)."""

    id: int
    __tablename__ = "contact_blocks"


def save_block(key: str, data: dict, user) -> ContactBlock:
    """Set the office's block to `data` (blocks.FIELDS; the English texts may be empty) and
    record the change. Changing nothing writes no audit entry."""
    key = ContactKey(key)
    values = {name: (data.get(name) or "").strip() or None for name in blocks.FIELDS}
    values["postal_code"] = format_postal_code(values["postal_code"])
    row = db.session.get(ContactBlock, str(key))
    before = blocks.from_row(row) if row is not None else blocks.default(key)
    if row is None:
        row = ContactBlock(key=str(key))
        db.session.add(row)
    changes = {name: [getattr(before, name), value] for name, value in values.items()
               if getattr(before, name) != value}
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    if changes:
        audit.record("contact.change", _Audited(AUDIT_IDS[key]), changes, actor=user)
    blocks.forget()
    return row
