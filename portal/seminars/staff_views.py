"""The secretariat's seminar pages: the list, scheduling and editing, cancellation, the attendee
list with its CSV/XLSX export, attendance marking and the printable attendance sheet (PDF).

Every page is the secretariat's ("seminar.manage"). Views parse, ask permissions, call one
operation of `portal.seminars.operations`, commit, flash.
"""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.i18n import current_locale, jst
from portal.core.permissions import access
from portal.core.security import form_view
from portal.seminars import documents, operations, presentation, queries
from portal.seminars.forms import CancelSeminarForm, ConfirmForm, SeminarForm
from portal.seminars.models import Seminar, SignupState

bp = Blueprint("staff_seminars", __name__, url_prefix="/staff/seminars")

# Where a refusal of the operation belongs on the seminar form.
FIELD_OF = {"end_before_start": "ends_at", "window_order": "signup_last_day", "window_after_start": "signup_last_day",
            "capacity": "capacity", "capacity_below_confirmed": "capacity", "limit_range": "seats_per_organisation",
            "no_place": "venue", "online_url": "online_url", "incomplete": "title_ja"}


def _seminar(seminar_id: int) -> Seminar:
    return db.get_or_404(Seminar, seminar_id)


@bp.get("/")
@access("seminar.manage")
def index():
    now = utcnow()
    return render_template("seminars/staff_index.html", upcoming=queries.staff_list(True, now),
                           past=queries.staff_list(False, now), now=now, locale=current_locale())


def _refused(form: SeminarForm, error: operations.SeminarError) -> None:
    field = getattr(form, FIELD_OF.get(error.code, "title_ja"))
    field.errors = [*field.errors, operations.error_text(error)]


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("seminar.manage")
def create():
    form = SeminarForm()
    if form.validate_on_submit():
        try:
            seminar = operations.create_seminar(form.seminar_data(), current_user)
        except operations.SeminarError as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("The seminar was scheduled. It is listed for its audience now and takes sign-ups during its "
                    "sign-up window."), "success")
            return redirect(url_for("staff_seminars.show", seminar_id=seminar.id))
    return render_template("seminars/staff_form.html", form=form, seminar=None), form.status_code


@bp.get("/<int:seminar_id>")
@access("seminar.manage")
def show(seminar_id: int):
    """The seminar and its attendee list: confirmed, waiting (in order) and cancelled sign-ups."""
    seminar = _seminar(seminar_id)
    now = utcnow()
    signups = queries.signups_of(seminar.id)
    groups = {state: [s for s in signups if s.state == state] for state in SignupState}
    return render_template(
        "seminars/staff_show.html", seminar=seminar, groups=groups, now=now, locale=current_locale(),
        numbers=queries.registration_numbers(sorted({s.organisation_id for s in signups})),
        status=presentation.signup_status(seminar, now),
        attendance_open=not seminar.cancelled and jst(now).date() >= jst(seminar.starts_at).date())


@bp.route("/<int:seminar_id>/edit", methods=["GET", "POST"])
@form_view
@access("seminar.manage")
def edit(seminar_id: int):
    seminar = _seminar(seminar_id)
    back = redirect(url_for("staff_seminars.show", seminar_id=seminar.id))
    if seminar.cancelled:
        flash(operations.error_text(operations.SeminarError("cancelled")), "error")
        return back
    form = SeminarForm(creating=False, original=seminar) if request.method == "POST" else SeminarForm.of(seminar)
    if request.method == "POST" and form.validate_on_submit():
        try:
            changes = operations.update_seminar(seminar, form.seminar_data(), current_user,
                                                version=form.loaded_version)
        except operations.SeminarError as error:
            db.session.rollback()
            if error.code == "changed":
                flash(operations.error_text(error), "error")
                form = SeminarForm.of(_seminar(seminar_id))
            elif error.code == "cancelled":
                flash(operations.error_text(error), "error")
                return back
            else:
                _refused(form, error)
        else:
            db.session.commit()
            if not changes:
                flash(_("Nothing was changed."), "info")
            elif any(field in changes for field in operations.TIME_AND_PLACE):
                flash(_("The seminar was saved. Everyone signed up was told the new time or place by e-mail."),
                      "success")
            else:
                flash(_("The seminar was saved."), "success")
            return back
    return render_template("seminars/staff_form.html", form=form, seminar=seminar), form.status_code


