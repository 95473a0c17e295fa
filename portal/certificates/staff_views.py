"""The secretariat's certificate pages: who issues the certificates (title, name, seal) and the
ceremony prints of decided cohorts (queued here, made by `flask registrations run-jobs`)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.certificates import operations, seal
from portal.certificates.forms import CeremonyPrintForm, IssuerForm
from portal.certificates.issuer import DEFAULT_TITLE, settings
from portal.certificates.models import CeremonyPrint, PrintState
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.exports import content_disposition
from portal.core.files import send_stored
from portal.core.permissions import access
from portal.core.security import form_view

bp = Blueprint("staff_certificates", __name__, url_prefix="/staff/certificates")

SEAL_FIELD_ERRORS = ("seal_empty", "seal_size", "seal_type", "seal_image")


@bp.route("/issuer", methods=["GET", "POST"])
@form_view
@access("certificates.manage")
def issuer():
    """Title, name and seal printed on every certificate; a change makes new certificates."""
    row = settings()
    form = IssuerForm(obj=row) if row is not None else IssuerForm(data={"title": DEFAULT_TITLE})
    if form.validate_on_submit():
        upload = form.seal.data if form.seal.data and getattr(form.seal.data, "filename", "") else None
        try:
            operations.set_issuer(current_user, form.title.data, form.name.data,
                                  upload.stream if upload else None, form.remove_seal.data)
        except operations.CertificateError as error:
            db.session.rollback()
            target = form.seal if error.code in SEAL_FIELD_ERRORS else form[error.code]
            target.errors = [*target.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("The issuer was saved. Certificates downloaded from now on carry it."), "success")
            return redirect(url_for("staff_certificates.issuer"))
        row = settings()
    return render_template("certificates/staff_issuer.html", form=form, row=row), form.status_code


@bp.get("/issuer/seal")
@access("certificates.manage")
def seal_image():
    row = settings()
    if row is None or not row.seal_stored:
        abort(404)
    try:
        path = seal.path_of(row.seal_stored)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_stored(path, mimetype=row.seal_type)
    # An SVG opened on its own is a document: it may draw, never run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.post("/cohorts/<int:cohort_id>/ceremony-print")
@form_view
@access("certificates.manage")
def queue_print(cohort_id: int):
    """Queue the ceremony print; the page of prints shows its progress."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = CeremonyPrintForm()
    if not form.validate_on_submit():
        flash(_("The page had been open too long: please press the button again."), "error")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id) + "#ceremony-print")
    try:
        job = operations.queue_ceremony_print(cohort, current_user, frame=not form.no_frame.data)
    except operations.CertificateError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    db.session.commit()
    flash(_("The ceremony print was queued. This page shows its progress; download it when it is ready."), "success")
    return redirect(url_for("staff_certificates.prints") + f"#print-{job.id}")


@bp.get("/ceremony-prints")
@access("certificates.manage")
def prints():
    jobs = db.session.scalars(select(CeremonyPrint).join(CeremonyPrint.cohort)
                              .order_by(CeremonyPrint.id.desc()).limit(50)).all()
    working = any(job.state in (PrintState.QUEUED, PrintState.RUNNING) for job in jobs)
    return render_template("certificates/staff_prints.html", jobs=jobs, working=working, PrintState=PrintState)


@bp.get("/ceremony-prints/<int:job_id>.pdf")
@access("certificates.manage")
def print_pdf(job_id: int):
    """A finished ceremony print; 404 until it is ready (or after a newer one replaced it)."""
    job = db.get_or_404(CeremonyPrint, job_id)
    if job.state != PrintState.DONE or not job.stored_name:
        abort(404)
    path = operations.path_of(job)
    if not path.is_file():
        abort(404)
    suffix = "" if job.frame else "_枠なし"
    response = send_stored(path, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(
        f"熊本県SDGs登録証_授与式用_KS{job.cohort.number:02d}{suffix}.pdf")
    return response
