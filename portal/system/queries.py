"""What the system page shows, read in a few queries."""
from __future__ import annotations

import functools
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload

from portal.core.extensions import db
from portal.core.observability import ErrorEvent
from portal.core.outbox import MailState, OutboxMail, pending_counts

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outbox:
    counts: dict[str, int]
    oldest_waiting: datetime | None  # the oldest mail not yet sent nor given up
    problems: list[OutboxMail]  # failed, or waiting after a failed attempt; newest first


def outbox(limit: int = 50) -> Outbox:
    counts = {state.value: 0 for state in MailState}
    counts.update({str(state): count for state, count in pending_counts().items()})
    oldest = db.session.scalar(select(func.min(OutboxMail.created_at)).where(
        OutboxMail.state.in_([MailState.PENDING, MailState.SENDING])))
    problems = db.session.scalars(
        select(OutboxMail)
        .where(or_(OutboxMail.state == MailState.FAILED,
                   (OutboxMail.state == MailState.PENDING) & (OutboxMail.attempts > 0)))
        .order_by(OutboxMail.id.desc()).limit(limit)
        .options(lazyload(OutboxMail.attachments))  # the mail's files are not shown
    ).all()
    return Outbox(counts, oldest, problems)


def recent_errors(limit: int = 20) -> list[ErrorEvent]:
    return db.session.scalars(select(ErrorEvent).order_by(ErrorEvent.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class Software:
    version: str
    revision: str | None
    python: str
    database: str
    migration_current: list[str]
    migration_head: list[str]
    migration_error: str | None

    @property
    def migrations_at_head(self) -> bool:
        return self.migration_error is None and self.migration_current == self.migration_head


def software() -> Software:
    from portal import __version__
    from portal.core.diagnostics import migration_state

    try:
        current, heads = migration_state()
        error = None
    except Exception as problem:  # shown on the page, the rest of which still helps
        current, heads, error = set(), set(), f"{type(problem).__name__}: {problem}"
    engine = db.engine
    server = ".".join(str(part) for part in (engine.dialect.server_version_info or ()))
    return Software(
        version=__version__,
        revision=revision(),
        python=platform.python_version(),
        database=f"{engine.dialect.name} {server}".strip(),
        migration_current=sorted(current),
        migration_head=sorted(heads),
        migration_error=error,
    )


def revision() -> str | None:
    """The deployed commit: PORTAL_REVISION when the deployment sets it, else the checkout's HEAD."""
    return current_app.config.get("PORTAL_REVISION") or _checkout_revision()


@functools.cache
def _checkout_revision() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
