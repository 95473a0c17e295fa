"""Security baseline: headers with a CSP, CSRF on every POST, no caching of what a signed-in user
sees, friendly error pages."""
from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError

from portal.core.extensions import csrf

CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def form_view(view):
    """Mark a view whose FlaskForm checks the CSRF token itself, so that a stale token
    re-renders the form with everything typed kept (status 400) instead of an error page."""
    view.checks_own_csrf = True
    return view


def plain_http_allowed(view):
    """Answer over plain HTTP in production too (no redirect to HTTPS): for the load balancer's
    health check, which talks to the app server directly."""
    view.talisman_view_options = {"force_https": False}
    return view


def init_app(app: Flask) -> None:
    production = app.config["PRODUCTION"]
    # One Talisman per app: it keeps its options on the instance, not on the app.
    Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )

    @app.before_request
    def protect_posts():
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        view = app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, "checks_own_csrf", False):
            return None
        csrf.protect()
        return None

    app.after_request(_cache_control)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html", reason=error.description), 400

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))


def _cache_control(response: Response) -> Response:
    """What a signed-in user is shown is theirs. Pages (HTML, JSON, redirects, errors) are kept
    by no cache; files (certificates, attachments, logo files, exports…: send_file's answers and
    anything with a Content-Disposition) only by the user's own browser, which asks again each
    time (the ETag saves the download), unless the view already said `no-store`. Visitors who
    are not signed in, and the static files, keep their caching."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return response
    response.vary.add("Cookie")
    if not (response.direct_passthrough or "Content-Disposition" in response.headers):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        return response
    stricter = response.cache_control.no_store
    response.headers["Cache-Control"] = "private, no-store" if stricter else "private, no-cache"
    response.headers.pop("Expires", None)
    return response


def _error_page(code: int):
    def handler(error):
        return render_template("errors/error.html", code=code, error=error,
                               retry_minutes=_retry_minutes() if code == 429 else None), code

    return handler


def _retry_minutes() -> int | None:
    """How long the limit that refused this request still holds, in whole minutes (the same
    wait the Retry-After header gives), or None when it cannot be read."""
    import math
    import time

    from portal.core.extensions import limiter

    try:
        refused = limiter.current_limit
        return max(1, math.ceil((refused.reset_at - time.time()) / 60)) if refused else None
    except Exception:  # the limit storage is down: the page says "a while"
        return None
