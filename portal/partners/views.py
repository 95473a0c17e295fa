"""The partner institution's pages (支援機関): the organisations that chose the institution and
consent, each one's page, support records (伴走支援記録) and the institution's support menus.

Every page asks the permissions module: lists use the route rule "partner.dashboard"; pages of
one organisation, record or menu use object rules, which for an organisation hold only while it
consents to the user's institution, and answer 404 to anyone else (its existence is private).
Every list starts from the institution's live consents (portal.partners.queries).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.applications.content import AREAS
from portal.core.db import utcnow
from portal.core.exports import export_response, query_rows
from portal.core.extensions import db
from portal.core.i18n import industry_name, jst, municipality_name, today_jst
from portal.core.paging import page_of
from portal.core.permissions import access, require
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import MUNICIPALITIES
from portal.core.security import form_view
from portal.organisations.models import Organisation
from portal.partners import operations, queries, seminars
from portal.partners.forms import SupportMenuForm, SupportRecordForm
from portal.partners.models import SupportMenu, SupportRecord
from portal import todo
from portal.reports.queries import reports_of

bp = Blueprint("partner", __name__, url_prefix="/partner")
PAGE_SIZE = 50
EXPORT_BATCH = 500


def _statuses() -> list[tuple[str, str]]:
    return [(status, str(queries.STATUS_TITLES[status])) for status in queries.STATUSES]


@bp.get("/")
@access("partner.dashboard")
def dashboard():
    """The organisations that chose the institution and consent: filtered by status and place,
    searched by name, reading, registration or corporate number; one query per page, one for
    the counts by status."""
    filters = queries.Filters.from_args(request.args)
    today = today_jst()
    institution_id = current_user.partner_id
    rows, page = page_of(queries.page_query(institution_id, today, filters), PAGE_SIZE)
    return render_template("partners/dashboard.html", rows=rows, page=page, filters=filters,
                           counts=queries.status_counts(institution_id, today), statuses=_statuses(),
                           status_titles=dict(_statuses()), institution=current_user.partner,
                           # やること on the list as it opens (not on each filtered or later page)
                           todo=todo.items_for("partner", current_user)
                           if page.page == 1 and not filters.as_args() else [])


def _export_columns() -> list[tuple[str, str]]:
    return [
        ("name", _("Name of the organisation")), ("kana", _("Name in katakana")),
        ("corporate_number", _("Corporate number")), ("municipality", _("Municipality")),
        ("in_city", _("Inside Kumamoto City")), ("industry", _("Industry")), ("status", _("Status")),
        ("registration_number", _("Registration number")), ("registered_on", _("Registered on")),
        ("valid_until", _("Valid until")), ("consented_at", _("Consented on")),
        ("records", _("Support records")), ("last_support", _("Latest support")),
        ("contact_name", _("Contact person")), ("contact_phone", _("Phone")), ("contact_email", _("E-mail address")),
    ]


def _export_row():
    """A row's cells; every label is looked up now (a CSV's rows are read after the view returned)."""
    yes, no = _("Yes"), _("No")
    statuses = dict(_statuses())
    municipalities = {m.code: municipality_name(m.code) for m in MUNICIPALITIES}
    industries = {i.code: industry_name(i.code) for i in INDUSTRIES}

    def convert(row) -> dict:
        return {
            "name": row.name, "kana": row.name_kana, "corporate_number": row.corporate_number or "",
            "municipality": municipalities.get(row.municipality_code, row.municipality_code or ""),
            "in_city": yes if row.in_city else no, "industry": industries.get(row.industry, row.industry or ""),
            "status": statuses[row.status], "registration_number": row.registration_number or "",
            "registered_on": row.registered_on, "valid_until": row.valid_until,
            "consented_at": jst(row.consented_at).date() if row.consented_at else None, "records": row.records,
            "last_support": row.last_support, "contact_name": row.contact_name, "contact_phone": row.contact_phone,
            "contact_email": row.contact_email,
        }

    return convert


@bp.get("/export.<any(csv, xlsx):fmt>")
@access("partner.dashboard")
def export(fmt: str):
    """The list as filtered on the page, every page of it, as CSV or XLSX: one query whatever
    the number of organisations. The download is written to the audit log."""
    filters = queries.Filters.from_args(request.args)
    operations.log_export(current_user, fmt, filters.as_args())
    db.session.commit()
    query = queries.supported_query(current_user.partner_id, today_jst(), queries.export_columns, filters)
    stamp = jst(utcnow()).strftime("%Y%m%d-%H%M")
    return export_response(_("supported-organisations-%(stamp)s", stamp=stamp), _export_columns(),
                           query_rows(query, _export_row(), batch=EXPORT_BATCH), fmt)


# --- one organisation, and its support records ---------------------------------------------------

def _consenting(organisation_id: int, rule: str = "partner.organisation") -> Organisation:
    organisation = db.get_or_404(Organisation, organisation_id)
    require(rule, organisation)
    return organisation


def _organisation_page(organisation: Organisation, form: SupportRecordForm, status: int = 200):
    row = queries.supported_row(current_user.partner_id, organisation.id, today_jst())
    if row is None:  # the consent ended between the permission check and here
        abort(404)
    found = queries.latest_revision(organisation.id)
    return render_template(
        "partners/organisation.html", organisation=organisation, row=row,
        status_title=str(queries.STATUS_TITLES[row.status]), registration=row.Registration,
        revision=found[0] if found else None, application=found[1] if found else None, areas=AREAS,
        records=queries.records_of(current_user.partner_id, organisation.id), form=form,
        attendance=seminars.attendance(organisation.id), progress_reports=reports_of(organisation.id)), status


@bp.get("/organisations/<int:organisation_id>")
@access("signed_in")  # the object rule answers 404 to everyone else
def organisation(organisation_id: int):
    """What the organisation shared: profile, registration and term, its vision and key actions
    with indicators and targets as last submitted; the institution's support records."""
    organisation = _consenting(organisation_id)
    return _organisation_page(organisation, SupportRecordForm(formdata=None, data={"supported_on": today_jst()}))


