"""The city's KPI pages: the report (page, CSV, XLSX, PDF, JSON) and its targets.

Kumamoto City's staff and the prefecture's staff read the report ("kpi.view"); the city's staff
keep the targets ("kpi.manage"), which the prefecture's staff only read. Views parse, ask permissions, call `portal.kpi.report` or one operation of
`portal.kpi.operations`, render.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.core.exports import content_disposition, export_response
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.generations import KPI
from portal.core.i18n import today_jst
from portal.core.page_cache import cached_page, cached_value
from portal.core.permissions import access, may
from portal.core.security import form_view
from portal.kpi import operations, presentation
from portal.kpi.chart import kpi_chart
from portal.kpi.documents import kpi_pdf
from portal.kpi.forms import ReportForm, TargetForm
from portal.kpi.models import KpiTarget
from portal.kpi.report import kpi_report
from portal.kpi.targets import BUILTIN_TARGETS, load_targets, target_listing

bp = Blueprint("kpi", __name__, url_prefix="/staff/kpi")

# --- the report --------------------------------------------------------------------------------

def _report_form(targets) -> ReportForm:
    """The report's arguments from the query string (?as_of=YYYY-MM-DD&target=YEAR)."""
    form = ReportForm(formdata=request.args, targets=targets)
    form.validate()
    return form


def _report_args(form: ReportForm, report: dict) -> dict[str, str]:
    """The query string that asks for the same report (for the download links): with the date
    spelled out, so a page read before midnight downloads the same figures after it."""
    args = {"as_of": report["as_of"]}
    if form.target_year is not None:
        args["target"] = str(form.target_year)
    return args


@bp.get("/")
@access("kpi.view")
def index():
    """The report on a date (default today, JST): the summary, the chart, the cohorts and the
    breakdowns. A date that is not one shows the form with its error (400), never a 500."""
    def build():
        targets = load_targets()
        form = _report_form(targets)
        if form.errors:
            return _refused(form)
        return _page(form, _report(form, targets))

    return cached_page("kpi/index.html", areas=(KPI,), build=build, vary=(may(current_user, "kpi.manage"),))


def _report(form: ReportForm, targets) -> dict:
    """The report the form asks for, kept per data generation for the page and the files."""
    as_of = form.as_of.data or today_jst()
    return cached_value("kpi-report", areas=(KPI,), vary=(as_of.isoformat(), form.target_year),
                        compute=lambda: kpi_report(as_of, form.target_year, targets=targets))


def _refused(form: ReportForm) -> Response:
    """The page with the form's errors (400): made for the request, never kept."""
    return make_response(render_template("kpi/index.html", **_page(form, None)), 400)


def _page(form: ReportForm, report: dict | None) -> dict:
    return dict(
        form=form, report=report,
        shown=presentation.display(report) if report else None,
        chart=kpi_chart(report) if report else None,
        args=_report_args(form, report) if report else {},
        may_manage=may(current_user, "kpi.manage"),
        is_today=bool(report) and report["as_of"] == today_jst().isoformat(),
    )


@bp.get("/report.<any(csv, xlsx, pdf, json):fmt>")
@access("kpi.view")
def download(fmt: str):
    """The same report as a file; the arguments of the page. Bad arguments show the page with
    the error (400)."""
    targets = load_targets()
    form = _report_form(targets)
    if form.errors:
        return _refused(form)
    report = _report(form, targets)
    stem = presentation.filename_stem(report)
    if fmt == "pdf":
        return _file(kpi_pdf(report), "application/pdf", f"{stem}.pdf")
    if fmt == "json":
        body = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        return _file(body.encode("utf-8"), "application/json", f"{stem}.json")
    return export_response(stem, presentation.export_columns(), presentation.export_rows(report), fmt)


def _file(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- targets -----------------------------------------------------------------------------------

@bp.route("/targets", methods=["GET", "POST"])
@form_view
@access("kpi.manage")
def targets():
    """The targets (built in and stored) and a form to add one or change a year's."""
    form = TargetForm()
    if not form.is_submitted() and whole_number(request.args.get("year")) is not None:
        _prefill(form, whole_number(request.args.get("year")))
    if form.validate_on_submit():
        try:
            operations.set_target(form.fiscal_year.data, form.value.data, form.note.data, current_user)
        except operations.KpiError as error:
            db.session.rollback()
            form.value.errors.append(operations.error_text(error))
        except IntegrityError:  # the same year added meanwhile by someone else
            db.session.rollback()
            form.fiscal_year.errors.append(_("A target for this fiscal year was just added by someone else: it is "
                                             "listed above. Save again to change it."))
        else:
            db.session.commit()
            flash(_("The target for fiscal %(year)s is now %(value)s.", year=form.fiscal_year.data,
                    value=f"{form.value.data:,}"), "success")
            return redirect(url_for("kpi.targets"))
    status = 400 if form.errors else 200
    return render_template("kpi/targets.html", form=form, rows=target_listing()), status


def _prefill(form: TargetForm, year: int) -> None:
    """"Change" links open the form with the year's present value and note."""
    target = db.session.get(KpiTarget, year)
    if target is not None:
        form.fiscal_year.data, form.value.data, form.note.data = target.fiscal_year, target.value, target.note
    elif year in BUILTIN_TARGETS:
        form.fiscal_year.data, form.value.data = year, BUILTIN_TARGETS[year]


@bp.post("/targets/<int:fiscal_year>/delete")
@access("kpi.manage")
def delete_target(fiscal_year: int):
    """Remove a stored target (for 2023: back to the plan's 850)."""
    try:
        operations.remove_target(fiscal_year, current_user)
    except operations.KpiError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
    else:
        db.session.commit()
        if fiscal_year in BUILTIN_TARGETS:
            flash(_("The target for fiscal %(year)s is the city plan's %(value)s again.", year=fiscal_year,
                    value=f"{BUILTIN_TARGETS[fiscal_year]:,}"), "success")
        else:
            flash(_("The target for fiscal %(year)s was removed.", year=fiscal_year), "success")
    return redirect(url_for("kpi.targets"))