@bp.route("/<int:seminar_id>/cancel", methods=["GET", "POST"])
@form_view
@access("seminar.manage")
def cancel(seminar_id: int):
    """Cancel the seminar, with the reason everyone signed up is mailed."""
    seminar = _seminar(seminar_id)
    back = redirect(url_for("staff_seminars.show", seminar_id=seminar.id))
    if seminar.cancelled or seminar.ended(utcnow()):
        flash(operations.error_text(operations.SeminarError("cancelled" if seminar.cancelled else "ended")), "error")
        return back
    form = CancelSeminarForm()
    if form.validate_on_submit():
        try:
            told = operations.cancel_seminar(seminar, current_user, form.reason.data)
        except operations.SeminarError as error:
            db.session.rollback()
            flash(operations.error_text(error), "error")
        else:
            db.session.commit()
            flash(ngettext("The seminar was cancelled. %(num)s organisation signed up was told by e-mail.",
                           "The seminar was cancelled. %(num)s organisations signed up were told by e-mail.", told),
                  "success")
        return back
    live = [s for s in queries.signups_of(seminar.id) if s.live]
    return render_template("seminars/staff_cancel.html", seminar=seminar, form=form, told=len(live),
                           locale=current_locale()), form.status_code


@bp.route("/<int:seminar_id>/attendance", methods=["GET", "POST"])
@form_view
@access("seminar.manage")
def attendance(seminar_id: int):
    """Mark who came: a box per attendee of the confirmed sign-ups."""
    seminar = _seminar(seminar_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        present = {whole_number(value) for value in request.form.getlist("attended")} - {None}
        try:
            marked = operations.mark_attendance(seminar, present, current_user)
        except operations.SeminarError as error:
            db.session.rollback()
            flash(operations.error_text(error), "error")
        else:
            db.session.commit()
            flash(_("Attendance saved: %(attended)s present, %(absent)s absent.", attended=marked.attended,
                    absent=marked.absent), "success")
            return redirect(url_for("staff_seminars.show", seminar_id=seminar.id))
    now = utcnow()
    confirmed = [s for s in queries.signups_of(seminar.id) if s.state == SignupState.CONFIRMED]
    return render_template("seminars/staff_attendance.html", seminar=seminar, signups=confirmed, form=form,
                           locale=current_locale(),
                           attendance_open=not seminar.cancelled and jst(now).date() >= jst(seminar.starts_at).date()
                           ), form.status_code


def _export_columns() -> list[tuple[str, str]]:
    return [("state", _("Sign-up")), ("position", _("Place on the waiting list")),
            ("organisation", _("Organisation name")), ("registration", _("Registration number")),
            ("seat", _("Seat")), ("attendee", _("Attendee")), ("seats", _("Seats booked")),
            ("contact", _("Contact person")), ("contact_email", _("Contact e-mail")), ("phone", _("Phone")),
            ("signed_up_at", _("Signed up at (JST)")), ("attended", _("Attended"))]


@bp.get("/<int:seminar_id>/attendees.<any(csv, xlsx):fmt>")
@access("seminar.manage")
def export(seminar_id: int, fmt: str):
    """The attendee list, one row per seat (confirmed, then the waiting list in order), as CSV or
    XLSX: one query; the labels are translated here (a CSV's rows are read after the view)."""
    seminar = _seminar(seminar_id)
    states = {state.value: state.title for state in SignupState}
    marks = {True: _("Yes"), False: _("No"), None: ""}

    def convert(row) -> dict:
        return {"state": states.get(row.state, row.state),
                "position": row.position if row.state == SignupState.WAITLISTED else None,
                "organisation": row.organisation, "registration": row.registration or "",
                "seat": row.seat, "attendee": row.attendee, "seats": row.seats, "contact": row.contact or "",
                "contact_email": row.contact_email or "", "phone": row.phone or "", "signed_up_at": row.created_at,
                "attended": marks[row.attended]}

    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("seminar-%(id)s-attendees-%(stamp)s", id=seminar.id, stamp=stamp), _export_columns(),
                           query_rows(queries.attendee_rows(seminar.id), convert), fmt)


@bp.get("/<int:seminar_id>/attendance-sheet.pdf")
@access("seminar.manage")
def sheet(seminar_id: int):
    """出席簿 — the printable attendance sheet of the confirmed attendees."""
    seminar = _seminar(seminar_id)
    signups = queries.signups_of(seminar.id)
    data = documents.sheet_data(seminar, signups,
                                queries.registration_numbers(sorted({s.organisation_id for s in signups})))
    response = send_file(io.BytesIO(documents.attendance_sheet(data)), mimetype="application/pdf",
                         as_attachment=True, download_name=f"出席簿_seminar-{seminar.id}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
