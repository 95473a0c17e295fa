"""Sessions that can be ended.

Flask-Login keeps `User.get_id()` — the user id and the user's session token — in the session
and in the remember cookie. Every request loads the user and compares the token, so replacing
the token (`end_all`) ends every earlier session and remember cookie of that user, on every
device and every server, at once: the token lives in the database, not in a worker.

Each worker keeps a copy of the users it loaded under the `accounts` data generation
(`portal.core.generations`), which every write to `users` or `memberships` bumps in its own
transaction: while the number the request reads is the one the copy was taken at, the row has
not changed, and the copy is put into the request's session without a query. A replaced token,
a changed role, a deactivated account moves the number, and the next request on any worker of any
server reads the row again.
"""
from __future__ import annotations

import hmac
import pickle

from portal.accounts.models import User, new_session_token
from portal.core import generations, page_cache
from portal.core.extensions import db

KEPT_USERS = 1000  # copies a worker keeps, the least recently used dropped first


def load_user(session_id: str) -> User | None:
    """The user a session or remember cookie names, or None once its token has been replaced
    (or for a cookie from before tokens existed)."""
    user_id, _, token = str(session_id).partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = _load(int(user_id))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def _load(user_id: int) -> User | None:
    """The user's row, from this worker's copy when the accounts generation has not moved since
    it was taken (the generation is read first, so a copy is never newer than its number says)."""
    kept = page_cache.in_worker("users", KEPT_USERS)
    if kept is None or db.session.identity_map.get(db.session.identity_key(User, user_id)) is not None:
        return db.session.get(User, user_id)  # in this session already: never overwrite it
    key = (user_id, generations.current(generations.ACCOUNTS))
    copy = kept.get(key)
    if copy is not None:
        return db.session.merge(copy, load=False)  # a new instance with the copy's state
    user = db.session.get(User, user_id)
    if user is not None:
        # A detached copy as loaded (the request may change its own); merge only reads it.
        kept.put(key, pickle.loads(pickle.dumps(user)))
    return user


def user_id_of(session_id: str | None) -> int | None:
    """The user id in a session value, without loading the user (for request logs)."""
    user_id = str(session_id or "").partition(".")[0]
    return int(user_id) if user_id.isdigit() else None


def end_all(user: User) -> None:
    """Replace the user's session token: every session and remember cookie issued so far stops
    working. The caller audits why and signs the current device in again if it should stay."""
    user.session_token = new_session_token()
