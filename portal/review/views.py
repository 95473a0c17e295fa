"""Staff review views: the queue, the review page and the review actions.

Reviewers and the secretariat (rule "staff"); every application is checked with
`require("application.review", …)`, so a draft answers 404. Each action posts the
application's `version` as it was shown: a page gone stale is refused ("changed meanwhile"),
and so is a commit that loses the race (StaleDataError). Views parse, ask, call one
operation, commit, flash.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, defer, lazyload, load_only, raiseload
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.applications import messages, operations
from portal.applications.checklist import load_checklist
from portal.applications.content import AREAS, DECLARATIONS, steps_for
from portal.applications.models import Application, ApplicationRevision
from portal.applications.renewal import renewal_report
from portal.applications.workflow import ApplicationState
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.generations import REVIEW, STAFF
from portal.core.i18n import current_locale, today_jst
from portal.core.page_cache import cached_page
from portal.core.paging import Page, requested_page
from portal.core.permissions import access, may, require
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import MUNICIPALITIES
from portal.core.roles import Role
from portal.core.security import form_view
from portal.review.diff import revision_diff
from portal.review import operations as desk
from portal.review.forms import (
    AssignForm,
    BulkAssignForm,
    ExternalCheckForm,
    RejectForm,
    RejectionReasonForm,
    VersionForm,
    return_form,
    reviewer_choices,
    unique_ids,
)
from portal.review.panels import panels, return_defaults
from portal.review.queue import (
    ACTIONABLE,
    ACTIONABLE_STATES,
    QUEUE_STATES,
    active_filters,
    cohort_id,
    queue_args,
    queue_page,
    state_counts,
)
from portal.review.timeline import staff_timeline

bp = Blueprint("review", __name__, url_prefix="/staff/review")


@bp.app_template_global("unique_ids")
def _unique_ids(form, prefix: str):
    """For forms the review page gets from elsewhere (the move to a later cohort)."""
    return unique_ids(form, prefix)

PAGE_SIZE = 50
S = ApplicationState

EXTERNAL_CHECK_ERRORS = {
    "not_checkable": _l("Checks can be recorded only while the application is being reviewed or decided on."),
    "future": _l("The date of the check cannot be in the future."),
    "note_too_long": _l("The note can be at most 1000 characters."),
}


def _stale_text() -> str:
    return _("This application was changed by someone else meanwhile. Please reload the page and check it "
             "before acting again.")


# --- the queue -----------------------------------------------------------------------------

@bp.get("/")
@access("staff")
def queue():
    """Kept per reviewer under the review area's generation: each row's offers depend on who
    asks, the rest on the applications, their organisations, the staff and the cohorts."""
    return cached_page("review/queue.html", areas=(REVIEW,), vary=(current_user.id,), build=_queue_page)


def _queue_page() -> dict[str, Any]:
    args = queue_args(request.args)
    staff = _staff()
    query = (select(Application)
             .join(Application.organisation)
             .options(contains_eager(Application.organisation), defer(Application.content, raiseload=True),
                      defer(Application.return_notes, raiseload=True),
                      defer(Application.verification, raiseload=True), raiseload(Application.attachments),
                      raiseload(Application.revisions)))
    number = requested_page()
    counts = state_counts(args)
    items, total = queue_page(query, args, current_user, number, PAGE_SIZE, counts)
    page = Page(items, number, PAGE_SIZE, total)

    cohort = cohort_id(args)
    # "Mine", "unassigned" and everyone's: one click each, keeping the other filters.
    filters = active_filters(args)
    tabs = [(value, title, url_for("review.queue", **{**filters, "reviewer": value}))
            for value, title in (("", _("Everyone's")), ("mine", _("Mine")), ("unassigned", _("Unassigned")))]

    reviewers = {u.id: u for u in staff}
    missing = {a.reviewer_id for a in page.items if a.reviewer_id and a.reviewer_id not in reviewers}
    if missing:  # a reviewer who is no longer staff: still named
        reviewers.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))})

    bulk_form = None
    if may(current_user, "application.assign"):
        bulk_form = BulkAssignForm()
        bulk_form.reviewer_id.choices = reviewer_choices([u for u in staff if u.active], placeholder=True)
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.number.desc())).all()
    locale = current_locale()
    return dict(
        page=page, args=args, counts=counts, states=QUEUE_STATES, cohorts=cohorts,
        staff=[u for u in staff if u.active], reviewers=reviewers, bulk_form=bulk_form,
        municipalities=[(m.code, m.name(locale)) for m in MUNICIPALITIES],
        industries=[(i.code, i.name(locale)) for i in INDUSTRIES],
        export_args=filters, tabs=tabs, actionable=ACTIONABLE, actionable_states=ACTIONABLE_STATES,
        cohort=db.session.get(Cohort, cohort) if cohort else None, back=request.full_path.rstrip("?"))


def _staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_((Role.REVIEWER, Role.SECRETARIAT)))
                                   .order_by(User.name, User.id)))


@bp.post("/assign")
@form_view
@access("application.assign")
def assign_many():
    """The secretariat assigns the checked applications (each as its row showed it) to one person."""
    form = BulkAssignForm()
    staff = [u for u in _staff() if u.active]
    form.reviewer_id.choices = reviewer_choices(staff, placeholder=True)
    back = _back(url_for("review.queue"))
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    reviewer = next((u for u in staff if u.id == form.reviewer_id.data), None)
    selected = form.selected()
    applications = db.session.scalars(select(Application).where(Application.id.in_(selected))).all()
    done, refused = 0, []
    for application in applications:
        if not may(current_user, "application.review", application):
            continue
        if application.version != selected[application.id]:
            refused.append(_("%(name)s: changed meanwhile, reload the page.", name=application.organisation.name))
            continue
        try:
            done += operations.assign_reviewer(application, reviewer, current_user)
        except operations.ApplicationError as error:
            refused.append(_("%(name)s: %(reason)s", name=application.organisation.name,
                             reason=messages.error_text(error)))
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_stale_text(), "error")
        return redirect(back)
    if done:
        flash(ngettext("%(num)s application was assigned.", "%(num)s applications were assigned.", done), "success")
    elif not refused:
        flash(_("Nothing was changed: the applications already had this reviewer."), "info")
    for text in refused:
        flash(text, "error")
    return redirect(back)


def _flash_form_errors(form) -> None:
    if form.csrf_failed:
        flash(_("The page had expired. Please try again."), "error")
        return
    for _field, message in form.error_list():
        flash(message, "error")


def _back(default: str) -> str:
    """Where to go after an action: the page it was sent from (a review page or the queue with
    its filters), never anywhere outside the review pages."""
    target = request.form.get("back") or ""
    prefix = url_for("review.queue")
    if target.startswith(prefix) and not target.startswith("//") and "\\" not in target:
        return target
    return default


# --- the review page -----------------------------------------------------------------------

def _reviewable(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    require("application.review", application)
    return application


@bp.get("/<int:application_id>")
@access("staff")
def show(application_id: int):
    """Kept per reviewer under the staff generation (the page gathers from every part of the
    register); the permission is checked on every request, on the application's state alone
    (its content and relations are read only when the page is made)."""
    checked = db.session.scalars(select(Application).where(Application.id == application_id)
                                 .options(load_only(Application.id, Application.state), lazyload("*"))).first()
    if checked is None:
        abort(404)
    require("application.review", checked)

    def build():
        application = db.session.scalars(select(Application).where(Application.id == application_id)
                                         .execution_options(populate_existing=True)).one()
        return _desk(application)

    return cached_page("review/show.html", areas=(STAFF,), vary=(current_user.id, application_id), build=build)


def _render(application: Application, status: int = 200, **forms):
    return render_template("review/show.html", **_desk(application, **forms)), status


def _desk(application: Application, **forms) -> dict[str, Any]:
    revisions = db.session.scalars(
        select(ApplicationRevision).where(ApplicationRevision.application_id == application.id)
        .order_by(ApplicationRevision.number.desc()).limit(2)).all()
    revision = revisions[0] if revisions else None
    previous = revisions[1] if len(revisions) > 1 else None
    content = revision.content if revision else dict(application.content or {})
    checklist = load_checklist(content.get("checklist_version") or application.cohort.checklist_version)
    locale = current_locale()
    history = db.session.scalars(select(Application).where(
        Application.organisation_id == application.organisation_id, Application.id != application.id)
        .order_by(Application.id.desc())).all()
    from portal.registrations.models import Registration

    registrations = db.session.scalars(select(Registration).where(
        Registration.organisation_id == application.organisation_id).order_by(Registration.id.desc())).all()
    steps = steps_for(application.kind.value)
    staff = [u for u in _staff() if u.active] if may(current_user, "application.assign", application) else []
    reviewer = db.session.get(User, application.reviewer_id) if application.reviewer_id else None
    changes = revision_diff(previous.content, content, checklist, locale) if previous else []
    return dict(
        application=application, revision=revision, previous=previous, c=content,
        checklist=checklist, areas=AREAS, steps=steps, declarations=DECLARATIONS,
        applicant_kind=(content.get("profile") or {}).get("kind") or application.organisation.kind.value,
        changes=changes, changed_in={section.anchor: section for section in changes},
        same_number=desk.same_corporate_number(application, content),
        all_declared=all((content.get("declarations") or {}).get(key) for key in DECLARATIONS),
        external_checks=desk.external_checks(application),
        history=history, registrations=registrations, events=staff_timeline(application), reviewer=reviewer,
        renewal=renewal_report(application, content),
        forms=_action_forms(application, steps, staff, forms), panels=panels(application, forms),
        back=url_for("review.show", application_id=application.id))


def _action_forms(application: Application, steps, staff, given: dict) -> dict[str, Any]:
    """The forms this application's state offers (those passed in keep what was typed)."""
    version = {"version": str(application.version)}
    state = application.state
    forms: dict[str, Any] = {}
    if state == S.SUBMITTED:
        forms["start"] = VersionForm(formdata=None, data=version)
    if state in (S.SUBMITTED, S.UNDER_REVIEW):
        # The items the check marked "needs correction" are offered as the checklist step's note.
        forms["return"] = given.get("return") or return_form(
            steps, formdata=None, data={**version, **return_defaults(application, steps)})
    if state == S.UNDER_REVIEW:
        forms["approve"] = VersionForm(formdata=None, data=version)
        forms["reject"] = given.get("reject") or RejectForm(formdata=None, data=version)
    if state in operations.RECOMMENDED:
        forms["reset"] = VersionForm(formdata=None, data=version)
    if may(current_user, "application.rejection_reason", application):
        forms["rejection_reason"] = given.get("rejection_reason") or RejectionReasonForm(formdata=None, data={
            **version, "reason": application.rejection_reason or "", "message": application.rejection_message or ""})
    if application.state in desk.CHECKABLE:
        forms["external"] = given.get("external") or ExternalCheckForm(formdata=None, data={"checked_on": today_jst()})
    if may(current_user, "application.take", application):
        forms["take"] = VersionForm(formdata=None, data=version)
    if staff:
        assign = given.get("assign") or AssignForm(formdata=None, data={**version,
                                                                         "reviewer_id": application.reviewer_id or 0})
        assign.reviewer_id.choices = reviewer_choices(staff)
        forms["assign"] = assign
    # Several forms share field names ("reason"): each gets ids of its own on the page.
    for key, form in forms.items():
        unique_ids(form, f"{key.replace('_', '-')}-")
    return forms


