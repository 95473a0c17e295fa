"""Signed, expiring links for e-mail verification, password reset and invitations."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def make(purpose: str, payload) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int):
    """The payload, or None for a token that is forged, expired or for another purpose."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None


def password_fingerprint(password_hash: str | None) -> str:
    """Changes whenever the password does, so a reset link works once."""
    return hashlib.sha256((password_hash or "unset").encode()).hexdigest()[:16]
