"""Request logs: one structured line per request (request id, user id, status, duration), and
the request id on every log line written while the request runs.

Unhandled errors are also kept in the database (the last ones show on the secretariat's
system page, with the request id to look for in the logs).

`LOG_FORMAT=json` (the default in production) writes JSON lines for a log collector;
`LOG_FORMAT=text` (the default elsewhere) writes the same fields as readable text. The id comes
from the proxy's `X-Request-ID` when the proxy is trusted (TRUSTED_PROXIES), else it is made
here, and is returned in the response's `X-Request-ID` header so that a user's report of an
error can be found in the logs.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, got_request_exception, has_request_context, request, session
from sqlalchemy import String, Text, delete, insert
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import utcnow
from portal.core.extensions import db

REQUEST_LOGGER = "portal.requests"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The fields a line may carry beside its message, in the order they are written.
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "remote_addr", "bytes")


KEEP_ERRORS = 500  # the newest unhandled errors kept for the system page


class ErrorEvent(db.Model):
    """An unhandled error of a request (answered with the 500 page)."""

    __tablename__ = "error_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None]
    error_type: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record written while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({field: getattr(record, field) for field in FIELDS if getattr(record, field, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        # The message of a request line already says method, path and status.
        fields = " ".join(f"{field}={getattr(record, field)}" for field in FIELDS
                          if field not in ("method", "path", "status") and getattr(record, field, None) is not None)
        text = f"{stamp} {record.levelname} {record.name}: {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def init_app(app: Flask) -> None:
    _configure_logging(app)
    got_request_exception.connect(record_error, app)
    trust_incoming = bool(app.config["TRUSTED_PROXIES"])
    logger = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "") if trust_incoming else ""
        g.request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is None:  # a request that failed before start_request ran
            return response
        response.headers["X-Request-ID"] = g.request_id
        logger.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={
                "request_id": g.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                # From the signed session: reading current_user here would load the user
                # (one more query) on requests that never needed it.
                "user_id": _user_id(),
                "remote_addr": request.remote_addr,
                # The header only: computing it would read a streamed body (a zip) into memory.
                "bytes": response.content_length,
            },
        )
        return response


def record_error(sender, exception: BaseException, **extra) -> None:
    """Keep an unhandled error (Flask's got_request_exception signal). Written on a connection
    of its own: the request's session may be broken by the very error; and never raising,
    since the error page must still be served when the database is what failed."""
    try:
        # The request's own transaction ends here: on SQLite a write it began would otherwise
        # lock the table this needs (the request is answered with the error page either way).
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(insert(ErrorEvent).values(
                occurred_at=utcnow(),
                request_id=g.get("request_id") or "-",
                method=request.method[:10],
                path=request.path[:500],
                user_id=_user_id(),
                error_type=f"{type(exception).__module__}.{type(exception).__qualname__}"[:200],
                # The first line only: SQL errors go on with statements and parameters.
                message=(str(exception).strip().splitlines() or [""])[0][:500],
            ))
            newest = connection.execute(
                ErrorEvent.__table__.select().with_only_columns(ErrorEvent.id)
                .order_by(ErrorEvent.id.desc()).offset(KEEP_ERRORS).limit(1)
            ).scalar()
            if newest is not None:
                connection.execute(delete(ErrorEvent).where(ErrorEvent.id <= newest))
    except Exception:
        logging.getLogger("portal").warning("could not keep the error in the database", exc_info=True)


def _user_id() -> int | None:
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id
    from portal.accounts.sessions import user_id_of

    return user_id_of(session.get("_user_id"))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (gunicorn and systemd collect it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _configure_logging(app: Flask) -> None:
    """The portal's records (INFO and up) and everyone else's warnings go to stderr, in the
    chosen format, through one handler on the root logger. Tests keep Python's defaults, so
    that pytest captures the records."""
    portal_logger = logging.getLogger("portal")
    portal_logger.setLevel(app.config["LOG_LEVEL"])
    if not any(isinstance(f, RequestIdFilter) for f in portal_logger.filters):
        portal_logger.addFilter(RequestIdFilter())
    if app.testing:
        return
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)  # an app made again in the same process replaces its handler
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