def _act(application: Application, form, action, success: str, rerender: str | None = None):
    """Check the form and the version shown, call the operation, commit, flash.

    A form with typed text (`rerender`: its key on the page) is shown again with the text kept
    when it does not validate or the page went stale; the others redirect with a message."""
    page = url_for("review.show", application_id=application.id)
    back = _back(page)
    if form.validate_on_submit():
        stale = form.version_number != application.version
    elif not form.csrf_failed and _only_version_errors(form):
        stale = True  # no version, or not a number: not sent from the current page
    elif rerender:
        return _render(application, form.status_code, **{rerender: form})
    else:
        _flash_form_errors(form)
        return redirect(back)
    if stale:
        flash(_stale_text(), "error")
        if rerender:
            form.version.errors = []
            form.version.data = str(application.version)  # the page now shows the current state
            return _render(application, 409, **{rerender: form})
        return redirect(back)
    try:
        action()
        db.session.commit()
    except operations.ApplicationError as error:
        db.session.rollback()
        flash(messages.error_text(error), "error")
        return redirect(back)
    except StaleDataError:
        db.session.rollback()
        flash(_stale_text(), "error")
        return redirect(back)
    flash(success, "success")
    return redirect(back)


def _only_version_errors(form) -> bool:
    return all(f.name == "version" for f, _message in form.error_list())


