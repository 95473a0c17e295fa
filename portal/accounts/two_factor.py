"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238) after the password, and
single-use recovery codes for a lost phone. The operations here are the only place a second
factor changes; each writes the audit log and queues the mails it mentions.

Where TWO_FACTOR_REQUIRED is on (production), staff and partner accounts cannot open any page
but the enrolment page until they have enrolled; applicants may enrol if they wish.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import unicodedata

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, select, update

from portal.accounts import sessions
from portal.accounts.models import RecoveryCode, User
from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.outbox import queue_mail

# The name the authenticator app shows beside the code (short: every character makes the QR
# code denser, and Japanese characters are sent percent-encoded).
ISSUER = "熊本県SDGs"
RECOVERY_CODE_COUNT = 10
# Recovery codes: 12 characters from 31 unambiguous ones (no 0/o, 1/l/i), about 59 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class TwoFactorError(ValueError):
    """A second-factor operation that cannot be done; the code names the reason."""


def required_for(user: User) -> bool:
    return bool(current_app.config["TWO_FACTOR_REQUIRED"]) and user.role.needs_second_factor


def must_enrol(user: User) -> bool:
    """Signed in with a password, but the second factor this account needs is not set up."""
    return required_for(user) and not user.two_factor_enabled


# --- codes ---------------------------------------------------------------------------------

def _normalise(code: str) -> str:
    """What people type: full-width digits, spaces and hyphens are all accepted."""
    return "".join(c for c in unicodedata.normalize("NFKC", code or "").lower() if c.isalnum())


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step whose code is `code` — this one or its neighbours, for clocks a little off —
    never one at or before the last step accepted (a code works once)."""
    totp = _totp(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(user: User, step: int | None) -> bool:
    """Record `step` as the last one accepted, if it is later than the last: compare-and-set in
    the database, so that of two requests with the same code (two servers, one second apart)
    only one gets in."""
    if step is None:
        return False
    used = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount == 1
    if used:
        user.totp_last_step = step
    return used


def _hash_recovery_code(code: str) -> str:
    # The codes are random (about 59 bits) and guessing is rate-limited: a plain hash suffices.
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(12)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)) for code in codes)
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- enrolment -----------------------------------------------------------------------------

def enrolment_secret(user: User) -> str:
    """The secret being enrolled: made on the first visit to the enrolment page and kept until
    it is confirmed (reloading the page shows the same QR code)."""
    if user.two_factor_enabled:
        raise TwoFactorError("enabled")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning(user: User, secret: str) -> dict:
    """What the enrolment page shows: a QR code (SVG data URI) for the authenticator app on a
    phone, the same as a link (for the app on the device showing the page) and the secret in
    groups of four, for typing in by hand."""
    uri = _totp(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"qr": segno.make(uri, error="m").svg_data_uri(scale=4, border=2), "uri": uri,
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once the user proves their app shows the right code. Returns
    the recovery codes, to be shown once (only their hashes are kept). Mails the user."""
    if user.two_factor_enabled or not user.totp_secret:
        raise TwoFactorError("not_enrolling")
    step = _matching_step(user.totp_secret, _normalise(code), None)
    if step is None:
        raise TwoFactorError("code")
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("user.second_factor_enabled", user, {}, actor=user)
    queue_mail(user.email, "accounts/mail/second_factor_enabled.txt", user.locale, user=user)
    return codes


def replace_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a code from the app."""
    if not user.two_factor_enabled:
        raise TwoFactorError("not_enabled")
    if not _use_step(user, _matching_step(user.totp_secret, _normalise(code), user.totp_last_step)):
        raise TwoFactorError("code")
    codes = _new_recovery_codes(user)
    audit.record("user.recovery_codes_replaced", user, {}, actor=user)
    return codes


def disable(user: User, code: str) -> None:
    """Turn two-factor sign-in off (only where it is not required), after a code from the app
    (or a recovery code: either proves the second factor). Other sessions end; the user is
    mailed."""
    if required_for(user):
        raise TwoFactorError("required")
    if not user.two_factor_enabled:
        raise TwoFactorError("not_enabled")
    if verify(user, code) is None:
        raise TwoFactorError("code")
    _clear(user)
    sessions.end_all(user)
    audit.record("user.second_factor_disabled", user, {}, actor=user)
    queue_mail(user.email, "accounts/mail/second_factor_disabled.txt", user.locale, user=user, by_secretariat=False)


def reset(user: User, actor: User) -> None:
    """The secretariat removes another user's second factor (a lost phone and no recovery
    code): the user's sessions end, and they enrol again at their next sign-in. Mailed."""
    if user.id == actor.id:
        raise TwoFactorError("own")
    if not user.two_factor_enabled and not user.totp_secret:
        raise TwoFactorError("not_enabled")
    _clear(user)
    sessions.end_all(user)
    audit.record("user.second_factor_reset", user, {}, actor=actor)
    queue_mail(user.email, "accounts/mail/second_factor_disabled.txt", user.locale, user=user, by_secretariat=True)


def restart_enrolment(user: User) -> None:
    """A new phone, for someone who signed in with a recovery code because the old one is lost:
    the old secret and recovery codes stop working and enrolment starts again (where two-step
    sign-in is required, nothing else opens until it is done). Other sessions end; mailed."""
    if not user.two_factor_enabled:
        raise TwoFactorError("not_enabled")
    _clear(user)
    sessions.end_all(user)
    audit.record("user.second_factor_restarted", user, {}, actor=user)
    queue_mail(user.email, "accounts/mail/second_factor_disabled.txt", user.locale, user=user, by_secretariat=False,
               new_phone=True)


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- signing in ----------------------------------------------------------------------------

def verify(user: User, code: str) -> str | None:
    """Check a code typed at sign-in: six digits from the app ("totp"), or an unused recovery
    code ("recovery", used up now and the user mailed). None when it is neither."""
    typed = _normalise(code)
    if not user.two_factor_enabled or not typed:
        return None
    if typed.isdigit() and len(typed) == 6:
        return "totp" if _use_step(user, _matching_step(user.totp_secret, typed, user.totp_last_step)) else None
    wanted = _hash_recovery_code(typed)
    for recovery in db.session.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(recovery.code_hash, wanted):
            recovery.used_at = utcnow()
            db.session.flush()
            audit.record("user.recovery_code_used", user, {}, actor=user)
            queue_mail(user.email, "accounts/mail/recovery_code_used.txt", user.locale, user=user,
                       left=recovery_codes_left(user))
            return "recovery"
    return None

