"""Mail outbox: mails are queued in the same transaction as the change they report and sent
after commit, with retries. A failed SMTP server loses nothing; `flask outbox send` retries.

Without MAIL_SERVER, mails are written as .eml files to MAIL_FOLDER (instance/mail/).
"""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import str_enum, utcnow
from portal.core.extensions import db

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=15)


class MailState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    """One mail to one person, kept until it has been handed to the mail server."""

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(320))
    # The office that answers (portal.contacts): mails come from a no-reply sender.
    reply_to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[MailState] = mapped_column(str_enum(MailState, 16), default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="mail", cascade="all, delete-orphan", lazy="selectin"
    )


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outbox_mails.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mail: Mapped[OutboxMail] = relationship(back_populates="attachments")


def queue_mail(
    recipient: str,
    template: str,
    locale: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
    **context,
) -> OutboxMail:
    """Render `template` in the recipient's language and add it to the current transaction.

    The template's top-level `{% set subject %}` is the subject; its body is the text.
    It is sent once the transaction commits (see `init_app`), or by `flask outbox send`.
    """
    subject, body, office = _render(template, locale, context)
    mail = OutboxMail(recipient=recipient, reply_to=_reply_to(office), subject=subject, body=body, locale=locale)
    for filename, content_type, data in attachments or ():
        mail.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, data=data))
    db.session.add(mail)
    db.session.flush()
    g.setdefault("queued_mail_ids", []).append(mail.id)
    return mail


def _template_context() -> dict:
    return {"base_url": current_app.config["PORTAL_BASE_URL"]}


# Every subject names the scheme it is about, as the offices' mails do: the prefecture's
# registration (the default) or the city's logo permits (a template that sets `office = "city"`).
SUBJECT_PREFIXES = {
    "prefecture": _l("[Kumamoto Prefecture SDGs Registration System] %(subject)s"),
    "city": _l("[Kumamoto City] %(subject)s"),
}


def _render(template: str, locale: str, context: dict) -> tuple[str, str, str]:
    """The subject (with its scheme's prefix), the body of `template` in `locale`, and the
    office that signs it ("prefecture" or "city")."""
    with force_locale(locale):
        module = current_app.jinja_env.get_template(template).make_module(
            {**current_app.jinja_env.globals, **_template_context(), **context}
        )
        office = getattr(module, "office", "prefecture")
        subject = str(SUBJECT_PREFIXES[office] % {"subject": " ".join(str(module.subject).split())})
        body = str(module).strip() + "\n"
    return subject, body, office


def _reply_to(office: str) -> str:
    """The signing office's e-mail (portal.contacts): mails come from a no-reply sender, and a
    reply reaches the office that signed the mail."""
    from portal.contacts.blocks import contact

    return contact(office).email


def send_pending(limit: int | None = None, skip_backoff: bool = False) -> tuple[int, int]:
    """Send every due mail once; returns (sent, failed attempts). Safe in parallel processes.

    `skip_backoff` also takes the mails waiting for their next retry (once the mail server is
    back, the operator need not wait for the back-off)."""
    now = utcnow()
    waiting = OutboxMail.state == MailState.PENDING
    if not skip_backoff:
        waiting = waiting & (OutboxMail.next_attempt_at <= now)
    due = select(OutboxMail.id).where(
        or_(waiting, (OutboxMail.state == MailState.SENDING) & (OutboxMail.claimed_at < now - STALE_CLAIM))
    ).order_by(OutboxMail.id)
    if limit:
        due = due.limit(limit)
    ids = list(db.session.scalars(due))
    if skip_backoff and ids:
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(ids), OutboxMail.state == MailState.PENDING, OutboxMail.next_attempt_at > now)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return deliver(ids, include_stale=True)


# The server refused this one mail; the next may go through on the same connection.
ONE_MAIL_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def _server_down(error: Exception) -> bool:
    """A failure of the connection, not of one mail (smtplib's errors are OSErrors too): the
    rest of the batch would fail the same way, each after the full timeout if the server does
    not answer, so they wait for the next `flask outbox send`."""
    return isinstance(error, OSError) and not isinstance(error, ONE_MAIL_REFUSED)


def deliver(ids: list[int], include_stale: bool = False) -> tuple[int, int]:
    """Claim each mail (one process wins a claim), hand it to the transport, record the result.

    One connection to the mail server serves the whole batch. When the server is unreachable
    the first mail records the failure and the rest are left as they are, due, for
    `flask outbox send`."""
    sent = failed = 0
    with _Transport() as transport:
        for mail_id in ids:
            if not _claim(mail_id, include_stale):
                continue
            mail = db.session.get(OutboxMail, mail_id)
            if mail is None:  # removed since it was claimed: nothing left to send
                continue
            try:
                transport.send(_message(mail))
            except Exception as error:  # any transport failure is retried later, never lost
                _record_failure(mail, error)
                failed += 1
                db.session.commit()
                if _server_down(error):
                    break
                continue
            # A statement, not the loaded row: the mail is sent whether or not the row is still
            # there to record it (a send runs after the answer, while anything may happen).
            db.session.execute(
                update(OutboxMail).where(OutboxMail.id == mail_id)
                .values(state=MailState.SENT, sent_at=utcnow(), attempts=OutboxMail.attempts + 1)
                .execution_options(synchronize_session=False))
            db.session.expire(mail)
            sent += 1
            db.session.commit()
    return sent, failed