@bp.post("/<int:application_id>/start")
@form_view
@access("staff")
def start(application_id: int):
    application = _reviewable(application_id)
    return _act(application, VersionForm(), lambda: operations.start_review(application, current_user),
                _("Review started. The applicant now sees “Under review”."))


@bp.post("/<int:application_id>/return", endpoint="return_for_correction")
@form_view
@access("staff")
def return_(application_id: int):
    application = _reviewable(application_id)
    form = return_form(steps_for(application.kind.value))
    return _act(application, form, lambda: operations.return_for_correction(
        application, form.message.data, form.notes(), form.deadline.data, current_user),
        _("The application was returned for correction; the applicant was notified by e-mail."), rerender="return")


@bp.post("/<int:application_id>/approve")
@form_view
@access("staff")
def approve(application_id: int):
    application = _reviewable(application_id)
    return _act(application, VersionForm(), lambda: operations.recommend(application, True, current_user),
                _("Recommended for approval. Nobody is notified until the cohort is decided."))


@bp.post("/<int:application_id>/reject")
@form_view
@access("staff")
def reject(application_id: int):
    application = _reviewable(application_id)
    form = RejectForm()
    return _act(application, form, lambda: operations.recommend(application, False, current_user,
                                                                 form.chosen_reason()),
                _("Recommended for rejection. Nobody is notified until the cohort is decided."), rerender="reject")


