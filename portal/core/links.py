"""Absolute links for mails, documents and QR codes, built on PORTAL_BASE_URL (not on the
host of whatever request happens to be running, and also outside any request)."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None, default: str) -> str:
    """Where to go after signing in: `target` only if it is a path on this site, else `default`.

    Browsers read a Location header generously — they drop tabs and newlines, take a backslash
    for a slash and decode what they are sent — so the target is refused when it, or any
    decoding of it, holds a control character or a backslash, or names a scheme or a host
    (`//evil.example`, `/%09/evil.example`, `/\\evil.example`, `https:evil.example`, …)."""
    if not target or len(target) > 2000:
        return default
    seen = target
    for _ in range(3):  # the target as sent, then decoded twice: %25 hides a second layer
        if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\\" for c in seen):
            return default
        if not seen.startswith("/") or seen.startswith("//"):
            return default
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc:
            return default
        decoded = unquote(seen)
        if decoded == seen:
            break
        seen = decoded
    else:
        return default
    return target
