"""The staff's progress-report pages: the periods (the secretariat opens them), a period's
response rate, who is overdue, the share of key actions on track per goal and per ward, and
the CSV/XLSX export. Staff read (rule "reports.view"); the secretariat opens periods
("reports.manage")."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.i18n import jst, today_jst
from portal.core.permissions import access, may
from portal.core.security import form_view
from portal.reports import operations, queries
from portal.reports.forms import PeriodForm
from portal.reports.models import ActionStatus, ReportPeriod

bp = Blueprint("staff_reports", __name__, url_prefix="/staff/reports")


def _page(form: PeriodForm, status: int = 200):
    today = today_jst()
    return render_template("reports/staff_index.html", periods=queries.periods(), form=form, today=today,
                           may_manage=may(current_user, "reports.manage")), status


@bp.get("/")
@access("reports.view")
def index():
    today = today_jst()
    return _page(PeriodForm(formdata=None, data={"fiscal_year": today.year if today.month >= 4 else today.year - 1}))


@bp.post("/periods")
@form_view
@access("reports.manage")
def open_period():
    """Open a reporting period for a fiscal year."""
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            period = operations.open_period(form.fiscal_year.data, form.opens_on.data, form.closes_on.data,
                                            current_user)
        except operations.ReportError as error:
            db.session.rollback()
            field = form.closes_on if error.code == "window_order" else form.fiscal_year
            field.errors = [*field.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("The reporting period was opened."), "success")
            return redirect(url_for("staff_reports.show", period_id=period.id))
    return _page(form, form.status_code)


@bp.get("/periods/<int:period_id>")
@access("reports.view")
def show(period_id: int):
    """Response rate, overdue registrants, shares on track per goal and per ward."""
    period = db.get_or_404(ReportPeriod, period_id)
    today = today_jst()
    expected, reported = queries.response_rate(period, today)
    return render_template("reports/staff_show.html", period=period, today=today, expected=expected,
                           reported=reported, missing=queries.not_reported(period, today),
                           goals=queries.shares_by_goal(period), wards=queries.shares_by_ward(period))


def _columns():
    return [("number", _("Registration number")), ("organisation", _("Organisation name")),
            ("municipality", _("Municipality code")), ("reported", _("Reported")),
            ("filed_at", _("Filed at (JST)")), ("updated_at", _("Last changed at (JST)")),
            *[(status.value, status.title) for status in ActionStatus]]


@bp.get("/periods/<int:period_id>/export.<any(csv, xlsx):fmt>")
@access("reports.view")
def export(period_id: int, fmt: str):
    """One row per registration expected to report (one query; labels translated here)."""
    period = db.get_or_404(ReportPeriod, period_id)
    marks = {True: _("Yes"), False: _("No")}

    def convert(row) -> dict:
        reported = row.filed_at is not None
        return {"number": row.number, "organisation": row.organisation, "municipality": row.municipality_code or "",
                "reported": marks[reported], "filed_at": row.filed_at, "updated_at": row.updated_at,
                **{status.value: (getattr(row, status.value) or 0) if reported else None for status in ActionStatus}}

    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("progress-reports-%(year)s-%(stamp)s", year=period.fiscal_year, stamp=stamp),
                           _columns(), query_rows(queries.export_rows(period, today_jst()), convert), fmt)
