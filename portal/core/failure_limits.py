"""Rate limits that count failures only (wrong passwords, codes, claims), never successes nor the
refused (429) answers themselves: a view marks a failed attempt with `failed(kind)`, and the
limits of `failures_only(kind, …)` deduct it after the response. The counters live in the
rate-limit storage (RATELIMIT_STORAGE_URI: Redis in production), shared by every worker."""
from __future__ import annotations

from typing import Callable

from flask import current_app, g

from portal.core.extensions import limiter


def failed(kind: str) -> None:
    """Count this request as a failed attempt against the `kind` limits of its view."""
    g.setdefault("failed_attempts", set()).add(kind)


def failures_only(kind: str, limits: list[tuple[str, str, Callable[[], str] | None]]):
    """Guard a view (POST only) with limits that count the requests marked `failed(kind)`: each
    limit is (setting naming the limit, scope shared by the views it guards, key function or
    None for the client's address)."""
    def counted(response) -> bool:
        return kind in g.get("failed_attempts", ())

    def decorate(view):
        for setting, scope, key_func in reversed(limits):
            view = limiter.shared_limit(lambda setting=setting: current_app.config[setting], scope=scope,
                                        key_func=key_func, methods=["POST"], deduct_when=counted)(view)
        return view

    return decorate
