"""Where inquiries change: asked, confirmed (a visitor's), replied to, answered, noted, closed.

Each operation writes its audit entry and queues its mails in the same transaction (they are
sent after the commit, or by `flask outbox send` when the mail server is down: nothing is lost).
Mails never carry text a visitor typed to anyone: a visitor's confirmation carries the reference
number alone, and only staff's answers (to the asker's own, confirmed address) quote text.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.links import external_url
from portal.core.outbox import queue_mail
from portal.inquiries.models import Inquiry, InquiryCategory, InquiryLink, InquiryMessage, InquiryState


class InquiryChanged(Exception):
    """The thread changed since the staff member's page showed it (a new message, an answer
    by a colleague, closed): read it again before answering."""


CHANGED_TEXT = _l("This inquiry changed while you were writing (a new message or an answer by a colleague). "
                  "Read the thread again; what you wrote is kept below.")


@dataclass(frozen=True)
class Question:
    """What the asker wrote: the form's data, plain."""

    category: InquiryCategory
    subject: str
    body: str
    application_id: int | None = None
    registration_id: int | None = None


# --- links for visitors -------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(inquiry: Inquiry) -> str:
    """A fresh token for one mail to a visitor (kept hashed); its absolute URL."""
    token = secrets.token_urlsafe(32)
    db.session.add(InquiryLink(inquiry_id=inquiry.id, token_hash=_hash(token)))
    return external_url("inquiries.thread", token=token)


def inquiry_for_token(token: str) -> Inquiry | None:
    """The inquiry a visitor's link opens, or None (unknown, malformed or older than
    INQUIRY_LINK_DAYS)."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(InquiryLink).where(InquiryLink.token_hash == _hash(token)))
    if link is None or link.created_at < utcnow() - timedelta(days=current_app.config["INQUIRY_LINK_DAYS"]):
        return None
    return db.session.get(Inquiry, link.inquiry_id)


def _thread_url(inquiry: Inquiry) -> str:
    """Where the asker reads the thread: their signed-in page, or a visitor's own link."""
    if inquiry.user_id is not None:
        return external_url("inquiries.show", inquiry_id=inquiry.id)
    return _new_link(inquiry)


# --- the asker ----------------------------------------------------------------------------

def ask(question: Question, locale: str, user=None, name: str | None = None, email: str | None = None) -> Inquiry:
    """A new inquiry with its first message, for the office of its category.

    Signed in (`user`): open at once, the asker gets a receipt with the link to the thread.
    A visitor (`name`, `email`): waits, unconfirmed, until the link of the confirmation mail is
    opened; that mail names nothing the visitor typed, only the reference number."""
    now = utcnow()
    visitor = user is None
    inquiry = Inquiry(
        office=question.category.office, category=question.category, subject=question.subject,
        state=InquiryState.UNCONFIRMED if visitor else InquiryState.OPEN,
        user_id=None if visitor else user.id, name=name if visitor else user.name,
        email=email.strip().lower() if visitor else user.email,
        locale=locale if visitor else (user.locale or locale),
        application_id=question.application_id, registration_id=question.registration_id,
        created_at=now, confirmed_at=None if visitor else now, last_message_at=now)
    inquiry.messages.append(InquiryMessage(author_id=None if visitor else user.id, body=question.body, created_at=now))
    db.session.add(inquiry)
    db.session.flush()
    audit.record("inquiry.ask", inquiry, {"category": str(question.category), "office": inquiry.office,
                                          "visitor": visitor}, actor=user)
    template = "inquiries/mail/confirm.txt" if visitor else "inquiries/mail/received.txt"
    queue_mail(inquiry.email, template, inquiry.locale, inquiry=inquiry, user=user,
               organisation=getattr(user, "organisation", None), link=_thread_url(inquiry),
               days=current_app.config["INQUIRY_LINK_DAYS"])
    return inquiry