def _record_failure(mail: OutboxMail, error: Exception) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    mail.claimed_at = None
    if mail.attempts >= MAX_ATTEMPTS:
        mail.state = MailState.FAILED
    else:
        mail.state = MailState.PENDING
        mail.next_attempt_at = utcnow() + timedelta(minutes=2**mail.attempts)
    current_app.logger.warning("mail %s to %s not sent: %s", mail.id, mail.recipient, error)


def retry_now(ids: list[int]) -> int:
    """Make failed or waiting mails due now (the secretariat's "retry now"), audited; the
    request hands them to the mail server after commit like any queued mail. Returns how many.
    A failed mail gets one more attempt: if that fails too it is failed again."""
    from portal.core import audit

    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.state.in_([MailState.FAILED, MailState.PENDING]))
        .order_by(OutboxMail.id)
    ).all() if ids else []
    for mail in mails:
        audit.record("mail.retry", mail, {"state": [str(mail.state), str(MailState.PENDING)],
                                          "attempts": mail.attempts})
        mail.state = MailState.PENDING
        mail.next_attempt_at = utcnow()
    db.session.flush()
    g.setdefault("queued_mail_ids", []).extend(mail.id for mail in mails)
    return len(mails)


def _claim(mail_id: int, include_stale: bool) -> bool:
    # Only a due mail: one that another sender has just tried and rescheduled is left alone.
    claimable = (OutboxMail.state == MailState.PENDING) & (OutboxMail.next_attempt_at <= utcnow())
    if include_stale:
        claimable = or_(
            claimable,
            (OutboxMail.state == MailState.SENDING) & (OutboxMail.claimed_at < utcnow() - STALE_CLAIM),
        )
    result = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, claimable)
        .values(state=MailState.SENDING, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.recipient
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{mail.id}")
    message.set_content(mail.body)
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


class _Transport:
    """The mail server (one SMTP connection, opened at the first mail) or, without
    MAIL_SERVER, .eml files in MAIL_FOLDER."""

    def __init__(self):
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
        return False

    def send(self, message: EmailMessage) -> None:
        config = self.config
        if not config["MAIL_SERVER"]:
            folder = Path(config["MAIL_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            stamp = utcnow().strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
            (folder / name).write_bytes(bytes(message))
            return
        if self.smtp is None:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20)
            try:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            except BaseException:
                smtp.close()
                raise
            self.smtp = smtp
        self.smtp.send_message(message)


def pending_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMail.state, db.func.count()).group_by(OutboxMail.state))
    return {state: count for state, count in rows}


def init_app(app) -> None:
    @app.after_request
    def send_after_response(response):
        """A request's mails go to the mail server once its answer has been written (the WSGI
        server closes the response): nobody waits for the mail server, and an answer takes as
        long whether or not a mail was queued (sign-in pages reveal nothing by their timing)."""
        ids = g.pop("queued_mail_ids", None)
        if ids:
            response.call_on_close(lambda: _deliver_queued(app, ids))
        return response

    @app.teardown_appcontext
    def send_after_commit(exc):
        # Commands, and requests that ended before their answer was made.
        ids = g.pop("queued_mail_ids", None)
        if ids:
            # Whatever was left uncommitted is rolled back: only committed mails exist.
            db.session.remove()
            _deliver_queued(app, ids)


def _deliver_queued(app, ids: list[int]) -> None:
    with app.app_context():
        if app.config["MAIL_SERVER"] and len(ids) > app.config["OUTBOX_SEND_IN_REQUEST"]:
            # A cohort decision queues a mail per applicant: the request hands over the first
            # ones and leaves the rest, due, to the scheduled `flask outbox send`.
            ids = ids[: app.config["OUTBOX_SEND_IN_REQUEST"]]
        try:
            deliver(ids)
        except Exception:  # the outbox keeps them; `flask outbox send` retries
            app.logger.exception("sending queued mail after commit failed")
        finally:
            db.session.remove()


def queue_many(mails: list[dict]) -> int:
    """Queue many mails in one statement (a cohort decision mails every applicant): each item
    has recipient, template, locale and the template's context. Sent after commit like any."""
    from sqlalchemy import insert

    rows = []
    for mail in mails:
        context = {k: v for k, v in mail.items() if k not in ("recipient", "template", "locale")}
        subject, body, office = _render(mail["template"], mail["locale"], context)
        rows.append({"recipient": mail["recipient"], "reply_to": _reply_to(office), "subject": subject,
                     "body": body, "locale": mail["locale"],
                     "state": MailState.PENDING, "attempts": 0, "created_at": utcnow(),
                     "next_attempt_at": utcnow()})
    if not rows:
        return 0
    ids = list(db.session.scalars(insert(OutboxMail).returning(OutboxMail.id), rows))
    g.setdefault("queued_mail_ids", []).extend(ids)
    return len(ids)
