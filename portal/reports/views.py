"""The registrant's progress-report pages: a registration's periods and trend charts, the report
form for a period, and one report. A registration or report that is not the user's answers 404
(rules "report.view", "report.file").

Views parse, ask permissions, call one operation of `portal.reports.operations`, commit, flash.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.applications.content import AREAS
from portal.core import deadlines
from portal.core.db import utcnow
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.permissions import access, may, require
from portal.core.security import form_view
from portal.registrations.models import Registration
from portal.reports import operations, queries
from portal.reports.chart import trend_chart
from portal.reports.forms import report_form
from portal.reports.models import ProgressReport, ReportPeriod

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _registration(registration_id: int, action: str) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    require(action, registration)
    return registration


@bp.get("/registrations/<int:registration_id>")
@access("signed_in")  # the object rule answers 404 to everyone else
def index(registration_id: int):
    """The registration's reporting periods, and each key action's trend."""
    registration = _registration(registration_id, "report.view")
    today = today_jst()
    filed = {report.period_id: report for report in queries.reports_of_registration(registration.id)}
    trends = queries.trends(registration.id)
    charts = [trend_chart(trend, _trend_id(trend)) for trend in trends]
    return render_template("reports/index.html", registration=registration, periods=queries.periods(),
                           filed=filed, trends=trends, charts=charts, ids=[_trend_id(t) for t in trends],
                           today=today, areas=AREAS, may_file=may(current_user, "report.file", registration))


def _trend_id(trend: queries.Trend) -> str:
    """trend-1, trend-2, … for the actions in force; trend-retired-<key> for one a renewal retired."""
    return f"trend-{trend.position + 1}" if trend.position is not None else f"trend-retired-{trend.key}"


@bp.route("/registrations/<int:registration_id>/periods/<int:period_id>", methods=["GET", "POST"])
@form_view
@access("signed_in")  # the object rule answers 404 to everyone else
def file(registration_id: int, period_id: int):
    """File the report for a period; filing again edits the one report."""
    registration = _registration(registration_id, "report.file")
    period = db.get_or_404(ReportPeriod, period_id)
    now = utcnow()
    today = deadlines.on_day(now)  # the period's days are days in Japan
    actions = queries.key_actions(registration.id)
    report = queries.report_for(period.id, registration.id)
    refusal = None
    if not period.is_open(today):
        refusal = (operations.ReportError("not_open_yet", date=deadlines.opening(period.opens_on))
                   if today < period.opens_on
                   else operations.ReportError("closed", deadline=deadlines.until(period.closes_on, sentence=True)))
    elif not actions:
        refusal = operations.ReportError("no_actions")
    form = report_form(actions, report)
    if refusal is None and form.validate_on_submit():
        try:
            report, created = operations.file_report(registration, period, form.entries(len(actions)), current_user,
                                                     today, now)
        except operations.ReportError as error:
            db.session.rollback()
            position = error.details.pop("position", None)
            if error.code == "actions_changed":  # the form again, on the key actions now in force
                flash(operations.error_text(error), "error")
                return redirect(url_for("reports.file", registration_id=registration.id, period_id=period.id))
            if position is None:
                refusal = error
            else:
                field = form[f"status_{position}" if error.code == "bad_status" else f"value_{position}"]
                field.errors = [*field.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("Thank you: your progress report was received.") if created
                  else _("Your progress report was updated (there is one report per period)."), "success")
            return redirect(url_for("reports.index", registration_id=registration.id))
    status = form.status_code if refusal is None else 409 if form.is_submitted() else 200
    return render_template("reports/file.html", registration=registration, period=period, form=form,
                           actions=actions, report=report, refusal=refusal and operations.error_text(refusal),
                           areas=AREAS, numeric=[queries.is_numeric(a) for a in actions]), status


@bp.get("/<int:report_id>")
@access("signed_in")  # the object rule answers 404 to everyone else
def show(report_id: int):
    """One filed report."""
    report = db.get_or_404(ProgressReport, report_id)
    require("report.view", report)
    actions = queries.actions_by_key(report.registration_id)
    return render_template("reports/show.html", report=report, actions=actions, areas=AREAS)
