"""The registrant's seminar pages: upcoming seminars, one seminar, sign-up (seats and names),
cancellation, the calendar file, and the organisation's attendance history. The list is for
applicants; a seminar or a sign-up that is not the user's to see answers 404 (rules
"seminar.view", "seminar.signup", "signup.view", "signup.cancel").

Views parse, ask permissions, call one operation of `portal.seminars.operations`, commit, flash.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.core import deadlines
from portal.core.db import utcnow
from portal.core.exports import content_disposition
from portal.core.extensions import db
from portal.core.i18n import current_locale
from portal.core.links import external_url
from portal.core.permissions import access, may, require
from portal.core.security import form_view
from portal.seminars import calendar, operations, presentation, queries
from portal.seminars.forms import ConfirmForm, SignupForm
from portal.seminars.models import Seminar, SeminarSignup, SignupState

bp = Blueprint("seminars", __name__, url_prefix="/seminars")

# Refusals that concern what was typed: shown at the field, the form kept.
FORM_ERRORS = {"seats": "seats", "over_limit": "seats", "names": "names"}


@bp.app_template_filter("seminar_time")
def _seminar_time(seminar) -> str:
    return presentation.time_range(seminar.starts_at, seminar.ends_at)


@bp.app_template_global("seminar_status")
def _seminar_status(seminar, now=None) -> str:
    return presentation.status_text(seminar, now or utcnow())


@bp.app_template_global("signup_phase")
def _signup_phase(seminar, now=None) -> str:
    return presentation.signup_status(seminar, now or utcnow())


def _organisation_id() -> int | None:
    return current_user.membership.organisation_id if current_user.membership is not None else None


def _seminar(seminar_id: int, action: str = "seminar.view") -> Seminar:
    seminar = db.get_or_404(Seminar, seminar_id)
    require(action, seminar)
    return seminar


@bp.get("/")
@access("seminar.browse")
def index():
    """Upcoming seminars open to the user's organisation, its sign-ups, and its attendance."""
    now = utcnow()
    organisation_id = _organisation_id()
    listed = queries.upcoming_for(organisation_id, queries.audiences_of(organisation_id), now)
    history = queries.attendance_of([organisation_id], now)[organisation_id] if organisation_id else []
    return render_template("seminars/index.html", signed_up=[item for item in listed if item.signup],
                           others=[item for item in listed if not item.signup], history=history, now=now,
                           locale=current_locale())


@bp.get("/<int:seminar_id>")
@access("signed_in")
def show(seminar_id: int):
    seminar = _seminar(seminar_id)
    now = utcnow()
    organisation_id = _organisation_id()
    signup = queries.live_signup(seminar.id, organisation_id) if organisation_id else None
    return render_template(
        "seminars/show.html", seminar=seminar, signup=signup, position=queries.waitlist_position(signup)
        if signup else None, now=now, status=presentation.signup_status(seminar, now), locale=current_locale(),
        may_sign_up=may(current_user, "seminar.signup", seminar))


def _refusal(seminar: Seminar, organisation_id: int, now) -> operations.SeminarError | None:
    """Why the organisation cannot sign up now, before any form (the operation checks again)."""
    if seminar.cancelled:
        return operations.SeminarError("cancelled")
    if queries.live_signup(seminar.id, organisation_id) is not None:
        return operations.SeminarError("already")
    if now < seminar.signup_opens_at:
        return operations.SeminarError("not_open_yet", date=deadlines.opening(seminar.signup_opens_at))
    if now >= seminar.signup_closes_at:
        return operations.SeminarError("closed")
    return None


@bp.route("/<int:seminar_id>/signup", methods=["GET", "POST"])
@form_view
@access("signed_in")
def signup(seminar_id: int):
    """Sign up: the number of seats and one attendee's name per seat."""
    seminar = _seminar(seminar_id, "seminar.signup")
    back = redirect(url_for("seminars.show", seminar_id=seminar.id))
    refusal = _refusal(seminar, _organisation_id(), utcnow())
    if refusal is not None:
        flash(operations.error_text(refusal), "info" if refusal.code == "already" else "error")
        return back
    form = SignupForm(limit=seminar.seats_per_organisation)
    if request.method == "GET":
        form.seats.data = 1
        form.names[0].data = current_user.name
    if form.validate_on_submit():
        try:
            made = operations.sign_up(seminar, current_user, form.seats.data, form.attendee_names())
        except operations.SeminarError as error:
            db.session.rollback()
            if error.code not in FORM_ERRORS:
                flash(operations.error_text(error), "info" if error.code == "already" else "error")
                return back
            target = getattr(form, FORM_ERRORS[error.code])
            target = target if error.code != "names" else target[0]
            target.errors = [*target.errors, operations.error_text(error)]
        except IntegrityError:  # the same organisation, signing up twice at the same moment
            db.session.rollback()
            flash(operations.error_text(operations.SeminarError("already")), "info")
            return back
        else:
            confirmed = made.state == SignupState.CONFIRMED
            position = queries.waitlist_position(made)
            db.session.commit()
            if confirmed:
                flash(_("Your seats are confirmed. A confirmation with a calendar file was sent to you by e-mail."),
                      "success")
            else:
                flash(_("Not enough seats are free, so your organisation is number %(position)s on the waiting "
                        "list. If seats become free you get them automatically, and an e-mail.", position=position),
                      "success")
            return back
    return render_template("seminars/signup.html", seminar=seminar, form=form, locale=current_locale(),
                           now=utcnow()), form.status_code


def _signup(signup_id: int, action: str) -> SeminarSignup:
    found = db.get_or_404(SeminarSignup, signup_id)
    require(action, found)
    return found


@bp.route("/signups/<int:signup_id>/cancel", methods=["GET", "POST"])
@form_view
@access("signed_in")
def cancel(signup_id: int):
    """Cancel the organisation's sign-up, after a confirmation."""
    signup = _signup(signup_id, "signup.cancel")
    seminar = signup.seminar
    back = redirect(url_for("seminars.show", seminar_id=seminar.id))
    if signup.state == SignupState.CANCELLED:
        flash(operations.error_text(operations.SeminarError("signup_cancelled")), "info")
        return back
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            promoted = operations.cancel_signup(signup, current_user)
        except operations.SeminarError as error:
            db.session.rollback()
            flash(operations.error_text(error), "error")
        else:
            db.session.commit()
            flash(_("Your sign-up was cancelled. Thank you for telling us: the seats go to the waiting list.")
                  if promoted else _("Your sign-up was cancelled."), "success")
        return back
    return render_template("seminars/cancel_signup.html", seminar=seminar, signup=signup, form=form,
                           position=queries.waitlist_position(signup), locale=current_locale()), form.status_code


@bp.get("/signups/<int:signup_id>/calendar.ics")
@access("signed_in")
def calendar_file(signup_id: int):
    """The seminar as a calendar file, for a confirmed sign-up (with the online link)."""
    signup = _signup(signup_id, "signup.view")
    seminar = signup.seminar
    if signup.state != SignupState.CONFIRMED or seminar.cancelled:
        abort(404)
    data = calendar.seminar_ics(seminar, current_locale(), external_url("seminars.show", seminar_id=seminar.id),
                                online_url=seminar.online_url)
    response = Response(data, mimetype=calendar.CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition(calendar.filename(seminar))
    response.headers["Cache-Control"] = "private, no-store"
    return response