@bp.post("/<int:application_id>/rejection-reason")
@form_view
@access("application.rejection_reason")
def rejection_reason(application_id: int):
    application = _reviewable(application_id)
    form = RejectionReasonForm()
    return _act(application, form, lambda: operations.give_rejection_reason(
        application, form.reason.data, form.message.data or "", current_user),
        _("The reason for the applicant was saved. The decision mail will state it."), rerender="rejection_reason")


@bp.post("/<int:application_id>/reset")
@form_view
@access("staff")
def reset(application_id: int):
    application = _reviewable(application_id)
    return _act(application, VersionForm(), lambda: operations.reset_recommendation(application, current_user),
                _("The recommendation was taken back; the application is under review again."))


@bp.post("/<int:application_id>/take")
@form_view
@access("staff")
def take(application_id: int):
    application = _reviewable(application_id)
    return _act(application, VersionForm(), lambda: operations.assign_reviewer(
        application, current_user, current_user, only_if_unassigned=True),
        _("You are now the reviewer of this application."))


@bp.post("/<int:application_id>/assign")
@form_view
@access("application.assign")
def assign(application_id: int):
    application = _reviewable(application_id)
    form = AssignForm()
    staff = [u for u in _staff() if u.active]
    form.reviewer_id.choices = reviewer_choices(staff)
    reviewer = next((u for u in staff if u.id == form.reviewer_id.data), None)
    return _act(application, form, lambda: operations.assign_reviewer(application, reviewer, current_user),
                _("The reviewer was changed."))


@bp.post("/<int:application_id>/external-checks")
@form_view
@access("staff")
def external_check(application_id: int):
    """Record a check made outside the portal (県税, 暴排 照会): when, the result and who."""
    application = _reviewable(application_id)
    form = unique_ids(ExternalCheckForm(), "external-")
    if not form.validate_on_submit():
        return _render(application, form.status_code, external=form)
    try:
        desk.record_external_check(application, form.kind.data, form.checked_on.data, form.result.data,
                                   form.note.data or "", current_user)
        db.session.commit()
    except desk.ExternalCheckError as error:
        db.session.rollback()
        flash(str(EXTERNAL_CHECK_ERRORS.get(error.code, error.code)), "error")
    else:
        flash(_("The check was recorded."), "success")
    return redirect(url_for("review.show", application_id=application.id, _anchor="external-checks"))
