"""The landing page, language switch and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from portal.core.extensions import db, limiter
from portal.core.permissions import access, public
from portal.core.security import plain_http_allowed
from portal.core.reference.sdgs import GOALS

bp = Blueprint("core", __name__)


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
    return render_template("core/staff_home.html")


@bp.get("/city/")
@access("city")
def city_home():
    """Kumamoto City's staff: the KPI report and the logo permits (not the prefecture's menu)."""
    return render_template("core/city_home.html")


@bp.get("/terms")
@public
def terms():
    return render_template("core/terms.html")
