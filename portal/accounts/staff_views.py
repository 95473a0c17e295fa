"""The secretariat's account management: staff, partner and Kumamoto City accounts."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts import operations, two_factor
from portal.accounts.forms import AccountForm
from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.paging import requested_page
from portal.core.permissions import access
from portal.core.roles import Role
from portal.core.security import form_view
from portal.partners.models import PartnerInstitution

bp = Blueprint("staff_accounts", __name__, url_prefix="/staff/users")
PAGE_SIZE = 50


@bp.get("/")
@access("staff.users")
def index():
    role = request.args.get("role")
    query = select(User).order_by(User.role, User.email)
    if role in set(Role):
        query = query.where(User.role == role)
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("accounts/staff_users.html", page=page, role=role, roles=list(Role))


@bp.route("/new", methods=["GET", "POST"])
@form_view
@access("staff.users")
def create():
    partners = db.session.scalars(select(PartnerInstitution).order_by(PartnerInstitution.id)).all()
    form = AccountForm(partners)
    if form.validate_on_submit():
        partner = db.session.get(PartnerInstitution, form.partner_id.data) if form.partner_id.data else None
        try:
            user = operations.create_account(form.email.data, form.name.data, Role(form.role.data),
                                             form.locale.data, partner=partner, actor=current_user)
        except operations.AccountError:
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            db.session.commit()
            flash(_("The account for %(email)s was created; a link to set the password was mailed.",
                    email=user.email), "success")
            return redirect(url_for("staff_accounts.index"))
    return render_template("accounts/staff_user_form.html", form=form), form.status_code


@bp.post("/<int:user_id>/active")
@access("staff.users")
def set_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        operations.set_active(user, request.form.get("active") == "1", actor=current_user)
        db.session.commit()
        flash(_("The account %(email)s was updated.", email=user.email), "success")
    return redirect(url_for("staff_accounts.index"))


@bp.post("/<int:user_id>/second-factor/reset")
@access("staff.users")
def reset_second_factor(user_id: int):
    """Remove a user's second factor (a lost phone and no recovery code left): their sessions
    end, and they set it up again at their next sign-in."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        two_factor.reset(user, current_user)
    except two_factor.TwoFactorError:
        flash(_("%(email)s has no second factor to reset.", email=user.email) if user.id != current_user.id
              else _("You cannot reset your own second factor: use a recovery code, or ask another member of "
                     "the secretariat."), "error")
    else:
        db.session.commit()
        flash(_("The second factor of %(email)s was reset; they will set it up again at their next sign-in.",
                email=user.email), "success")
    return redirect(url_for("staff_accounts.index"))
