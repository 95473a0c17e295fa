"""More of the staff review (blueprint `review_checks`, under /staff/review like the review
pages): the queue's export, the check of the checklist and the comments.

Reviewers and the secretariat (rule "staff"); each application is checked with
`require("application.review", …)` as on the review page, so a draft answers 404. The check
posts the application's `version` and goes through the review page's `_act` (a stale page is
refused); a comment changes nothing of the application, so it needs no version.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.accounts.models import User
from portal.applications import messages, operations
from portal.applications.models import Application
from portal.applications.workflow import ApplicationState
from portal.cohorts.models import Cohort
from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.i18n import industry_name, jst, municipality_name
from portal.core.permissions import access, may
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import MUNICIPALITIES
from portal.core.security import form_view
from portal.organisations.models import Organisation
from portal.review import views
from portal.review.forms import CommentForm, VersionForm, verification_form
from portal.review.panels import applicant_messages, checklist_of
from portal.review.queue import filtered, queue_args

bp = Blueprint("review_checks", __name__, url_prefix="/staff/review")

# Rows fetched from the database at a time while an export is written.
EXPORT_BATCH = 500


@bp.app_template_global("applicant_messages")
def _applicant_messages(application):
    """For the applicant's status page (templates/review/_applicant_messages.html)."""
    return applicant_messages(application)


# --- the queue's export --------------------------------------------------------------------

def _export_columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Application no.")), ("cohort", _("Cohort")), ("name", _("Name of the organisation")),
        ("kana", _("Name in katakana")), ("corporate_number", _("Corporate number")),
        ("municipality", _("Municipality")), ("in_city", _("Inside Kumamoto City")), ("industry", _("Industry")),
        ("state", _("Status")), ("submitted_at", _("Submitted at (JST)")), ("reviewer", _("Reviewer")),
        ("revisions", _("Revisions")),
    ]


@bp.get("/export.<any(csv, xlsx):fmt>")
@access("staff")
def export(fmt: str):
    """The queue as filtered on the page (the same query-string arguments), every page of it,
    as CSV or XLSX. One query whatever the number of rows: the names come from joins, the
    labels (status, municipality, industry) are looked up in the view, in the user's language."""
    args = queue_args(request.args)
    reviewer = aliased(User)
    query = filtered(
        select(Application.id, Cohort.number.label("cohort"), Organisation.name, Organisation.name_kana,
               Organisation.corporate_number, Organisation.municipality_code, Organisation.in_city,
               Organisation.industry, Application.state, Application.submitted_at,
               reviewer.name.label("reviewer"), Application.revision_count)
        .select_from(Application)
        .join(Application.organisation).join(Application.cohort)
        .outerjoin(reviewer, reviewer.id == Application.reviewer_id), args, current_user)
    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("review-queue-%(stamp)s", stamp=stamp), _export_columns(),
                           query_rows(query, _export_row(), batch=EXPORT_BATCH), fmt)


def _export_row():
    """A row's cells from a result row; every label is translated now (the CSV's rows are read
    after the view has returned, outside the request)."""
    yes, no = _("Yes"), _("No")
    states = {state: state.title for state in ApplicationState}
    municipalities = {m.code: municipality_name(m.code) for m in MUNICIPALITIES}
    industries = {i.code: industry_name(i.code) for i in INDUSTRIES}

    def convert(row) -> dict:
        return {
            "id": row.id, "cohort": row.cohort, "name": row.name, "kana": row.name_kana,
            "corporate_number": row.corporate_number or "",
            "municipality": municipalities.get(row.municipality_code, row.municipality_code or ""),
            "in_city": yes if row.in_city else no, "industry": industries.get(row.industry, row.industry),
            "state": states.get(row.state, row.state), "submitted_at": row.submitted_at,
            "reviewer": row.reviewer or "", "revisions": row.revision_count,
        }

    return convert


# --- the check of the checklist ------------------------------------------------------------

@bp.post("/<int:application_id>/verify")
@form_view
@access("staff")
def verify(application_id: int):
    application = views._reviewable(application_id)
    form = verification_form(checklist_of(application))
    return views._act(application, form, lambda: operations.verify_checklist(application, form.results(), current_user),
                      _("The check of the checklist was saved."), rerender="verify")


# --- comments ------------------------------------------------------------------------------

@bp.post("/<int:application_id>/comments")
@form_view
@access("staff")
def comment(application_id: int):
    application = views._reviewable(application_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return views._render(application, form.status_code, comment=form)
    try:
        operations.add_review_comment(application, current_user, form.comment.data, form.to_applicant)
        db.session.commit()
    except operations.ApplicationError as error:
        db.session.rollback()
        flash(messages.error_text(error), "error")
    else:
        flash(_("The message was sent to the applicant by e-mail and is shown on the application's page.")
              if form.to_applicant else _("The internal comment was saved. The applicant does not see it."),
              "success")
    return redirect(url_for("review.show", application_id=application.id, _anchor="comments"))


# --- moving an undecided application to a later cohort -------------------------------------

class MoveCohortForm(VersionForm):
    """Move the application to a later cohort that is not decided yet (the secretariat)."""

    # Not checked against the choices here: the operation refuses an earlier or decided cohort
    # with a clear message.
    # Ids of their own (the names stay): the review page's rejection form has a field "reason" too,
    # and a label must focus its own field.
    cohort_id = SelectField(_l("Move to cohort"), coerce=int, validate_choice=False, id="move-cohort", validators=[
        InputRequired(message=_l("Choose the cohort to move the application to."))])
    reason = TextAreaField(_l("Reason for the move"), id="move-reason", validators=[
        DataRequired(message=_l("Give the reason for moving the application to another cohort.")),
        Length(max=operations.MOVE_REASON_MAX)],
        description=_l("Recorded in the timeline (staff only). The applicant is told by e-mail that the "
                       "application was moved."),
        render_kw={"rows": 3})


def _later_cohorts(application) -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).where(
        Cohort.number > application.cohort.number, Cohort.state != "decided").order_by(Cohort.number)))


def _move_form(application, formdata=None) -> MoveCohortForm:
    if formdata is None:
        form = MoveCohortForm(formdata=None, data={"version": str(application.version)})
    else:
        form = MoveCohortForm()
    form.cohort_id.choices = [(c.id, _("%(cohort)s (%(state)s)", cohort=c.title, state=c.state.title))
                              for c in _later_cohorts(application)]
    return form


@bp.app_template_global("move_cohort_form")
def _move_cohort_form(application):
    """The review page's form to move the application to a later cohort, or None when the user
    may not move it or it cannot be moved (templates/review/show.html)."""
    if not may(current_user, "application.assign", application):
        return None
    if application.state not in operations.MOVABLE or application.cohort.state == "decided":
        return None
    form = _move_form(application)
    return form if form.cohort_id.choices else None


@bp.post("/<int:application_id>/move")
@form_view
@access("application.assign")
def move_cohort(application_id: int):
    application = views._reviewable(application_id)
    form = _move_form(application, formdata=True)

    def move():
        target = db.session.get(Cohort, form.cohort_id.data) if form.cohort_id.data else None
        if target is None:
            raise operations.ApplicationError("move_not_later")
        operations.move_to_cohort(application, target, current_user, form.reason.data)

    return views._act(application, form, move,
                      _("The application was moved to the later cohort; the applicant was notified by e-mail."))
