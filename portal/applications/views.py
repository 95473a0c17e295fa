"""The applicant's side: start, fill the steps in any order, attach files, submit, follow
the status, withdraw. Views parse, ask permissions, call one operation, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal.applications import files, messages, not_applicable, operations
from portal.applications.checklist import load_checklist
from portal.applications.content import AREAS, DECLARATIONS, steps_for
from portal.applications.forms import (ActionsForm, AttachmentForm, DeclarationsForm, PartnersForm,
                                       StartForm, SubmitForm, VisionForm, WithdrawForm, actions_to_content,
                                       checklist_form, checklist_to_content, offered_not_applicable, report_form,
                                       report_to_content, show_refusals)
from portal.applications.models import Application, ApplicationRevision, Attachment
from portal.applications.workflow import EDITABLE
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.files import send_stored
from portal.core.forms import restore_input
from portal.core.i18n import current_locale
from portal.core.permissions import access, may, require
from portal.core.reference.sdgs import GOALS
from portal.core.security import form_view
from portal.organisations import operations as organisation_operations
from portal.organisations.forms import OrganisationForm, profile_refusal
from portal.registrations.lock import locking_registration
from portal.partners.models import PartnerInstitution
from portal.selfcheck import answers as selfcheck_answers

bp = Blueprint("applications", __name__, url_prefix="/applications")


def _application(application_id: int, rule: str = "application.view") -> Application:
    application = db.get_or_404(Application, application_id)
    require(rule, application)
    return application


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("organisation.member")
def start():
    organisation = current_user.organisation
    cohorts = db.session.scalars(select(Cohort).where(Cohort.state.in_(("planned", "open"))).order_by(Cohort.number)).all()
    form = StartForm()
    form.cohort_id.choices = [SelectChoice(c.id, c.title) for c in cohorts]
    if form.validate_on_submit():
        cohort = next(c for c in cohorts if c.id == form.cohort_id.data)
        try:
            application = operations.start_application(organisation, cohort, current_user)
        except operations.ApplicationError as error:
            flash(messages.error_text(error), "info")
            if error.code == "exists":
                return redirect(url_for("applications.status", application_id=error.details["application_id"]))
            return redirect(url_for("applications.start"))
        selfcheck_answers.carry_into(application, current_user)
        db.session.commit()
        return redirect(url_for("applications.step", application_id=application.id, step="profile"))
    return render_template("applications/start.html", form=form, cohorts=cohorts), form.status_code


@bp.get("/<int:application_id>")
@access("signed_in")
def status(application_id: int):
    application = _application(application_id)
    return render_template("applications/status.html", application=application, steps=steps_for(application.kind.value),
                           timeline=messages.timeline(application), missing=operations.missing(application)
                           if application.state in EDITABLE else [])


def _next_step(application: Application, step: str) -> str:
    ids = [s.id for s in steps_for(application.kind.value)]
    return ids[min(ids.index(step) + 1, len(ids) - 1)]


@bp.route("/<int:application_id>/steps/<step>", methods=["GET", "POST"])
@form_view
@access("signed_in")
def step(application_id: int, step: str):
    application = _application(application_id)
    if step not in {s.id for s in steps_for(application.kind.value)}:
        abort(404)
    editable = may(current_user, "application.edit", application)
    if request.method == "POST" and not editable:
        abort(409 if may(current_user, "application.view", application) else 404)
    handler = STEP_HANDLERS[step]
    form, context = handler(application, editable)
    rearranging = {"add_action", "remove_action", "move_action", "lookup"} & set(request.form)
    if form is not None and request.method == "POST" and not rearranging and form.validate_on_submit():
        # (Adding, removing or moving a row, or looking up the address, shows the form again unsaved.)
        try:
            context["save"]()
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("Someone else saved this application meanwhile. Please check the page and save again."), "error")
            return redirect(request.path)
        except organisation_operations.OrganisationError as error:  # the profile step's refusals
            db.session.rollback()
            flash(profile_refusal(error), "error")
        else:
            flash(_("Saved."), "success")
            target = _next_step(application, step) if request.form.get("go") == "next" else step
            return redirect(url_for("applications.step", application_id=application.id, step=target))
    return render_template(f"applications/steps/{step}.html", application=application, step=step, form=form,
                           editable=editable, steps=steps_for(application.kind.value),
                           note=(application.return_notes or {}).get(step) if application.state == "returned" else None,
                           **context), form.status_code if form is not None else 200


def _profile(application, editable):
    organisation = application.organisation
    kept = restore_input() if request.method == "GET" else None
    form = OrganisationForm(formdata=kept) if kept is not None else OrganisationForm(obj=organisation)
    # A live registration (a renewal's, say) locks the certified details: only a 変更届 changes them.
    locked = locking_registration(organisation)
    if locked is not None:
        form.lock_certified(organisation)
    filled = (request.method == "POST" and "lookup" in request.form and locked is None
              and form.fill_address_from_postal_code())
    return form, {"address_filled": filled, "locked": locked, "save": lambda: organisation_operations.update_organisation(
        organisation, form.profile_data(), current_user)}


def _vision(application, editable):
    form = VisionForm(data={"vision": application.section("vision") or ""})
    return form, {"save": lambda: operations.save_section(application, "vision", form.vision.data, current_user)}


def _actions(application, editable):
    stored = application.section("actions") or []
    if request.method == "POST":
        form = ActionsForm()
        if request.form.get("add_action") and len(form.actions.entries) < form.actions.max_entries:
            form.actions.append_entry({"area": request.form["add_action"]})
        removed = request.form.get("remove_action")
        if removed is not None and removed.isdigit() and int(removed) < len(form.actions.entries):
            _remove_entry(form.actions, int(removed))
        moved, _, direction = (request.form.get("move_action") or "").partition(":")
        if moved.isdigit() and direction in ("up", "down"):
            _move_entry(form.actions, int(moved), -1 if direction == "up" else 1)
    else:
        form = ActionsForm(data={"actions": stored})
        if not stored:
            for area in ("economy", "society", "environment"):
                form.actions.append_entry({"area": area})
    return form, {"goals": GOALS, "areas": AREAS,
                  "save": lambda: operations.save_section(application, "actions", actions_to_content(form),
                                                          current_user)}


def _move_entry(field_list, index: int, offset: int) -> None:
    """Swap row `index` with its neighbour (a key action keeps its key wherever it stands)."""
    rows = [entry.form.data for entry in field_list.entries]
    other = index + offset
    if not (0 <= index < len(rows) and 0 <= other < len(rows)):
        return
    rows[index], rows[other] = rows[other], rows[index]
    while field_list.entries:
        field_list.pop_entry()
    for data in rows:
        field_list.append_entry(data)


def _remove_entry(field_list, index: int) -> None:
    """Drop row `index` and renumber the rest so that names stay actions-0, actions-1, …"""
    kept = [entry.form.data for i, entry in enumerate(field_list.entries) if i != index]
    while field_list.entries:
        field_list.pop_entry()
    for data in kept:
        field_list.append_entry(data)


def _checklist(application, editable):
    checklist = load_checklist(application.cohort.checklist_version)
    kind = application.organisation.kind.value
    form = checklist_form(checklist, application.section("checklist"),
                          formdata=request.form if request.method == "POST" else None, applicant_kind=kind)
    if request.method == "GET":
        show_refusals(form, checklist.evaluate_answers(application.section("checklist"), kind))
    return form, {"checklist": checklist, "applicant_kind": kind,
                  "offered": lambda: offered_not_applicable(form, checklist, kind),
                  "save": lambda: operations.save_section(
                      application, "checklist", checklist_to_content(form, checklist), current_user)}


def _report(application, editable):
    from portal.applications.renewal import is_action, key_action_results

    commitments = application.section("commitments") or []
    form = report_form(commitments, application.section("report"),
                       formdata=request.form if request.method == "POST" else None)
    return form, {"commitments": commitments, "areas": AREAS,
                  "results": key_action_results(application.content or {}, application.registration_id),
                  "challenge": [c for c in commitments if not is_action(c)],
                  "save": lambda: operations.save_section(
                      application, "report", report_to_content(form, commitments), current_user)}


def _declarations(application, editable):
    form = DeclarationsForm(data=application.section("declarations") or {})
    return form, {"save": lambda: operations.save_section(
        application, "declarations", {key: bool(form[key].data) for key in DECLARATIONS}, current_user)}


def _partners(application, editable):
    institutions = db.session.scalars(select(PartnerInstitution).order_by(PartnerInstitution.id)).all()
    stored = application.section("partners") or {}
    if editable:
        # What the organisation consents to now (it may have withdrawn or added consents from its
        # page since this step was saved): saving this step must not silently undo either.
        from portal.partners.operations import live_consents

        live = [c.institution_id for c in live_consents(application.organisation_id)]
        if live or stored.get("consent"):
            stored = {"institutions": live, "consent": bool(live)}
    form = PartnersForm(data={"institutions": stored.get("institutions", []), "consent": stored.get("consent", False)})
    form.institutions.choices = [SelectChoice(i.id, i.name(current_locale())) for i in institutions]

    def save():
        chosen = sorted(form.institutions.data or [])
        operations.save_section(application, "partners", {"institutions": chosen, "consent": form.consent.data},
                                current_user)
        from portal.partners import operations as partner_operations

        partner_operations.set_consents(application.organisation, set(chosen) if form.consent.data else set(),
                                        current_user, application)

    return form, {"save": save}


def _attachments(application, editable):
    return None, {"upload_form": AttachmentForm()}


def _confirm(application, editable):
    checklist = load_checklist(application.cohort.checklist_version)
    institutions = db.session.scalars(select(PartnerInstitution).order_by(PartnerInstitution.id)).all()
    from portal.applications.renewal import renewal_report

    return None, {"missing": operations.missing(application), "checklist": checklist, "areas": AREAS,
                  "renewal": renewal_report(application, application.content or {}),
                  "declarations": DECLARATIONS, "institutions": institutions, "submit_form": SubmitForm(),
                  "applicant_kind": application.organisation.kind.value}


STEP_HANDLERS = {
    "profile": _profile, "vision": _vision, "actions": _actions, "checklist": _checklist, "report": _report,
    "declarations": _declarations, "partners": _partners, "attachments": _attachments, "confirm": _confirm,
}


@bp.post("/<int:application_id>/attachments")
@form_view
@access("signed_in")
def upload(application_id: int):
    application = _application(application_id, "application.edit")
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            operations.add_attachment(application, form.file.data, current_user)
        except operations.ApplicationError as error:
            db.session.rollback()
            form.file.errors.append(messages.error_text(error))
        else:
            db.session.commit()
            flash(_("The file was added."), "success")
            return redirect(url_for("applications.step", application_id=application.id, step="attachments"))
    return render_template("applications/steps/attachments.html", application=application, step="attachments",
                           form=None, upload_form=form, editable=True, steps=steps_for(application.kind.value),
                           note=None), 400


@bp.post("/<int:application_id>/attachments/<int:attachment_id>/remove")
@access("signed_in")
def remove_upload(application_id: int, attachment_id: int):
    application = _application(application_id, "application.edit")
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or attachment.removed_at:
        abort(404)
    operations.remove_attachment(application, attachment, current_user)
    db.session.commit()
    flash(_("The file was removed."), "success")
    return redirect(url_for("applications.step", application_id=application.id, step="attachments"))


@bp.get("/<int:application_id>/attachments/<int:attachment_id>")
@access("signed_in")
def download(application_id: int, attachment_id: int):
    application = _application(application_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return send_stored(files.path_of(attachment.stored_name), mimetype=attachment.content_type,
                       as_attachment=True, download_name=attachment.original_name)


@bp.post("/<int:application_id>/submit")
@form_view
@access("signed_in")
def submit(application_id: int):
    application = _application(application_id)
    if not may(current_user, "application.submit", application):
        if not may(current_user, "organisation.edit", application.organisation):
            abort(404)  # staff and strangers: nothing to submit here
        # A second click, or a colleague was quicker: say so instead of failing.
        flash(messages.error_text(operations.ApplicationError("not_submittable")), "info")
        return redirect(url_for("applications.status", application_id=application.id))
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            revision = operations.submit_application(application, current_user)
        except operations.ApplicationError as error:
            db.session.rollback()
            flash(messages.error_text(error), "error")
        else:
            db.session.commit()
            flash(_("Your application was submitted (revision %(number)s). A confirmation mail is on its way.",
                    number=revision.number), "success")
            return redirect(url_for("applications.status", application_id=application.id))
    else:
        flash(_("The page had expired. Please submit again."), "error")
    return redirect(url_for("applications.step", application_id=application.id, step="confirm"))


@bp.get("/<int:application_id>/revisions/<int:number>")
@access("signed_in")
def revision(application_id: int, number: int):
    application = _application(application_id)
    frozen = _revision(application, number)
    from portal.applications.renewal import renewal_report

    return render_template("applications/revision.html", application=application, revision=frozen, areas=AREAS,
                           checklist=load_checklist(frozen.content["checklist_version"]),
                           renewal=renewal_report(application, frozen.content))


@bp.get("/<int:application_id>/revisions/<int:number>/copy.pdf")
@access("signed_in")
def copy_pdf(application_id: int, number: int):
    from portal.applications.documents import application_copy

    application = _application(application_id)
    pdf = application_copy(application, _revision(application, number))
    return send_file(pdf, mimetype="application/pdf", as_attachment=True,
                     download_name=f"application-{application.id}-r{number}.pdf")


def _revision(application: Application, number: int) -> ApplicationRevision:
    found = db.session.scalar(select(ApplicationRevision).where(
        ApplicationRevision.application_id == application.id, ApplicationRevision.number == number))
    return found or abort(404)


@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@form_view
@access("signed_in")
def withdraw(application_id: int):
    application = _application(application_id, "application.withdraw")
    form = WithdrawForm()
    if form.validate_on_submit():
        operations.withdraw_application(application, current_user, form.reason.data or "")
        db.session.commit()
        flash(_("The application was withdrawn."), "success")
        return redirect(url_for("applications.status", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form), form.status_code



@bp.route("/renew/<int:registration_id>", methods=["GET", "POST"])
@form_view
@access("signed_in")
def renew(registration_id: int):
    from portal.registrations.models import Registration

    registration = db.get_or_404(Registration, registration_id)
    require("registration.renew", registration)
    cohorts = db.session.scalars(select(Cohort).where(Cohort.state.in_(("planned", "open")),
                                                      Cohort.number > registration.cohort.number)
                                 .order_by(Cohort.number)).all()
    form = StartForm()
    form.cohort_id.choices = [SelectChoice(c.id, c.title) for c in cohorts]
    if form.validate_on_submit():
        cohort = next(c for c in cohorts if c.id == form.cohort_id.data)
        try:
            application = operations.start_renewal(registration, cohort, current_user)
        except operations.ApplicationError as error:
            flash(messages.error_text(error), "error")
        else:
            db.session.commit()
            return redirect(url_for("applications.step", application_id=application.id, step="report"))
    return render_template("applications/start.html", form=form, cohorts=cohorts, renewal=registration), \
        form.status_code


@bp.app_template_global("not_applicable_hint")
def not_applicable_hint(item, with_kinds: bool = True) -> str:
    """When a checklist item may be 「該当なし」 (templates/macros/checklist.html)."""
    return not_applicable.hint(item, with_kinds)


@bp.app_template_global("not_applicable_refusal")
def not_applicable_refusal(refusal) -> str:
    """Why a 該当なし is not accepted, naming its item."""
    return not_applicable.refusal_text(refusal.item, refusal.code)
