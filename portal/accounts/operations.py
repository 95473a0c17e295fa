"""Account operations: the only place accounts change. Each writes the audit log and queues
the mails it mentions (sent after commit)."""
from __future__ import annotations

from portal.core.links import external_url
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import sessions, tokens
from portal.accounts.models import User, password_matches
from portal.core import audit
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.outbox import queue_mail
from portal.core.roles import Role

STAFF_LINK_MAX_AGE = 7 * 24 * 3600


class AccountError(ValueError):
    """An account operation that cannot be done (the message says why, in the user's words)."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def sign_up(email: str, name: str, password: str, locale: str) -> User | None:
    """Create an applicant account and mail a verification link.

    If the address already has an account, nothing is created: its owner is mailed instead,
    so the page shown is the same either way and does not reveal who has an account.
    """
    existing = find_by_email(email)
    user = User(email=email.lower(), name=name, role=Role.APPLICANT, locale=locale)
    user.set_password(password)  # hashed either way: the answer takes as long for a known address
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            # The same address signed up at the same moment (a second click, another server):
            # that sign-up created the account, this one is told like any existing address.
            existing = find_by_email(email)
            if existing is None:
                raise
        else:
            audit.record("user.signed_up", user, {"email": user.email}, actor=user)
            send_verification(user)
            return user
    queue_mail(existing.email, "accounts/mail/already_registered.txt", existing.locale, user=existing,
               login_url=external_url("accounts.login"),
               reset_url=external_url("accounts.forgot_password"))
    return None


def send_verification(user: User) -> None:
    """Mail `user` a link that proves they own their address."""
    token = tokens.make("verify", {"user": user.id, "email": user.email})
    queue_mail(user.email, "accounts/mail/verify.txt", user.locale, user=user,
               link=external_url("accounts.verify_email", token=token))


def verify_email(token: str, max_age: int) -> User | None:
    """Mark the address in `token` verified; None for a bad, expired or outdated link."""
    payload = tokens.read("verify", token, max_age)
    user = db.session.get(User, payload["user"]) if payload else None
    if user is None or user.email != payload["email"]:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("user.email_verified", user, {"email": user.email}, actor=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None. The password is hashed
    whether or not the address has an account (no enumeration by timing)."""
    user = find_by_email(email)
    if not password_matches(user.password_hash if user else None, password):
        return None
    return user if user.is_active else None


def signed_in(user: User) -> None:
    """Record a completed sign-in (after the second factor, where there is one)."""
    user.last_login_at = utcnow()


def end_sessions(user: User, reason: str, actor: User | None = None) -> None:
    """End every session and remember cookie of `user` on every device and server ("sign_out",
    "all_devices", …); the view signs the current device in again where it should stay."""
    sessions.end_all(user)
    audit.record("user.sessions_ended", user, {"reason": reason}, actor=actor or user)


def alert_failed_sign_ins(email: str) -> None:
    """Tell an address's owner, once, that it has seen many failed sign-ins (nothing is locked:
    the attempts are refused per client). Nothing for an address without an account."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    audit.record("user.failed_sign_ins", user, {}, actor=user)
    queue_mail(user.email, "accounts/mail/failed_sign_ins.txt", user.locale, user=user,
               reset_url=external_url("accounts.forgot_password"))


def request_password_reset(email: str) -> None:
    """Mail a single-use reset link if the address has an active account; otherwise nothing."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    queue_mail(user.email, "accounts/mail/reset.txt", user.locale, user=user,
               link=external_url("accounts.reset_password", token=reset_token(user)))


def reset_token(user: User) -> str:
    return tokens.make("reset", {"user": user.id, "fp": tokens.password_fingerprint(user.password_hash)})


def user_for_reset(token: str) -> User | None:
    """The user a reset link is for; None once used (the password changed), expired or forged.

    A reset link lasts RESET_TOKEN_MAX_AGE; the first-password link of an account the
    secretariat created lasts a week.
    """
    payload = tokens.read("reset", token, STAFF_LINK_MAX_AGE)
    user = db.session.get(User, payload["user"]) if payload else None
    if user is None or not user.is_active:
        return None
    if tokens.password_fingerprint(user.password_hash) != payload["fp"]:
        return None
    if user.password_hash and tokens.read("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"]) is None:
        return None
    return user


def set_password(user: User, password: str, *, via_link: bool = False) -> None:
    """Set a new password, end every earlier session of the user (on every device) and tell
    them by mail. A link proves the address too."""
    user.set_password(password)
    if via_link and user.email_verified_at is None:
        user.email_verified_at = utcnow()
    sessions.end_all(user)
    audit.record("user.password_changed", user, {"via_link": via_link})
    queue_mail(user.email, "accounts/mail/password_changed.txt", user.locale, user=user)


def update_profile(user: User, name: str, locale: str) -> None:
    """Change the user's name and language (pages and mails)."""
    changes = audit.diff(user, {"name": name, "locale": locale})
    if changes:
        audit.record("user.profile_updated", user, changes)


def create_account(email: str, name: str, role: Role, locale: str, partner=None, actor=None,
                   password: str | None = None) -> User:
    """Create an account (staff or partner by the secretariat or `flask users create`; any by the demo
    data). Without a password, mail a week-long link to set one; with one, the account is
    ready to use and nothing is mailed."""
    if find_by_email(email) is not None:
        raise AccountError("exists")
    user = User(email=email.lower(), name=name, role=role, locale=locale, partner=partner)
    if password:
        user.set_password(password)
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, {"email": user.email, "role": role.value,
                                        "partner": partner.code if partner else None}, actor=actor)
    if not password:
        queue_mail(user.email, "accounts/mail/account_created.txt", user.locale, user=user,
                   link=external_url("accounts.reset_password", token=reset_token(user)))
    return user


def set_active(user: User, active: bool, actor=None) -> None:
    """Deactivate (or reactivate) an account; a deactivated account cannot sign in and its
    sessions end."""
    changes = audit.diff(user, {"active": active})
    if changes and not active:
        sessions.end_all(user)
    if changes:
        audit.record("user.activation", user, changes, actor=actor)
