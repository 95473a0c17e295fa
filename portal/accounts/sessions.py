"""Sessions that can be ended.

Flask-Login keeps `User.get_id()` — the user id and the user's session token — in the session
and in the remember cookie. Every request loads the user and compares the token, so replacing
the token (`end_all`) ends every earlier session and remember cookie of that user, on every
device and every server, at once: the token lives in the database, not in a worker.
"""
from __future__ import annotations

import hmac

from portal.accounts.models import User, new_session_token
from portal.core.extensions import db


def load_user(session_id: str) -> User | None:
    """The user a session or remember cookie names, or None once its token has been replaced
    (or for a cookie from before tokens existed)."""
    user_id, _, token = str(session_id).partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def user_id_of(session_id: str | None) -> int | None:
    """The user id in a session value, without loading the user (for request logs)."""
    user_id = str(session_id or "").partition(".")[0]
    return int(user_id) if user_id.isdigit() else None


def end_all(user: User) -> None:
    """Replace the user's session token: every session and remember cookie issued so far stops
    working. The caller audits why and signs the current device in again if it should stay."""
    user.session_token = new_session_token()
