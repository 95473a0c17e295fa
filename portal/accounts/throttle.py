"""Failed sign-ins, counted so that a stranger cannot lock an owner out and a busy office never
meets a limit.

Only *failed* attempts count (a wrong password, a wrong second-factor code, a wrong current
password on the password change), never successful ones nor the refused (429) answers:
- per address and client (SIGN_IN_FAILURES_PER_ADDRESS): an attacker elsewhere cannot use up
  the owner's allowance;
- per client (SIGN_IN_FAILURES_PER_CLIENT): one machine guessing many addresses;
- per address from anywhere (SIGN_IN_FAILURE_ALERT): blocks nothing, but the owner is mailed
  once when the address sees that many failures;
- wrong second-factor codes per account from anywhere (SECOND_FACTOR_FAILURES_PER_ACCOUNT):
  once the password is proven, many clients must not share the guessing; past the limit the
  password is asked for again, and refused, until the window has passed.
The counters live in the rate-limit storage (RATELIMIT_STORAGE_URI): Redis in production, so
that every worker and server counts together.
"""
from __future__ import annotations

from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

from portal.core import failure_limits
from portal.core.extensions import limiter

PENDING_KEY = "pending_sign_in"


def attempted_address() -> str:
    """The address being signed in to: the form's, the one waiting for its second factor, or the
    signed-in user's own (password change)."""
    typed = (request.form.get("email") or "").strip().lower()
    if typed:
        return typed[:254]
    pending = session.get(PENDING_KEY)
    if isinstance(pending, dict) and isinstance(pending.get("email"), str):
        return pending["email"]
    if current_user and current_user.is_authenticated:
        return current_user.email
    return ""


def _address_and_client() -> str:
    return f"{attempted_address()}|{get_remote_address()}"


# Guards a view where a password or a second-factor code is checked (POST only).
limited = failure_limits.failures_only("sign-in", [
    ("SIGN_IN_FAILURES_PER_CLIENT", "sign-in-client", None),
    ("SIGN_IN_FAILURES_PER_ADDRESS", "sign-in-address", _address_and_client),
])


def failed(address: str) -> bool:
    """Count a failed attempt on `address` (the view's limits take it after the response).
    True when this failure is the one that reaches the alert threshold, so the owner is told
    once per window."""
    failure_limits.failed("sign-in")
    item = parse(current_app.config["SIGN_IN_FAILURE_ALERT"])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], "sign-in-alert", address.strip().lower()[:254])
    try:
        strategy = limiter.limiter
        return strategy.hit(item, *key) and strategy.get_window_stats(item, *key).remaining == 0
    except Exception:  # storage down: the attempt was still refused; only the alert is lost
        current_app.logger.warning("could not count a failed sign-in for the alert", exc_info=True)
        return False


def _second_factor_key(user) -> tuple[str, str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], "second-factor", str(user.id)


def second_factor_allowed(user) -> bool:
    """Whether the account may still try codes: SECOND_FACTOR_FAILURES_PER_ACCOUNT wrong codes
    from anywhere, and whoever has the password must sign in again later (the per-client limits
    alone would let many clients guess)."""
    try:
        return limiter.limiter.test(parse(current_app.config["SECOND_FACTOR_FAILURES_PER_ACCOUNT"]),
                                    *_second_factor_key(user))
    except Exception:  # storage down: the per-client limits (in memory meanwhile) still hold
        return True


def second_factor_failed(user) -> None:
    try:
        limiter.limiter.hit(parse(current_app.config["SECOND_FACTOR_FAILURES_PER_ACCOUNT"]),
                            *_second_factor_key(user))
    except Exception:
        current_app.logger.warning("could not count a wrong second-factor code", exc_info=True)
