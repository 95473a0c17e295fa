"""The organisation profile, its members and invitations; the postal-code lookup; staff list."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.core import japanese, location
from portal.core.i18n import current_locale
from portal.core.extensions import db, limiter
from portal.core.forms import restore_input
from portal.core.paging import contains, requested_page
from portal.core.permissions import access, may, public, require
from portal.core.security import form_view
from portal.organisations import operations
from portal.organisations.forms import AcceptInvitationForm, InvitationForm, OrganisationForm, profile_refusal
from portal.organisations.models import Organisation
from portal.registrations.lock import locking_registration
from portal import todo

bp = Blueprint("organisations", __name__)
PAGE_SIZE = 50



def _profile_form(organisation: Organisation | None) -> OrganisationForm:
    kept = restore_input() if request.method == "GET" else None
    if kept is not None:
        flash(_("Your session had ended; here is what you typed. Please check it and save."), "warning")
        return OrganisationForm(formdata=kept)
    return OrganisationForm(obj=organisation)


@bp.get("/organisation")
@access("applicant")
def mine():
    if current_user.membership is None:
        return redirect(url_for("organisations.create"))
    return redirect(url_for("organisations.show", organisation_id=current_user.membership.organisation_id))


@bp.route("/organisations/new", methods=["GET", "POST"])
@form_view
@access("organisation.create")
def create():
    form = _profile_form(None)
    filled = False
    if request.method == "POST" and "lookup" in request.form:
        filled = form.fill_address_from_postal_code()
    elif form.validate_on_submit():
        organisation = operations.create_organisation(current_user, form.profile_data())
        db.session.commit()
        flash(_("Your organisation's profile has been saved."), "success")
        return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None, address_filled=filled), \
        form.status_code


@bp.get("/organisations/<int:organisation_id>")
@access("signed_in")
def show(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    require("organisation.view", organisation)
    return _show(organisation, InvitationForm() if may(current_user, "organisation.invite", organisation) else None)


def _show(organisation: Organisation, invitation_form, consent_form=None):
    from portal.applications.models import Application
    from portal.partners.operations import live_consents
    from portal.partners.queries import shared_records
    from portal.registrations.models import Registration

    applications = db.session.scalars(select(Application).where(Application.organisation_id == organisation.id)
                                      .order_by(Application.id.desc())).all()
    registrations = db.session.scalars(select(Registration).where(Registration.organisation_id == organisation.id)
                                       .order_by(Registration.id.desc())).all()
    consents = live_consents(organisation.id)
    return render_template("organisations/show.html", organisation=organisation, invitation_form=invitation_form,
                           applications=applications, registrations=registrations, consents=consents,
                           consent_form=consent_form or _consent_form(organisation, consents),
                           shared_records=shared_records(organisation.id)
                           if may(current_user, "organisation.support_records", organisation) else [],
                           todo=todo.items_for("applicant", current_user)
                           if may(current_user, "organisation.edit", organisation) else [])


def _consent_form(organisation: Organisation, consents):
    """Choosing more supporting institutions, for the members: those not chosen yet."""
    from portal.partners.forms import ConsentForm
    from portal.partners.models import PartnerInstitution

    if not may(current_user, "organisation.consent", organisation):
        return None
    chosen = {c.institution_id for c in consents}
    form = ConsentForm(formdata=None if request.method == "GET" else request.form)
    form.institutions.choices = [(i.id, i.name(current_locale())) for i in db.session.scalars(
        select(PartnerInstitution).order_by(PartnerInstitution.id)) if i.id not in chosen]
    return form


@bp.post("/organisations/<int:organisation_id>/consents")
@form_view
@access("signed_in")
def grant_consent(organisation_id: int):
    """Choose more supporting institutions and consent: they see the organisation from now on."""
    from portal.partners import operations as partner_operations
    from portal.partners.operations import live_consents

    organisation = db.get_or_404(Organisation, organisation_id)
    require("organisation.consent", organisation)
    form = _consent_form(organisation, live_consents(organisation.id))
    if form.validate_on_submit():
        granted = partner_operations.grant_consents(organisation, set(form.institutions.data), current_user)
        db.session.commit()
        separator = "、" if current_locale() == "ja" else ", "
        names = separator.join(c.institution.name(current_locale()) for c in granted)
        if granted:
            flash(_("%(names)s can now see your application and registration.", names=names), "success")
        return redirect(url_for("organisations.show", organisation_id=organisation.id) + "#partners")
    invitation_form = InvitationForm() if may(current_user, "organisation.invite", organisation) else None
    return _show(organisation, invitation_form, form), form.status_code


@bp.post("/organisations/<int:organisation_id>/consents/<int:consent_id>/revoke")
@access("signed_in")
def revoke_consent(organisation_id: int, consent_id: int):
    from portal.partners import operations as partner_operations
    from portal.partners.models import PartnerConsent

    organisation = db.get_or_404(Organisation, organisation_id)
    require("organisation.edit", organisation)
    consent = db.session.get(PartnerConsent, consent_id)
    if consent is None or consent.organisation_id != organisation.id:
        abort(404)
    partner_operations.revoke_consent(consent, current_user)
    db.session.commit()
    flash(_("%(name)s can no longer see your organisation's information.", name=consent.institution.name_ja), "success")
    return redirect(url_for("organisations.show", organisation_id=organisation.id))


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@form_view
@access("signed_in")
def edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    require("organisation.edit", organisation)
    form = _profile_form(organisation)
    locked = locking_registration(organisation)
    if locked is not None:
        form.lock_certified(organisation)
    filled = False
    if request.method == "POST" and "lookup" in request.form and locked is None:
        filled = form.fill_address_from_postal_code()
    elif form.validate_on_submit():
        try:
            changes = operations.update_organisation(organisation, form.profile_data(), current_user)
        except operations.OrganisationError as error:
            db.session.rollback()
            flash(profile_refusal(error), "error")
        else:
            db.session.commit()
            flash(_("Your organisation's profile has been saved.") if changes else _("Nothing was changed."),
                  "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=organisation,
                           address_filled=filled, locked=locked), form.status_code


@bp.post("/organisations/<int:organisation_id>/invitations")
@form_view
@access("signed_in")
def invite(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    require("organisation.invite", organisation)
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            operations.invite_member(organisation, form.email.data, current_user)
        except operations.OrganisationError as error:
            form.email.errors.append(_invitation_refusal(str(error)))
            return _show(organisation, form), 429
        db.session.commit()
        flash(_("An invitation was sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return _show(organisation, form), form.status_code


def _invitation_refusal(code: str) -> str:
    if code == "user_limit":
        return _("You can send at most %(count)s invitations in 24 hours. Please try again later.",
                 count=current_app.config["INVITATIONS_PER_USER_PER_DAY"])
    return _("Your organisation can send at most %(count)s invitations in 24 hours. Please try again later.",
             count=current_app.config["INVITATIONS_PER_ORGANISATION_PER_DAY"])


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@form_view
@public
def invitation(token: str):
    found = operations.invitation_for(token)
    if found is None:
        return render_template("accounts/link_invalid.html", kind="invitation"), 400
    form = AcceptInvitationForm()
    problem = None
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            operations.accept_invitation(found, current_user)
        except operations.OrganisationError as error:
            problem = str(error)
        else:
            db.session.commit()
            flash(_("You have joined %(name)s.", name=found.organisation.name), "success")
            return redirect(url_for("organisations.show", organisation_id=found.organisation_id))
    return render_template("organisations/invitation.html", invitation=found, form=form, problem=problem)


@bp.get("/postal-codes/<code>")
@limiter.limit("120 per minute")
@public
def postal_code(code: str):
    """Address parts for a postal code, for the profile form's address lookup."""
    try:
        normalised = japanese.normalize_postal_code(code)
    except ValueError:
        return jsonify(error=_("Enter a 7-digit postal code (e.g. 860-8570).")), 400
    area = location.lookup_postal_code(normalised)
    if area is None:
        return jsonify(error=_("This postal code was not found. Please check it.")), 404
    return jsonify(
        postal_code=area.postal_code, prefecture=area.prefecture, city=area.city, town=area.town,
        address=area.prefecture + area.city + area.town, municipality_code=area.municipality_code,
        in_prefecture=area.prefecture == "熊本県",
    )


@bp.get("/staff/organisations/")
@access("staff")
def staff_index():
    query = select(Organisation).order_by(Organisation.id.desc())
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(or_(Organisation.search_key.like(contains(japanese.search_key(q)), escape="\\"),
                                Organisation.corporate_number == japanese.normalize_corporate_number(q)))
    where = request.args.get("where")
    if where == "in_city":
        query = query.where(Organisation.in_city.is_(True))
    elif where == "outside":
        query = query.where(Organisation.in_city.is_(False))
    elif where == "mismatch":
        query = query.where(Organisation.location_mismatch.is_(True))
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("organisations/staff_index.html", page=page, q=q, where=where)