def _record_values(form: SupportRecordForm) -> dict:
    return {"supported_on": form.supported_on.data, "kind": form.kind.data, "notes": form.notes.data,
            "shared": form.shared.data}


@bp.post("/organisations/<int:organisation_id>/support")
@form_view
@access("signed_in")  # the object rule answers 404 to everyone else
def record_support(organisation_id: int):
    """伴走支援 — record an act of support for the organisation."""
    organisation = _consenting(organisation_id, "partner.support.record")
    form = SupportRecordForm()
    if form.validate_on_submit():
        try:
            operations.record_support(organisation, current_user, **_record_values(form))
        except operations.PartnerError as error:
            db.session.rollback()
            if error.code == "no_consent":
                abort(404)
            form.notes.errors = [*form.notes.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("The support was recorded."), "success")
            return redirect(url_for("partner.organisation", organisation_id=organisation.id) + "#support-records")
    return _organisation_page(organisation, form, form.status_code)


def _record(record_id: int) -> SupportRecord:
    record = db.session.get(SupportRecord, record_id) or abort(404)
    require("partner.support.edit", record)
    return record


@bp.route("/support/<int:record_id>/edit", methods=["GET", "POST"])
@form_view
@access("signed_in")  # the object rule answers 404 to everyone else
def edit_support(record_id: int):
    """Correct a support record, or share it with the organisation (or stop sharing it)."""
    record = _record(record_id)
    form = SupportRecordForm(obj=record)
    if request.method == "GET":
        form.kind.data = record.kind.value
    if form.validate_on_submit():
        try:
            changes = operations.update_support_record(record, current_user, **_record_values(form))
        except operations.PartnerError as error:
            db.session.rollback()
            if error.code == "no_consent":
                abort(404)
            form.notes.errors = [*form.notes.errors, operations.error_text(error)]
        else:
            db.session.commit()
            flash(_("The support record was saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("partner.organisation", organisation_id=record.organisation_id)
                            + f"#record-{record.id}")
    organisation = db.session.get(Organisation, record.organisation_id)
    return render_template("partners/record_form.html", form=form, record=record,
                           organisation=organisation), form.status_code


@bp.post("/support/<int:record_id>/delete")
@access("signed_in")  # the object rule answers 404 to everyone else
def delete_support(record_id: int):
    """Remove a support record entered by mistake (the audit log keeps what it said)."""
    record = _record(record_id)
    organisation_id = record.organisation_id
    operations.delete_support_record(record, current_user)
    db.session.commit()
    flash(_("The support record was deleted."), "success")
    return redirect(url_for("partner.organisation", organisation_id=organisation_id) + "#support-records")


# --- the institution's support menus ----------------------------------------------------------

@bp.get("/menus")
@access("partner.dashboard")
def menus():
    """The institution's support menus, published or not."""
    found = db.session.scalars(db.select(SupportMenu).where(SupportMenu.institution_id == current_user.partner_id)
                               .order_by(SupportMenu.published.desc(), SupportMenu.id.desc())).all()
    return render_template("partners/menus.html", menus=found, institution=current_user.partner)


@bp.route("/menus/new", methods=["GET", "POST"])
@form_view
@access("partner.dashboard")
def new_menu():
    form = SupportMenuForm()
    if form.validate_on_submit():
        operations.create_menu(current_user.partner_id, form.menu_data(), current_user)
        db.session.commit()
        flash(_("The support menu was saved."), "success")
        return redirect(url_for("partner.menus"))
    return render_template("partners/menu_form.html", form=form, menu=None), form.status_code


def _menu(menu_id: int) -> SupportMenu:
    menu = db.session.get(SupportMenu, menu_id) or abort(404)
    require("partner.menu.edit", menu)
    return menu


@bp.route("/menus/<int:menu_id>/edit", methods=["GET", "POST"])
@form_view
@access("signed_in")  # the object rule answers 404 to everyone else
def edit_menu(menu_id: int):
    menu = _menu(menu_id)
    form = SupportMenuForm(obj=menu)
    if request.method == "GET":
        form.free.data = "1" if menu.free else "0"
    if form.validate_on_submit():
        changes = operations.update_menu(menu, current_user, form.menu_data())
        db.session.commit()
        flash(_("The support menu was saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("partner.menus"))
    return render_template("partners/menu_form.html", form=form, menu=menu), form.status_code


@bp.post("/menus/<int:menu_id>/delete")
@access("signed_in")  # the object rule answers 404 to everyone else
def delete_menu(menu_id: int):
    menu = _menu(menu_id)
    operations.delete_menu(menu, current_user)
    db.session.commit()
    flash(_("The support menu was deleted."), "success")
    return redirect(url_for("partner.menus"))
