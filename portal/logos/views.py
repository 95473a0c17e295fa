"""The public and holder pages of the 「Kumamoto for SDGs」 logo: about the logo and its rules,
the request (saved as a draft, sent when complete), the request or permit page with the permit
PDF, the logo files, use reports and renewal.

Views parse, ask permissions, call one operation of `portal.logos.operations`, render."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from portal.applications import files
from portal.core.extensions import db
from portal.core.files import send_stored
from portal.core.i18n import today_jst
from portal.core.permissions import access, may, public, require
from portal.core.reference.sdgs import GOALS
from portal.core.security import form_view
from portal.logos import documents, operations
from portal.logos import variants as catalogue
from portal.logos.forms import RequestForm, UseReportForm
from portal.logos.models import LogoPermit, LogoUse
from portal.logos.rules import MEDIA, RULES
from portal.logos.workflow import EDITABLE, ISSUED

bp = Blueprint("logos", __name__, url_prefix="/logos")

# Where an operation's refusal is shown on the request form.
_FIELD_OF_ERROR = {"file_type": "mockup", "file_size": "mockup", "file_empty": "mockup",
                   "period_missing": "starts_on", "end_before_start": "ends_on", "period_too_long": "ends_on",
                   "starts_in_past": "starts_on", "not_agreed": "agree"}


# What `operations.missing` names, as the holder reads it.
MISSING = {
    "holder_kind": _l("who will use the logo"), "holder_name": _l("the name of the corporation, group or person"),
    "representative": _l("the representative"), "address": _l("the address"),
    "contact_name": _l("the contact person"), "contact_phone": _l("the telephone number"),
    "activity": _l("the activity"), "goals": _l("at least one goal"), "media": _l("at least one medium"),
    "media_detail": _l("the details of the media"), "variants": _l("at least one design variant"),
    "period": _l("a valid period (from today, at most three years)"), "agreement": _l("your agreement to the rules"),
}


def _permit(permit_id: int, rule: str = "logo.view") -> LogoPermit:
    permit = db.get_or_404(LogoPermit, permit_id)
    require(rule, permit)
    return permit


def permits_of(user) -> list[LogoPermit]:
    """The requests and permits a person holds (their own and their organisation's), newest first."""
    condition = LogoPermit.requested_by_id == user.id
    if user.membership is not None:
        condition = or_(condition, LogoPermit.organisation_id == user.membership.organisation_id)
    return list(db.session.scalars(select(LogoPermit).where(condition).order_by(LogoPermit.id.desc())))


@bp.get("/")
@public
def index():
    """About the logo, its rules and variants, how to ask; a holder's requests and permits."""
    permits = permits_of(current_user) if may(current_user, "applicant") else []
    return render_template("logos/index.html", permits=permits, rules=RULES, variants=catalogue.VARIANTS,
                           status_of=operations.status_on)


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("logo.request")
def new():
    """使用申請 — a new request, prefilled from the organisation (or the person's name)."""
    form = RequestForm() if request.method == "POST" else RequestForm.of(operations.prefill(current_user))
    return _request_form(None, form)


@bp.route("/<int:permit_id>/edit", methods=["GET", "POST"])
@form_view
@access("signed_in")
def edit(permit_id: int):
    """A draft, or a request returned for correction: change it, save it, send it."""
    permit = _permit(permit_id, "logo.edit")
    if request.method == "POST":
        form = RequestForm()
    else:
        values = {field: getattr(permit, field) for field in operations.REQUEST_FIELDS}
        form = RequestForm.of({**values, "agree": permit.agreed_at is not None, "version": permit.version})
    return _request_form(permit, form)


def _request_form(permit: LogoPermit | None, form: RequestForm):
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        sending = request.form.get("action") == "submit"
        if not sending or form.complete(today_jst()):
            try:
                created = permit is None
                if created:
                    permit = operations.new_request(current_user, form.request_data())
                operations.save_request(permit, form.request_data(), current_user, agreed=bool(form.agree.data),
                                        mockup=form.mockup.data or None, remove_mockup=bool(form.remove_mockup.data),
                                        version=None if created else form.version.data)
                if sending:
                    operations.submit_request(permit, current_user)
            except operations.LogoError as error:
                db.session.rollback()
                permit = None if created else db.session.get(LogoPermit, permit.id)
                field = _FIELD_OF_ERROR.get(error.code)
                if field:
                    form[field].errors = [*form[field].errors, operations.error_text(error)]
                else:
                    problem = operations.error_text(error)
            else:
                db.session.commit()
                flash(_("Your request was sent to the secretariat. A confirmation was sent by e-mail; you will be "
                        "told of the decision.") if sending else
                      _("Your request was saved as a draft. Send it when it is complete."), "success")
                return redirect(url_for("logos.show", permit_id=permit.id))
    failed = request.method == "POST"
    if failed and form.mockup.data and not form.mockup.errors:
        # A browser never re-fills a file field: say so rather than let the file seem kept.
        form.mockup.errors = [_("The file was not kept because of the problems above: please choose it again.")]
    return render_template("logos/form.html", form=form, permit=permit, problem=problem, goals=GOALS,
                           rules=RULES, variants=catalogue.VARIANTS, today=today_jst()), \
        400 if failed else 200


@bp.get("/<int:permit_id>")
@access("signed_in")
def show(permit_id: int):
    """The request or permit: where it stands, what was asked and allowed, the permit PDF, the
    files, use reports and renewal."""
    permit = _permit(permit_id)
    form = UseReportForm(formdata=None) if may(current_user, "logo.report", permit) else None
    return _show(permit, form)


def _show(permit: LogoPermit, use_form, status: int = 200):
    today = today_jst()
    renewal = db.session.scalar(select(LogoPermit).where(LogoPermit.renews_id == permit.id)
                                .order_by(LogoPermit.id.desc()).limit(1))
    return render_template("logos/show.html", permit=permit, status=operations.status_on(permit, today),
                           live=operations.is_live(permit, today), use_form=use_form, renewal=renewal,
                           missing=[str(MISSING[item]) for item in operations.missing(permit, today)]
                           if permit.state in EDITABLE else [],
                           window=operations.renewal_window(permit), media=MEDIA, goals=GOALS,
                           variant_title=catalogue.title_of, variants=catalogue.VARIANTS,
                           formats=catalogue.FORMATS), status


@bp.get("/<int:permit_id>/mockup")
@access("signed_in")
def mockup(permit_id: int):
    permit = _permit(permit_id)
    if not permit.mockup_stored:
        abort(404)
    return send_stored(files.path_of(permit.mockup_stored), mimetype=permit.mockup_type, as_attachment=True,
                       download_name=permit.mockup_name or "mock-up")


@bp.get("/<int:permit_id>/permit.pdf")
@access("signed_in")
def permit_pdf(permit_id: int):
    """使用許可書 — the permit as a Japanese A4 PDF (for an issued permit; an ended or revoked one
    says so)."""
    permit = _permit(permit_id)
    if permit.state not in ISSUED:
        abort(404)
    pdf = documents.permit_pdf(permit, today_jst())
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"ロゴマーク使用許可書_{permit.number}.pdf", max_age=0)
    response.cache_control.private = True
    return response


