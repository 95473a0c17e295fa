"""The secretariat's pages of the partners: institutions (name, kind, contact, logo), their
users (invited here), the organisations that consent to each, their support records and the
support activity per fiscal quarter. Rule "partners.manage" (the secretariat) throughout."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.operations import AccountError
from portal.core.extensions import db
from portal.core.forms import whole_number
from portal.core.i18n import today_jst
from portal.core.paging import page_of
from portal.core.permissions import access
from portal.core.security import form_view
from portal.organisations.models import Organisation
from portal.partners import logos, operations, overview, queries
from portal.partners.forms import InstitutionForm, PartnerUserForm
from portal.partners.models import PartnerInstitution, SupportMenu, SupportRecord

bp = Blueprint("staff_partners", __name__, url_prefix="/staff/partners")
PAGE_SIZE = 50


def _logo_error(code: str) -> str:
    return {
        "empty": _("The file is empty."),
        "size": _("The logo is larger than 1 MB."),
        "type": _("The logo must be a PNG or JPEG image."),
    }.get(code) or _("This file is not a readable PNG or JPEG image (at most 4,000 pixels a side).")


@bp.get("/")
@access("partners.manage")
def index():
    """Every institution with its users, supported organisations, menus and the support
    activity of the last four fiscal quarters."""
    quarters = overview.recent_quarters(today_jst())
    return render_template("partners/staff_index.html", summaries=overview.summaries(quarters), quarters=quarters)


def _save_logo(form: InstitutionForm, institution: PartnerInstitution) -> tuple[bool, bool, str | None]:
    """(ok, changed, the old logo file to remove after commit) from the form's logo fields."""
    upload = form.logo.data
    if upload and getattr(upload, "filename", ""):
        try:
            stored = logos.store(upload.stream)
        except logos.LogoRejected as error:
            form.logo.errors = [*form.logo.errors, _logo_error(str(error))]
            return False, False, None
        return True, True, operations.set_logo(institution, stored, current_user)
    if form.remove_logo.data and institution.logo_name:
        return True, True, operations.set_logo(institution, None, current_user)
    return True, False, None


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("partners.manage")
def create():
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = operations.create_institution(form.code.data, actor=current_user, **form.institution_data())
        except operations.PartnerError as error:
            db.session.rollback()
            form.code.errors = [*form.code.errors, operations.error_text(error)]
        else:
            ok, _changed, _old = _save_logo(form, institution)
            if ok:
                db.session.commit()
                flash(_("%(name)s was added.", name=institution.name_ja), "success")
                return redirect(url_for("staff_partners.show", institution_id=institution.id))
            db.session.rollback()
    return render_template("partners/staff_institution_form.html", form=form, institution=None), form.status_code


def _institution(institution_id: int) -> PartnerInstitution:
    return db.get_or_404(PartnerInstitution, institution_id)


@bp.route("/<int:institution_id>/edit", methods=["GET", "POST"])
@form_view
@access("partners.manage")
def edit(institution_id: int):
    institution = _institution(institution_id)
    form = InstitutionForm(obj=institution, editing=True)
    if form.validate_on_submit():
        changes = operations.update_institution(institution, form.institution_data(), current_user)
        ok, logo_changed, old = _save_logo(form, institution)
        if ok:
            db.session.commit()
            logos.remove(old)
            flash(_("%(name)s was saved.", name=institution.name_ja) if changes or logo_changed
                  else _("Nothing was changed."), "success")
            return redirect(url_for("staff_partners.show", institution_id=institution.id))
        db.session.rollback()
        institution = _institution(institution_id)
    return render_template("partners/staff_institution_form.html", form=form, institution=institution), \
        form.status_code


def _show(institution: PartnerInstitution, user_form: PartnerUserForm, status: int = 200):
    today = today_jst()
    users = db.session.scalars(select(User).where(User.partner_id == institution.id).order_by(User.name)).all()
    rows, page = page_of(queries.page_query(institution.id, today), PAGE_SIZE)
    menus = db.session.scalars(select(SupportMenu).where(SupportMenu.institution_id == institution.id)
                               .order_by(SupportMenu.id.desc())).all()
    return render_template("partners/staff_institution.html", institution=institution, users=users, rows=rows,
                           page=page, menus=menus, user_form=user_form,
                           status_titles={s: str(t) for s, t in queries.STATUS_TITLES.items()}), status


@bp.get("/<int:institution_id>")
@access("partners.manage")
def show(institution_id: int):
    """An institution: contact, users, the organisations that consent to it (with their status
    and support records), its menus."""
    return _show(_institution(institution_id), PartnerUserForm(formdata=None))


@bp.post("/<int:institution_id>/users")
@form_view
@access("partners.manage")
def invite(institution_id: int):
    """Invite a person of the institution: a partner account, mailed a link to set its password."""
    institution = _institution(institution_id)
    form = PartnerUserForm()
    if form.validate_on_submit():
        try:
            operations.invite_user(institution, form.email.data, form.name.data, form.locale.data, current_user)
        except AccountError:
            db.session.rollback()
            form.email.errors = [*form.email.errors, _("An account with this e-mail address already exists.")]
        else:
            db.session.commit()
            flash(_("%(email)s was invited; a link to set the password was mailed.", email=form.email.data), "success")
            return redirect(url_for("staff_partners.show", institution_id=institution.id) + "#users")
    return _show(institution, form, form.status_code)


@bp.get("/records")
@access("partners.manage")
def records():
    """Every institution's support records (the secretariat sees them all, shared or not), by
    institution and fiscal quarter, newest first."""
    institution = request.args.get("institution", "")
    quarter = overview.Quarter.parse(request.args.get("quarter", ""))
    query = (select(SupportRecord, Organisation.name, User.name, func.count().over())
             .join(Organisation, Organisation.id == SupportRecord.organisation_id)
             .outerjoin(User, User.id == SupportRecord.recorded_by_id)
             .order_by(SupportRecord.supported_on.desc(), SupportRecord.id.desc()))
    if whole_number(institution) is not None:
        query = query.where(SupportRecord.institution_id == whole_number(institution))
    if quarter:
        query = query.where(SupportRecord.supported_on.between(quarter.starts, quarter.ends))
    rows, page = page_of(query, PAGE_SIZE)
    institutions = db.session.scalars(select(PartnerInstitution).order_by(PartnerInstitution.id)).all()
    return render_template("partners/staff_records.html", rows=rows, page=page, institutions=institutions,
                           institution=institution, quarter=quarter,
                           quarters=list(reversed(overview.recent_quarters(today_jst(), 8))))
