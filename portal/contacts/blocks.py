"""The contact blocks as pages and mails show them: the stored block, else the settings' default.

Read once per request (or per mail being rendered). When the database does not answer (an error
page about that very failure), the defaults are shown: a page that says something went wrong must
still say whom to call.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from flask import current_app, g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.contacts.models import ContactBlock, ContactKey
from portal.core.extensions import db
from portal.core import page_cache
from portal.core.generations import CONTACTS


@dataclass(frozen=True)
class Contact:
    """One office's contact details, as plain data for templates."""

    key: str
    office_name: str
    office_name_en: str | None
    postal_code: str
    address: str
    phone: str
    email: str
    hours: str
    hours_en: str | None
    stored: bool = False  # saved by staff (else the settings' default)

    def office_in(self, locale: str) -> tuple[str, str]:
        """(text, its language): the English name on English pages when there is one."""
        if locale == "en" and self.office_name_en:
            return self.office_name_en, "en"
        return self.office_name, "ja"

    def hours_in(self, locale: str) -> tuple[str, str]:
        if locale == "en" and self.hours_en:
            return self.hours_en, "en"
        return self.hours, "ja"

    @property
    def postal_mark(self) -> str:
        return f"〒{self.postal_code}"


FIELDS = tuple(field.name for field in fields(Contact) if field.name not in ("key", "stored"))


def default(key: str) -> Contact:
    """The block from the settings (CONTACT_<KEY>_<FIELD>, portal.config)."""
    values = current_app.config["CONTACTS"][ContactKey(key)]
    return Contact(key=key, **{name: values.get(name) or None if name.endswith("_en") else values[name]
                               for name in FIELDS})


def from_row(row: ContactBlock) -> Contact:
    return Contact(key=row.key, stored=True, **{name: getattr(row, name) for name in FIELDS})


def contact(key: str = ContactKey.PREFECTURE) -> Contact:
    """The office's block: what staff saved, else the default; the default when the database
    does not answer."""
    key = ContactKey(key)
    cache = g.setdefault("contact_blocks", {}) if has_app_context() else {}
    if key not in cache:
        # Both blocks at once, kept until staff save one: the footer shows both on every page.
        try:
            stored = page_cache.cached_value("contact-blocks", areas=(CONTACTS,), compute=_stored)
        except SQLAlchemyError:
            db.session.rollback()
            stored = {}
        for each in ContactKey:
            cache[each] = stored.get(str(each)) or default(each)
    return cache[key]


def _stored() -> dict[str, Contact]:
    return {row.key: from_row(row) for row in db.session.scalars(select(ContactBlock))}


def forget() -> None:
    """After a save: the request's next read sees the new block."""
    if has_app_context():
        g.pop("contact_blocks", None)


def init_app(app) -> None:
    app.jinja_env.globals.update(contact_block=contact)