@bp.get("/<int:permit_id>/files/<variant>.<any(svg, png):fmt>")
@access("signed_in")
def download(permit_id: int, variant: str, fmt: str):
    """A logo file: only the holder of a live permit, only a permitted variant; 404 otherwise
    (the holder is told why)."""
    permit = db.get_or_404(LogoPermit, permit_id)
    if not may(current_user, "logo.download", (permit, variant)):
        if may(current_user, "logo.hold", permit):
            live = operations.is_live(permit)
            return render_template("logos/file_refused.html", permit=permit, live=live,
                                   known=variant in catalogue.BY_CODE), 404
        abort(404)
    path = catalogue.artwork_path(variant, fmt)
    if not path.is_file():
        current_app.logger.error("logo artwork missing: %s", path)
        abort(404)
    return send_stored(path, mimetype=catalogue.FORMATS[fmt], as_attachment=True,
                       download_name=catalogue.BY_CODE[variant].file_name(fmt))


@bp.post("/<int:permit_id>/uses")
@form_view
@access("signed_in")
def report_use(permit_id: int):
    """使用報告 — a photo or a link that shows the logo in use."""
    permit = _permit(permit_id, "logo.report")
    form = UseReportForm()
    if form.validate_on_submit():
        try:
            operations.report_use(permit, current_user, form.medium.data, form.description.data or "",
                                  form.link.data or None, form.photo.data or None)
        except operations.LogoError as error:
            db.session.rollback()
            target = form.photo if error.code.startswith("file_") else form.link
            target.errors = [*target.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("Thank you: your report was added."), "success")
            return redirect(url_for("logos.show", permit_id=permit.id) + "#uses")
    return _show(permit, form, 400)


@bp.get("/<int:permit_id>/uses/<int:use_id>/photo")
@access("signed_in")
def use_photo(permit_id: int, use_id: int):
    permit = _permit(permit_id)
    use = db.session.get(LogoUse, use_id)
    if use is None or use.permit_id != permit.id or not use.photo_stored:
        abort(404)
    return send_stored(files.path_of(use.photo_stored), mimetype=use.photo_type, as_attachment=True,
                       download_name=use.photo_name or "photo")


@bp.post("/<int:permit_id>/renew")
@access("signed_in")
def renew(permit_id: int):
    """Start a renewal: a draft prefilled from the permit, for the holder to check and send."""
    permit = _permit(permit_id, "logo.hold")
    try:
        renewal = operations.start_renewal(permit, current_user)
    except operations.LogoError as error:
        db.session.rollback()
        flash(operations.error_text(error), "error")
        return redirect(url_for("logos.show", permit_id=permit.id))
    db.session.commit()
    flash(_("A renewal request was prepared from your permit. Check it, agree to the rules and send it."),
          "success")
    return redirect(url_for("logos.edit", permit_id=renewal.id))
