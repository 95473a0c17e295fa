"""The landing page, language switch and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from portal.core.extensions import db, limiter
from portal.core.generations import STAFF
from portal.core.page_cache import cached_page
from portal.core.permissions import access, home_endpoint, public
from portal.core.security import plain_http_allowed
from portal.core.reference.sdgs import GOALS
from portal import todo

bp = Blueprint("core", __name__)


@bp.app_template_global("home_of")
def home_of(user) -> tuple[str, str] | None:
    """Where a signed-in person's own pages start, and the button that takes them there (the
    landing page shows it instead of the sign-up call); None for a visitor."""
    endpoint = home_endpoint(user)
    return (url_for(endpoint), HOME_BUTTONS[endpoint]()) if endpoint else None


HOME_BUTTONS = {
    "organisations.mine": lambda: _("Go to my organisation"),
    "core.staff_home": lambda: _("Go to the staff pages"),
    "core.city_home": lambda: _("Go to the city menu"),
    "partner.dashboard": lambda: _("Go to your supported organisations"),
    "accounts.profile": lambda: _("Go to your account"),
}


@bp.get("/")
@public
def home():
    return render_template("core/home.html", goals=GOALS)


@bp.get("/healthz")
@plain_http_allowed
@limiter.exempt
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # the load balancer needs an answer, not a stack trace
        db.session.rollback()
        return jsonify(status="error", database=type(error).__name__), 503
    return jsonify(status="ok")


@bp.get("/staff/")
@access("staff")
def staff_home():
    """Kept per person under the staff generation: the panel counts what waits for them."""
    return cached_page("core/staff_home.html", areas=(STAFF,), vary=(current_user.id,),
                       build=lambda: dict(todo=todo.items_for("staff", current_user)))


@bp.get("/city/")
@access("city")
def city_home():
    """Kumamoto City's staff: the KPI report and the logo permits (not the prefecture's menu)."""
    return cached_page("core/city_home.html", areas=(STAFF,), vary=(current_user.id,),
                       build=lambda: dict(todo=todo.items_for("city", current_user)))


@bp.get("/terms")
@public
def terms():
    return render_template("core/terms.html")
