"""Registration pages: the public verification page (what the certificate's QR code opens),
the registrant's page with the dated history of its certified details and the certificate (登録証),
withdrawal (辞退) and change notices (変更届) with their supporting documents.

Views parse, ask permissions, call one operation of `portal.registrations.operations`, render."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.files import send_stored
from portal.core.i18n import today_jst
from portal.core.links import external_url
from portal.core.permissions import access, public, require
from portal.core.security import form_view
from portal.registrations import details, documents, operations
from portal.registrations.forms import ChangeNoticeForm, WithdrawRegistrationForm
from portal.registrations.models import ChangeNotice, Registration

bp = Blueprint("registrations", __name__)


@bp.get("/verify/<number>")
@public
def verify(number: str):
    """Anyone (a business partner, a bank, a citizen) checks a registration number."""
    canonical = documents.normalise_number(number)
    registration = canonical and db.session.scalar(select(Registration).where(Registration.number == canonical))
    if not registration:
        return render_template("registrations/not_found.html", number=canonical), 404
    facts = documents.facts(registration, today_jst())
    return render_template("registrations/verify.html", registration=facts,
                           canonical_url=external_url("registrations.verify", number=registration.number))


def _registration(registration_id: int, action: str = "registration.view") -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    require(action, registration)
    return registration


def notices_of(registration: Registration) -> list[ChangeNotice]:
    """The registration's change notices, newest first (one query)."""
    return list(db.session.scalars(select(ChangeNotice).where(ChangeNotice.registration_id == registration.id)
                                   .order_by(ChangeNotice.id.desc())))


@bp.get("/registrations/<int:registration_id>")
@access("signed_in")
def show(registration_id: int):
    """The registrant's own registration (and staff's view of it)."""
    registration = _registration(registration_id)
    verify_url = external_url("registrations.verify", number=registration.number)
    versions = details.history(registration.id)
    return render_template("registrations/show.html",
                           registration=documents.facts(registration, today_jst(), versions),
                           record=registration, verify_url=verify_url,
                           verify_path=url_for("registrations.verify", number=registration.number),
                           qr_code=documents.qr_data_uri(verify_url), notices=notices_of(registration),
                           change_rows=operations.change_rows, versions=versions)


@bp.route("/registrations/<int:registration_id>/withdraw", methods=["GET", "POST"])
@form_view
@access("signed_in")
def withdraw(registration_id: int):
    """辞退 — a member withdraws the registration, after a confirmation."""
    registration = _registration(registration_id, "registration.withdraw")
    form = WithdrawRegistrationForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_registration(registration, current_user, form.reason.data or "")
        except operations.RegistrationError as error:
            db.session.rollback()
            flash(operations.error_text(error), "error")
        else:
            db.session.commit()
            flash(_("The registration was withdrawn. Every member of your organisation was notified by e-mail."),
                  "success")
        return redirect(url_for("registrations.show", registration_id=registration.id))
    return render_template("registrations/withdraw.html", registration=registration, form=form), form.status_code


@bp.route("/registrations/<int:registration_id>/change", methods=["GET", "POST"])
@form_view
@access("signed_in")
def change_notice(registration_id: int):
    """変更届 — a member reports new certified details; nothing changes until the secretariat
    accepts the notice."""
    registration = _registration(registration_id, "registration.change")
    organisation = registration.organisation
    waiting = operations.waiting_notice(registration)
    form = ChangeNoticeForm() if request.method == "POST" else ChangeNoticeForm(obj=organisation)
    problem = None
    if waiting is None and form.validate_on_submit():
        try:
            operations.file_change_notice(registration, current_user, form.values(), form.effective_on.data,
                                          form.document.data, form.note.data or "")
        except operations.RegistrationError as error:
            db.session.rollback()
            field = operations.ERROR_FIELDS.get(error.code)
            if field:
                form[field].errors = [*form[field].errors, operations.error_text(error)]
            else:
                problem = operations.error_text(error)
        else:
            db.session.commit()
            flash(_("Your change notice was filed. Nothing changes until the secretariat accepts it; you will be "
                    "told by e-mail. A confirmation was sent to you."), "success")
            return redirect(url_for("registrations.show", registration_id=registration.id) + "#change-notices")
    status = form.status_code if problem is None and not form.errors else 200
    return render_template("registrations/change_notice.html", registration=registration, form=form,
                           organisation=organisation, problem=problem, waiting=waiting), status


@bp.get("/registrations/<int:registration_id>/notices/<int:notice_id>/document")
@access("signed_in")
def notice_document(registration_id: int, notice_id: int):
    """A change notice's supporting document: the registrant's members and staff."""
    from portal.applications import files

    registration = _registration(registration_id)
    notice = db.session.get(ChangeNotice, notice_id)
    if notice is None or notice.registration_id != registration.id or not notice.document_stored_name:
        abort(404)
    try:
        path = files.path_of(notice.document_stored_name, operations.DOCUMENT_FOLDER)
    except FileNotFoundError:
        abort(404)
    return send_stored(path, mimetype=notice.document_content_type, as_attachment=True,
                       download_name=notice.document_filename or "document")


@bp.get("/registrations/<int:registration_id>/certificate.pdf")
@access("signed_in")
def certificate(registration_id: int):
    """登録証: the cached file (rendered on the first download), its hash as the ETag."""
    found = documents.certificate_source(registration_id)
    if found is None:
        abort(404)
    require("registration.view", found)
    path, digest = documents.certificate_path(found.data)
    return send_stored(path, mimetype="application/pdf", as_attachment=True,
                       download_name=f"熊本県SDGs登録証_{found.data['number']}.pdf", etag=digest)