def confirm(inquiry: Inquiry) -> bool:
    """A visitor opened their link: an unconfirmed inquiry starts its thread (the office sees it
    from now). True when this call confirmed it."""
    now = utcnow()
    confirmed = db.session.execute(
        update(Inquiry).where(Inquiry.id == inquiry.id, Inquiry.state == InquiryState.UNCONFIRMED)
        .values(state=InquiryState.OPEN, confirmed_at=now, last_message_at=now, version=Inquiry.version + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    if confirmed:
        db.session.refresh(inquiry)
        audit.record("inquiry.confirm", inquiry, {"state": [str(InquiryState.UNCONFIRMED), str(InquiryState.OPEN)]})
    return confirmed


def reply(inquiry: Inquiry, body: str, user=None) -> InquiryMessage:
    """The asker writes again: the thread waits for the office (a closed one opens again)."""
    now = utcnow()
    old = inquiry.state
    db.session.execute(
        update(Inquiry).where(Inquiry.id == inquiry.id)
        .values(state=InquiryState.OPEN, closed_at=None, last_message_at=now, version=Inquiry.version + 1)
        .execution_options(synchronize_session=False))
    message = InquiryMessage(inquiry_id=inquiry.id, author_id=getattr(user, "id", None), body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    db.session.refresh(inquiry)
    audit.record("inquiry.reply", inquiry, {"state": [str(old), str(InquiryState.OPEN)], "message": message.id},
                 actor=user)
    return message


# --- the office ---------------------------------------------------------------------------

def _claim(inquiry: Inquiry, seen_version: int, **values) -> None:
    """Compare-and-set: change the inquiry only if it is still the version the page showed."""
    changed = db.session.execute(
        update(Inquiry).where(Inquiry.id == inquiry.id, Inquiry.version == seen_version)
        .values(version=Inquiry.version + 1, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise InquiryChanged()
    db.session.refresh(inquiry)


def answer(inquiry: Inquiry, body: str, staff, seen_version: int) -> InquiryMessage:
    """Staff answer the asker: the message is stored, the inquiry is answered (and assigned to
    whoever answered, if no one was), and the asker is mailed the answer with the link to the
    thread, signed by the inquiry's office. Refused (InquiryChanged) when the thread changed
    since `seen_version`, or when it is not confirmed yet."""
    if inquiry.state == InquiryState.UNCONFIRMED:
        raise InquiryChanged()
    now = utcnow()
    old = inquiry.state
    _claim(inquiry, seen_version, state=InquiryState.ANSWERED, closed_at=None, last_message_at=now,
           assignee_id=inquiry.assignee_id or staff.id)
    message = InquiryMessage(inquiry_id=inquiry.id, author_id=staff.id, from_staff=True, body=body, created_at=now)
    db.session.add(message)
    db.session.flush()
    audit.record("inquiry.answer", inquiry, {"state": [str(old), str(InquiryState.ANSWERED)],
                                             "message": message.id}, actor=staff)
    asker = inquiry.user  # None for a visitor: greeted by no name, since a stranger typed it
    queue_mail(inquiry.email, "inquiries/mail/answered.txt", inquiry.locale, inquiry=inquiry, user=asker,
               organisation=getattr(asker, "organisation", None), answer=body, link=_thread_url(inquiry))
    return message


def note(inquiry: Inquiry, body: str, staff) -> InquiryMessage:
    """An internal note on the thread, for colleagues only: the asker neither sees nor hears
    of it, and the state does not change."""
    message = InquiryMessage(inquiry_id=inquiry.id, author_id=staff.id, from_staff=True, internal=True, body=body)
    db.session.add(message)
    db.session.flush()
    audit.record("inquiry.note", inquiry, {"message": message.id}, actor=staff)
    return message


def close(inquiry: Inquiry, staff, seen_version: int) -> None:
    """Staff close the inquiry (no mail: the last answer said what there was to say). The asker
    may still write, which opens it again."""
    old = inquiry.state
    if old in (InquiryState.CLOSED, InquiryState.UNCONFIRMED):
        raise InquiryChanged()
    _claim(inquiry, seen_version, state=InquiryState.CLOSED, closed_at=utcnow())
    audit.record("inquiry.close", inquiry, {"state": [str(old), str(InquiryState.CLOSED)]}, actor=staff)


def assign(inquiry: Inquiry, assignee, staff) -> None:
    """Make `assignee` (staff of the inquiry's office, or None) the one who answers it. No mail,
    no change of state or version: an answer being written is not disturbed."""
    old = inquiry.assignee_id
    new = getattr(assignee, "id", None)
    if old == new:
        return
    inquiry.assignee_id = new
    audit.record("inquiry.assign", inquiry, {"assignee_id": [old, new]}, actor=staff)
